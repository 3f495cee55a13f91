/**
 * `zcc-sync audit` (issue 13 item 6). Unit: the --since/--until forms, CSV quoting. End to end on
 * the real stack (compiled CLI, test Temporal, slapd, the ZCC emulator, a worker in this process):
 * every change made to one user across reconciles and an admin job, in order, with its actor;
 * each filter returns exactly the rows a plain filter over the whole table returns; JSON and CSV
 * of 30,000 rows arrive whole through a pipe whose reader stalls; bad flags exit 2 and say why.
 */
import type { AuditRow } from '../src/store/audit';
import { spawn } from 'child_process';
import * as path from 'path';
import { parse as parseCsv } from 'csv-parse/sync';
import { removeGroupMember } from './support/ldap-admin';
import { ensureBuilt, ROOT } from './support/cli';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import { addAuditEntries, type AuditEntry } from '../src/store/audit';
import { AUDIT_OPS, csvField, parseTimeFlag } from '../client/actions/audit';
import { buildProgram } from '../client/main';
import type { DirectorySpec } from '../devstack/ldif';

jest.setTimeout(300_000);

describe('flag parsing (no stack)', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');
  it.each([
    ['--since', '2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['--until', '2026-12-01', '2026-12-02T00:00:00.000Z'], // a date alone: that whole day
    ['--since', '2026-12-01T08:30', '2026-12-01T08:30:00.000Z'], // UTC without an offset
    ['--since', '2026-12-01 08:30:15.5Z', '2026-12-01T08:30:15.500Z'],
    ['--since', '2026-12-01T09:30:00+01:00', '2026-12-01T08:30:00.000Z'],
    ['--until', '2026-12-01T03:00-0500', '2026-12-01T08:00:00.000Z'],
    ['--since', '24h', '2026-12-03T12:00:00.000Z'],
    ['--since', '90m', '2026-12-04T10:30:00.000Z'],
    ['--since', '2w', '2026-11-20T12:00:00.000Z'],
  ] as const)('%s %s → %s', (flag, value, iso) => {
    expect(parseTimeFlag(flag, value, now)).toBe(iso);
  });

  it.each([
    ['yesterday', /--since: got "yesterday" — expected an ISO date or time .* \(fix: e\.g\. --since 24h or --since 2026-12-01\)/],
    ['2026-02-30', /--since: got "2026-02-30" \(no such date or time\)/],
    ['2026-12-01T25:00Z', /no such date or time/],
    ['2026-12-01T10:00+15:00', /no such offset/],
    ['12/01/2026', /expected an ISO date/],
    ['', /--since: got ""/],
  ])('rejects %p', (value, message) => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => parseTimeFlag('--since', value, now)).toThrow(message);
    } finally {
      write.mockRestore();
    }
  });

  it('the help lists every op the audit log records (its copy of AUDIT_OPS)', () => {
    const audit = buildProgram().commands.find((c) => c.name() === 'audit')!;
    expect(audit.options.find((o) => o.long === '--op')!.description).toContain(AUDIT_OPS.join(', '));
  });

  it('quotes CSV fields as RFC 4180 says', () => {
    expect([csvField('plain'), csvField('a,b'), csvField('say "hi"'), csvField('two\nlines'), csvField('cr\r'), csvField(null), csvField(7)])
      .toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r"', '', '7']);
  });
});

