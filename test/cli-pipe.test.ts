/**
 * Output through a pipe arrives whole (issue 11). The CLI used to call process.exit() as soon as
 * a command resolved, while stdout (a pipe) still held queued data: `plan --json | …` of a
 * 2,000-user plan delivered 196,608 of ~900,000 bytes, with exit code 0.
 *
 * Each case runs the real CLI (bin/zcc-sync) as a child process whose stdout is a pipe this test
 * reads, prints well over 1 MB, and is checked whole: parsed, counted, first and last entries.
 * The reader pauses after the first chunk, so the pipe is full while the CLI still has most of
 * its output queued: the moment an early exit loses it. One environment serves every case: a
 * slapd directory, the ZCC emulator, the test Temporal server and a worker in this process.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { ensureBuilt, ROOT } from './support/cli';
import { startSyncEnv, type SyncEnv } from './support/sync-env';

jest.setTimeout(300_000);

const MB = 1024 * 1024;
const pad = (i: number) => String(i).padStart(5, '0');
const range = (n: number) => Array.from({ length: n }, (_, k) => k + 1);

/** Directory users with a mail address, in the one agents group: each a create and its queue adds. */
const PROVISIONED = 1500;
/** Directory users without mail, in every mapped group: one long warning each (plan, runs show). */
const NO_MAIL = 3000;
/** ZCC users made by hand (not managed, left alone by the plan): what `users list` prints. */
const HAND_MADE = 4000;

const DOMAIN = 'pipe.example';
const uid = (i: number) => `p${pad(i)}`;
const mail = (i: number) => `${uid(i)}@${DOMAIN}`;
const handMade = (i: number) => `h${pad(i)}@${DOMAIN}`;
// Long group names make long warnings ("member of "cn=…", "cn=…", "cn=…" has no mail value").
const GROUPS = ['agents', 'supervisors', 'sales'].map((g) => `contact-center-${g}-synchronised-to-zoom-contact-center-by-zcc-sync`);
const groupDn = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;
const QUEUES = ['Customer Support Tier One (EMEA)', 'Customer Support Tier Two (EMEA)', 'Billing and Invoicing Questions'];
/** The plan and `users list` show a user's queues sorted. */
const sorted = (names: string[]) => [...names].sort();

const directory: DirectorySpec = {
  users: [
    ...range(PROVISIONED).map((i) => ({ uid: uid(i), mail: mail(i), displayName: `Provisioned User ${pad(i)}` })),
    ...range(NO_MAIL).map((i) => ({ uid: `n${pad(i)}`, mail: null, displayName: `No Mail ${pad(i)}` })),
  ],
  groups: [
    { cn: GROUPS[0], members: [...range(PROVISIONED).map(uid), ...range(NO_MAIL).map((i) => `n${pad(i)}`)] },
    { cn: GROUPS[1], members: range(NO_MAIL).map((i) => `n${pad(i)}`) },
    { cn: GROUPS[2], members: range(NO_MAIL).map((i) => `n${pad(i)}`) },
  ],
};

const seed: Seed = {
  accountUsers: range(PROVISIONED).map((i) => ({ email: mail(i), name: `Provisioned User ${pad(i)}` })),
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }, { name: 'Admin' }],
  queues: QUEUES.map((name) => ({ name })),
  ccUsers: range(HAND_MADE).map((i) => ({ email: handMade(i), name: `Hand Made ${pad(i)}`, role: 'Admin', package: 'elite', queues: QUEUES.slice(0, 2) })),
};

const mappings = [
  { group: groupDn(GROUPS[0]), role: 'Agent', package: 'premium', queues: QUEUES, settings: { country_iso_code: 'US' }, priority: 10 },
  { group: groupDn(GROUPS[1]), role: 'Supervisor', package: 'premium', queues: QUEUES.slice(0, 1), priority: 20 },
  { group: groupDn(GROUPS[2]), role: 'Agent', package: 'essentials', queues: QUEUES.slice(2), priority: 15 },
];

interface Piped {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs bin/zcc-sync with stdout a pipe. After the first chunk the reader stops for a while, so the
 * pipe fills up and the CLI holds the rest of its output: exiting then would lose it.
 */
function runPiped(args: string[], opts: { closeAfterFirstChunk?: boolean } = {}): Promise<Piped> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin', 'zcc-sync'), [...args, '--config', env.configFile], {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    let first = true;
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!first) return;
      first = false;
      if (opts.closeAfterFirstChunk) {
        child.stdout.destroy(); // the reader goes away, like `| head -1`
        return;
      }
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 300);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(chunks), stderr });
    });
  });
}

function parse<T>(r: Piped): T {
  try {
    return JSON.parse(r.stdout.toString('utf8')) as T;
  } catch (err) {
    throw new Error(`stdout is not whole JSON (${r.stdout.length} bytes, exit ${r.code}): ${(err as Error).message}\nend: ${r.stdout.subarray(-200).toString()}\nstderr: ${r.stderr}`);
  }
}

interface PlanDoc {
  runId: string;
  summary: Record<string, number>;
  ops: Array<{ email: string; kind: string; before: unknown; after: Record<string, unknown> | null }>;
  warnings: string[];
}

let env: SyncEnv;

beforeAll(async () => {
  await ensureBuilt();
  env = await startSyncEnv({ directory, seed, config: { mappings } });
}, 240_000);

afterAll(async () => {
  await env?.stop();
});

const firstNoMailWarning = `member of "${groupDn(GROUPS[0])}", "${groupDn(GROUPS[1])}", "${groupDn(GROUPS[2])}" has no mail value; not provisioned (uid=n00001,ou=people,dc=example,dc=com)`;
const lastNoMailWarning = firstNoMailWarning.replace('n00001', `n${pad(NO_MAIL)}`);

test('plan --json: every op and warning of a plan of over 1 MB', async () => {
  const r = await runPiped(['plan', '--json']);
  expect(r.stdout.length).toBeGreaterThan(MB);
  const plan = parse<PlanDoc>(r);
  expect(r.code).toBe(0);
  expect(plan.summary).toMatchObject({ create: PROVISIONED, queueAdd: PROVISIONED * QUEUES.length, update: 0, queueRemove: 0, deactivate: 0, remove: 0 });
  expect(plan.ops).toHaveLength(PROVISIONED * (1 + QUEUES.length));
  expect(plan.ops.filter((o) => o.kind === 'create')).toHaveLength(PROVISIONED);
  expect(new Set(plan.ops.map((o) => o.email)).size).toBe(PROVISIONED);
  const creates = plan.ops.filter((o) => o.kind === 'create').map((o) => o.email);
  expect([creates[0], creates[creates.length - 1]].sort()).toEqual([mail(1), mail(PROVISIONED)]);
  expect(plan.ops.find((o) => o.email === mail(1) && o.kind === 'create')?.after).toMatchObject({ role: 'Agent', package: 'premium', queues: sorted(QUEUES) });
  expect(plan.warnings).toHaveLength(NO_MAIL);
  expect(plan.warnings).toContain(firstNoMailWarning);
  expect(plan.warnings).toContain(lastNoMailWarning);
});

test('plan (text): every line, down to the totals, of over 1 MB', async () => {
  const r = await runPiped(['plan']);
  expect(r.code).toBe(0);
  expect(r.stdout.length).toBeGreaterThan(MB);
  const lines = r.stdout.toString('utf8').trimEnd().split('\n');
  const creates = lines.filter((l) => l.startsWith('  + create '));
  expect(creates).toHaveLength(PROVISIONED); // a created user's queue adds are on its create line
  expect(creates[0]).toBe(`  + create ${mail(1)} (role Agent, package premium, queues ${sorted(QUEUES).join(', ')}, settings country_iso_code=US)`);
  expect(creates[creates.length - 1]).toContain(`+ create ${mail(PROVISIONED)} (`);
  const warnings = lines.filter((l) => l.startsWith('  ! '));
  expect(warnings).toHaveLength(NO_MAIL);
  expect(warnings).toContain(`  ! ${firstNoMailWarning}`);
  expect(warnings).toContain(`  ! ${lastNoMailWarning}`);
  expect(lines[lines.length - 1]).toBe(`Plan: ${PROVISIONED} to create, 0 to update, ${PROVISIONED * QUEUES.length} queue adds, 0 queue removes, 0 to deactivate, 0 to remove; 0 unchanged.`);
});

test('users list --json: every ZCC user, over 1 MB', async () => {
  const r = await runPiped(['users', 'list', '--json']);
  expect(r.stdout.length).toBeGreaterThan(MB);
  const users = parse<Array<{ email: string; role: string; package: string; queues: string[] }>>(r);
  expect(r.code).toBe(0);
  expect(users).toHaveLength(HAND_MADE);
  expect(users[0]).toMatchObject({ email: handMade(1), role: 'Admin', package: 'elite', queues: sorted(QUEUES.slice(0, 2)) });
  expect(users[users.length - 1]).toMatchObject({ email: handMade(HAND_MADE), role: 'Admin', queues: sorted(QUEUES.slice(0, 2)) });
});

test('runs show --json: a run with every warning, over 1 MB', async () => {
  // The newest run: the text plan's (the same warnings as every plan of this directory).
  const [latest] = parse<Array<{ runId: string }>>(await runPiped(['runs', 'list', '--json', '--limit', '1']));
  const r = await runPiped(['runs', 'show', latest.runId, '--json']);
  expect(r.stdout.length).toBeGreaterThan(MB);
  const run = parse<{ runId: string; status: string; failures: unknown[]; warnings: string[] }>(r);
  expect(r.code).toBe(0);
  expect(run.runId).toBe(latest.runId);
  expect(run.status).toBe('planned');
  expect(run.failures).toEqual([]);
  expect(run.warnings).toHaveLength(NO_MAIL);
  expect(run.warnings).toContain(firstNoMailWarning);
  expect(run.warnings).toContain(lastNoMailWarning);
});

test('a reader that goes away (`| head -1`) ends the CLI quietly, not with an EPIPE stack trace', async () => {
  const r = await runPiped(['users', 'list', '--json'], { closeAfterFirstChunk: true });
  expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
  expect(r.code).toBe(0);
});