const uid = (i: number) => `a${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const directory: DirectorySpec = { users: range(1, 5).map((i) => ({ uid: uid(i) })), groups: [{ cn: 'cc-agents', members: range(1, 5).map(uid) }] };
/** The user whose whole history the test follows: created, edited by an admin, reverted, deactivated. */
const X = mail(2);

/** The store's own audit row type: the test reads the table directly. */
type Row = AuditRow;

/** The CSV the CLI should print for rows, computed here independently of the CLI. */
const CSV_HEADER = ['id', 'at', 'run_id', 'actor', 'email', 'op', 'result', 'error', 'before', 'after'];
const asCsvRecords = (rows: Row[]) => rows.map((r) => CSV_HEADER.map((c) => (r[c as keyof Row] === null ? '' : String(r[c as keyof Row]))));

describe('end to end', () => {
  let env: SyncEnv;
  const ldap = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });
  const runs: Record<string, string> = {};
  let all: Row[] = [];

  async function apply(as: string) {
    const r = await env.cli(['apply', '--yes', '--json', '--as', as]);
    return { code: r.code, json: JSON.parse(r.stdout || '{}') as { runId: string; status: string } };
  }
  async function waitForStatus(runId: string, want: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const row = await env.db('runs').where({ id: runId }).first();
      if (row?.status === want) return;
      if (Date.now() > deadline) throw new Error(`run ${runId} is ${row?.status}, expected ${want}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  /** `audit … --format csv` parsed; the header checked. */
  async function csv(args: string[]): Promise<string[][]> {
    const r = await env.cli(['audit', ...args, '--format', 'csv']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const records = parseCsv(r.stdout, { relax_column_count: false }) as string[][];
    expect(records[0]).toEqual(CSV_HEADER);
    return records.slice(1);
  }

  beforeAll(async () => {
    await ensureBuilt();
    env = await startSyncEnv({
      directory,
      seed: { accountUsers: range(1, 5).map((i) => ({ email: mail(i), name: uid(i) })), roles: [{ name: 'Agent' }, { name: 'Supervisor' }], queues: [{ name: 'Support' }], ccUsers: [] },
      config: {
        mappings: [{ group: 'cn=cc-agents,ou=groups,dc=example,dc=com', role: 'Agent', package: 'essentials', queues: ['Support'] }],
        policy: { leaver: 'deactivate', guards: { maxRemovals: 0, maxRemovalPercent: 100, minDirectoryUsers: 1, maxShrinkPercent: 100 } },
      },
    });
    // 1. alice's reconcile creates everyone; 2. bob makes X a Supervisor (admin job);
    // 3. carol's reconcile puts X back to Agent; 4. X leaves the group: erin's reconcile is
    // held (maxRemovals 0), dave approves it, X is deactivated.
    const first = await apply('alice');
    expect(first.json.status).toBe('completed');
    runs.first = first.json.runId;
    const edit = await env.cli(['users', 'edit', X, '--role', 'Supervisor', '--as', 'bob', '--json']);
    expect(edit.code).toBe(0);
    runs.edit = (JSON.parse(edit.stdout) as { workflowId: string }).workflowId;
    const revert = await apply('carol');
    expect(revert.json.status).toBe('completed');
    runs.revert = revert.json.runId;
    await removeGroupMember(ldap(), 'cc-agents', uid(2));
    const held = await apply('erin');
    expect(held.code).toBe(3);
    runs.held = held.json.runId;
    expect((await env.cli(['runs', 'approve', runs.held, '--as', 'dave'])).code).toBe(0);
    await waitForStatus(runs.held, 'completed');
    all = await env.db('audit').orderBy('id');
  }, 240_000);

  afterAll(async () => {
    await env?.stop();
  });

  test('--user X --format csv: every change to X across reconciles and the admin job, in order, with its actor', async () => {
    const records = await csv(['--user', X.toUpperCase()]); // emails are matched lower-cased
    expect(records).toEqual(asCsvRecords(all.filter((r) => r.email === X)));
    const story = records.map((r) => [r[3], r[5], r[2]]);
    // An admin job's run id is its workflow id (zcc-sync-edit-<uuid>), which the CLI printed.
    const jobRunId = runs.edit;
    expect(story.filter(([, op]) => op !== 'queueAdd' && op !== 'queueRemove')).toEqual([
      ['cli:alice', 'create', runs.first],
      ['cli:bob', 'update', jobRunId],
      ['cli:carol', 'update', runs.revert],
      ['cli:erin', 'deactivate', runs.held],
    ]);
    expect(story).toContainEqual(['cli:alice', 'queueAdd', runs.first]);
    const ids = records.map((r) => Number(r[0]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // before/after are the op's fields as JSON
    const bobs = records.find((r) => r[3] === 'cli:bob')!;
    expect(JSON.parse(bobs[9])).toMatchObject({ role: 'Supervisor' });
  });

  test('each filter returns exactly the rows a plain filter over the whole table does', async () => {
    expect(all.length).toBeGreaterThan(10);
    const expectRows = async (args: string[], pick: (r: Row) => boolean) => {
      const want = all.filter(pick);
      expect(want.length).toBeGreaterThan(0);
      expect(await csv(args)).toEqual(asCsvRecords(want));
    };
    await expectRows(['--run', runs.held], (r) => r.run_id === runs.held);
    // A unique prefix: run ids are time-ordered, so runs of one test share most of theirs.
    const ids: string[] = await env.db('runs').pluck('id');
    const k = [...runs.held].findIndex((_, i) => ids.filter((id) => id.startsWith(runs.held.slice(0, i + 1))).length === 1) + 1;
    expect(k).toBeGreaterThan(4);
    await expectRows(['--run', runs.held.slice(0, k)], (r) => r.run_id === runs.held);
    await expectRows(['--run', `${env.taskQueue}-reconcile`], (r) => r.run_id === runs.held); // the workflow id: its latest run
    await expectRows(['--run', runs.edit], (r) => r.run_id === runs.edit); // an admin job
    await expectRows(['--op', 'update'], (r) => r.op === 'update');
    await expectRows(['--op', 'approve,deactivate'], (r) => r.op === 'approve' || r.op === 'deactivate');
    await expectRows(['--actor', 'cli:alice'], (r) => r.actor === 'cli:alice');
    await expectRows(['--actor', 'bob'], (r) => r.actor === 'cli:bob');
    await expectRows(['--actor', 'dave'], (r) => r.actor === 'dave' && r.op === 'approve' && r.run_id === runs.held);
    // The time window of carol's run: from its first row to (not including) the first row after it.
    const since = all.find((r) => r.run_id === runs.revert)!.at;
    const until = all.find((r) => r.at > since && r.run_id !== runs.revert)!.at;
    await expectRows(['--since', since, '--until', until], (r) => r.at >= since && r.at < until);
    await expectRows(['--since', since], (r) => r.at >= since);
    await expectRows(['--until', until], (r) => r.at < until);
    await expectRows(['--since', '1h'], () => true);
    await expectRows(['--user', X, '--op', 'update', '--actor', 'carol'], (r) => r.email === X && r.op === 'update' && r.actor === 'cli:carol');
    expect(await csv(['--until', '2000-01-01'])).toEqual([]);
  });

  test('table: a header and fixed columns, one line per row', async () => {
    const r = await env.cli(['audit', '--user', X]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT +RUN +ACTOR +EMAIL +OP +RESULT +DETAIL$/);
    const col = (name: string) => lines[0].indexOf(name);
    const rows = all.filter((x) => x.email === X);
    expect(lines).toHaveLength(rows.length + 1);
    rows.forEach((row, i) => {
      const line = lines[i + 1];
      expect(line.slice(col('OP'), col('RESULT')).trim()).toBe(row.op);
      expect(line.slice(col('EMAIL'), col('OP')).trim()).toBe(X);
      expect(line.slice(col('ACTOR'), col('EMAIL')).trim()).toBe(row.actor);
      expect(line.slice(0, col('RUN')).trim()).toBe(row.at.replace('T', ' '));
    });
    const none = await env.cli(['audit', '--user', 'nobody@example.com']);
    expect(none.stdout).toMatch(/\(no audit entries match\)\n$/);
  });

  describe('30,000 rows through a pipe whose reader stalls', () => {
    const N = 30_000;
    beforeAll(async () => {
      // Values that CSV must quote and JSON must escape, and a long detail: well over 1 MB out.
      const at = new Date().toISOString();
      const entries: AuditEntry[] = range(1, N).map((i) => ({
        runId: 'rec-pipetest0', actor: 'cli:pipe', email: `p${i}@example.com`, op: 'update', at, result: i % 3 ? 'done' : 'failed',
        before: JSON.stringify({ role: 'Agent', note: `line one\nline "two", ${i}` }), after: JSON.stringify({ role: 'Supervisor', queues: ['Sales', 'Support'] }),
        error: i % 3 ? null : `Zoom said: "rate limited, try later"\r\nattempt ${i}`,
      }));
      await env.db.transaction((trx) => addAuditEntries(trx, entries));
    });

    /** bin/zcc-sync with stdout a pipe: after the first chunk the reader stops for 500 ms, so the pipe is full while most is still to come. */
    function piped(args: string[]): Promise<{ code: number | null; out: string; stderr: string }> {
      return new Promise((resolve, reject) => {
        const child = spawn(path.join(ROOT, 'bin', 'zcc-sync'), [...args, '--config', env.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        let stderr = '';
        let paused = false;
        child.stdout.on('data', (d: Buffer) => {
          chunks.push(d);
          if (!paused) {
            paused = true;
            child.stdout.pause();
            setTimeout(() => child.stdout.resume(), 500);
          }
        });
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, out: Buffer.concat(chunks).toString('utf8'), stderr }));
      });
    }

    test('json: one array, parsed whole', async () => {
      const r = await piped(['audit', '--actor', 'pipe', '--format', 'json']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.out.length).toBeGreaterThan(2 * 1024 * 1024);
      const rows = JSON.parse(r.out) as Array<{ id: number; email: string; before: { note: string }; after: unknown; error: string | null; runId: string; actor: string }>;
      expect(rows).toHaveLength(N);
      expect(rows[0]).toMatchObject({ email: 'p1@example.com', runId: 'rec-pipetest0', actor: 'cli:pipe', error: null, after: { role: 'Supervisor', queues: ['Sales', 'Support'] } });
      expect(rows[0].before.note).toBe('line one\nline "two", 1');
      expect(rows[N - 1]).toMatchObject({ email: `p${N}@example.com`, error: `Zoom said: "rate limited, try later"\r\nattempt ${N}` });
      expect(rows.every((row, i) => i === 0 || row.id > rows[i - 1].id)).toBe(true);
    });

    test('csv: a header and every row, RFC 4180 quoting intact', async () => {
      const r = await piped(['audit', '--actor', 'cli:pipe', '--format', 'csv']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const records = parseCsv(r.out) as string[][];
      expect(records[0]).toEqual(CSV_HEADER);
      expect(records).toHaveLength(N + 1);
      const want = await env.db('audit').where({ actor: 'cli:pipe' }).orderBy('id');
      expect(records.slice(1)).toEqual(asCsvRecords(want));
    });

    test('a reader that goes away (| head) ends it quietly', async () => {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(path.join(ROOT, 'bin', 'zcc-sync'), ['audit', '--actor', 'pipe', '--format', 'csv', '--config', env.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout.once('data', () => child.stdout.destroy());
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r).toEqual({ code: 0, stderr: '' });
    });
  });

  describe('bad input: exit 2 with the flag, the value and the fix', () => {
    it.each([
      [['--since', 'yesterday'], /--since: got "yesterday" — expected an ISO date or time such as 2026-12-01.*or an age such as 90m, 24h or 7d \(fix: e\.g\. --since 24h/],
      [['--until', '2026-02-30'], /--until: got "2026-02-30" \(no such date or time\)/],
      [['--since', '2026-12-02', '--until', '2026-12-01'], /--since 2026-12-02 is not before --until 2026-12-01/],
      [['--op', 'crate'], /--op: got "crate" — unknown op "crate"; expected one or more of create, update, queueAdd, queueRemove, deactivate, remove, approve, reject/],
      [['--format', 'xml'], /--format: got "xml" — expected table, json or csv/],
      [['--json', '--format', 'csv'], /--json and --format csv ask for two formats/],
      [['--user', 'not-an-email'], /--user: got "not-an-email" — expected an email address/],
      [['--actor', ' '], /--actor: got "" — expected a name/],
      [['--run', 'rec-'], /--run: got "rec-" — a prefix of several runs \(rec-\w+, rec-\w+(, rec-\w+)?(, …)?\) \(fix: give more of the id\)/],
      [['--run', 'nope-123'], /--run: got "nope-123" — no run has that id, unique id prefix or workflow id \(fix: pick one from `zcc-sync runs list`\)/],
    ])('%p', async (args, message) => {
      const r = await env.cli(['audit', ...args]);
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 2, stderr: expect.stringMatching(message), stdout: '' });
    });
  });
});
