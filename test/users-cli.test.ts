/**
 * `zcc-sync users list|assign|edit|remove` end to end: the compiled CLI against the real Temporal
 * dev server, the ZCC emulator and the SMTP capture server, with a worker in this process running
 * the real activities.
 */
import { ensureBuilt, runCli, type CliResult } from './support/cli';
import type { Seed, StateUser } from '../emulator/types';
import { DOMAIN, diffCalls, emailOf, mailsOf, startUsersEnv, writeCalls, writeCsv, type UsersTestEnv } from './users-harness';

jest.setTimeout(600_000);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Licensed before the tests: u0401–u0460, varied roles, access and queues. */
const PRELICENSED = range(401, 460);
const seed: Seed = {
  accountUsers: range(1, 600).map((i) => ({ email: emailOf(i), name: `User ${String(i).padStart(4, '0')}` })),
  roles: [{ name: 'Admin' }, { name: 'Agent' }, { name: 'Supervisor' }],
  queues: [{ name: 'Sales' }, { name: 'Support' }, { name: 'Billing' }],
  ccUsers: PRELICENSED.map((i) => ({
    email: emailOf(i),
    role: i % 3 === 0 ? 'Supervisor' : 'Agent',
    access: i % 4 === 0 ? 'inactive' : 'active',
    queues: i % 2 === 0 ? ['Sales'] : ['Support', 'Billing'],
  })),
};

let env: UsersTestEnv;
const cli = (args: string[], timeoutMs = 300_000): Promise<CliResult> => runCli([...args, '--config', env.configFile], { timeoutMs });
const json = <T>(r: CliResult): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
};
interface JobJson {
  workflowId: string;
  status: string;
  results: Array<{ email: string; outcome: string; error?: string; note?: string }>;
}
const stateUsers = async () => new Map((await env.emu.state()).users.map((u) => [u.email, u] as const));
const outcomes = (j: JobJson) => j.results.reduce<Record<string, number>>((m, r) => ((m[r.outcome] = (m[r.outcome] ?? 0) + 1), m), {});

beforeAll(async () => {
  await ensureBuilt();
  env = await startUsersEnv(seed);
});
afterAll(async () => {
  await env?.stop();
});

describe('bad input: exit 2, a clear error, nothing changed', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['unknown role', () => ['users', 'assign', emailOf(1), '--role', 'Agnt', '--yes'], /unknown role "Agnt"; roles that exist: Admin, Agent, Supervisor/],
    ['unknown queue', () => ['users', 'assign', emailOf(1), '--role', 'Agent', '--queue', 'Marketing', '--yes'], /--queue: unknown queue "Marketing"; queues that exist: Billing, Sales, Support/],
    ['unknown package', () => ['users', 'assign', emailOf(1), '--role', 'Agent', '--package', 'gold', '--yes'], /--package: unknown package "gold"; packages: essentials, premium, elite/],
    ['malformed email', () => ['users', 'assign', 'not-an-email', '--role', 'Agent', '--yes'], /argument 1 \("not-an-email"\): "not-an-email" is not an email address/],
    ['malformed CSV', () => ['users', 'assign', '--file', writeCsv(env.dir, 'bad.csv', ['email,role', `${emailOf(1)},Agent`, `"${emailOf(2)},Agent`]), '--yes'], /bad\.csv: line 3, column 1: a quoted value is never closed/],
    ['CSV with too many fields', () => ['users', 'assign', '--file', writeCsv(env.dir, 'wide.csv', ['email,role', `${emailOf(1)},Agent,Sales`]), '--yes'], /wide\.csv: line 2, column 3: 3 fields where the header has 2/],
    ['malformed email in CSV', () => ['users', 'remove', '--file', writeCsv(env.dir, 'mail.csv', ['role,email', 'Agent,bob@', `Agent,${emailOf(1)}`]), '--yes'], /mail\.csv line 2, column 2 \(email\): "bob@" is not an email address/],
    ['duplicate rows', () => ['users', 'assign', '--file', writeCsv(env.dir, 'dup.csv', ['email,role', `${emailOf(1)},Agent`, `${emailOf(2)},Agent`, `${emailOf(1).toUpperCase()},Agent`]), '--yes'], /duplicate user u0001@users-cli\.example: \S*dup\.csv lines 2 and 4; list each user once/],
    ['empty selection', () => ['users', 'remove', '--yes'], /no users given: list their emails/],
    ['CSV without rows', () => ['users', 'remove', '--file', writeCsv(env.dir, 'empty.csv', ['email']), '--yes'], /empty\.csv: no users: the file has a header but no rows/],
    ['unknown --set field', () => ['users', 'assign', emailOf(1), '--role', 'Agent', '--set', 'colour=blue', '--yes'], /--set colour: unknown field; valid fields: country_iso_code, client_integration, .*channel_settings\.multi_channel_engagements\.max_agent_load/],
    ['bad --set value', () => ['users', 'assign', emailOf(1), '--role', 'Agent', '--set', 'country_iso_code=usa', '--yes'], /--set country_iso_code=usa: expected a two-letter ISO country code such as US/],
    ['--set value out of range', () => ['users', 'edit', emailOf(1), '--set', 'channel_settings.multi_channel_engagements.max_agent_load=500'], /max_agent_load=500: Too big: expected number to be <=100 \(allowed: a whole number from 1 to 100\)/],
    ['bad --status', () => ['users', 'edit', emailOf(1), '--status', 'paused'], /--status: got "paused" — expected active or inactive/],
    ['remove without --yes outside a terminal', () => ['users', 'remove', emailOf(401)], /pass --yes to confirm when not running in a terminal/],
    ['list with an unknown queue', () => ['users', 'list', '--queue', 'Nope'], /--queue: unknown queue "Nope"; queues that exist: Billing, Sales, Support/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const before = writeCalls(env.emu);
    const r = await cli(args());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
    expect(diffCalls(writeCalls(env.emu), before)).toEqual({});
  });

  it('changed nothing at all and started no job', async () => {
    expect(env.chunkCalls).toHaveLength(0);
    expect(await env.db('jobs').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect((await env.emu.state()).users).toHaveLength(PRELICENSED.length);
  });
});

describe('users assign --file with 250 users', () => {
  const assigned = range(1, 250).map(emailOf);
  let csv: string;
  let first: JobJson;

  it('assigns every license with role, package, queues and settings, in 3 chunks of create and 13 batch calls', async () => {
    csv = writeCsv(env.dir, 'assign.csv', ['email', ...assigned]);
    const before = env.emu.stats().calls['POST /contact_center/users/batch'] ?? 0;
    const queueCallsBefore = env.emu.stats().calls['POST /contact_center/queues/{queueId}/agents'] ?? 0;
    const r = await cli(['users', 'assign', '--file', csv, '--role', 'Agent', '--package', 'premium', '--queue', 'Sales', '--queue', 'support',
      '--set', 'country_iso_code=US', '--set', 'channel_settings.multi_channel_engagements.enable=true', '--yes', '--json', '--as', 'alice']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    first = json<JobJson>(r);
    expect(first.status).toBe('completed');
    expect(first.workflowId).toMatch(/^zcc-sync-assign-[0-9a-f-]{36}$/);
    expect(first.results.map((x) => x.email)).toEqual(assigned);
    expect(outcomes(first)).toEqual({ done: 250 });

    const chunks = env.chunkCalls.filter((c) => c.runId === first.workflowId);
    expect(chunks.filter((c) => c.kind === 'create').map((c) => c.chunk).sort()).toEqual([0, 1, 2]);
    // Queue adds are chunked per queue, 90 at a time (whole calls of 30): 2 queues × (90/90/70).
    expect(chunks.filter((c) => c.kind === 'queueAdd').map((c) => c.chunk).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect((env.emu.stats().calls['POST /contact_center/users/batch'] ?? 0) - before).toBe(13);
    // ceil(250/30) = 9 calls per queue: the lower bound.
    expect((env.emu.stats().calls['POST /contact_center/queues/{queueId}/agents'] ?? 0) - queueCallsBefore).toBe(18);

    const users = await stateUsers();
    for (const email of assigned) {
      const u = users.get(email) as StateUser;
      expect({ email, role: u.role, package: u.package, access: u.access, queues: [...u.queues].sort(), country: u.settings.country_iso_code, mce: u.settings.channel_settings.multi_channel_engagements })
        .toEqual({ email, role: 'Agent', package: 'premium', access: 'active', queues: ['Sales', 'Support'], country: 'US', mce: expect.objectContaining({ enable: true }) });
    }
    for (const email of assigned) expect(env.emu.stats().byUser[email]).toMatchObject({ create: 1, queueAdd: 2 });
  });

  it('sends each of the 250 users exactly one "license assigned" email, and the admins one report', async () => {
    const mails = await mailsOf(first.workflowId);
    const toUsers = mails.filter((m) => !m.to.includes(`admin@${DOMAIN}`));
    expect(toUsers.map((m) => m.to.join(',')).sort()).toEqual([...assigned].sort());
    expect(toUsers[0].headers['x-zcc-sync-event']).toBe('licenseAssigned');
    expect(toUsers[0].text).toMatch(/Agent/);
    expect(toUsers[0].text).toMatch(/Sales/);
    const reports = mails.filter((m) => m.to.includes(`admin@${DOMAIN}`));
    expect(reports).toHaveLength(1);
    expect(reports[0].subject).toMatch(/assign completed: 250 done, 0 already so, 0 failed/);
    expect(reports[0].text).toMatch(/alice/);
  });

  it('records the job: runs row, audit by the asking user, managed users', async () => {
    const run = await env.db('runs').where({ id: first.workflowId }).first();
    expect(run).toMatchObject({ kind: 'assign', trigger: 'cli:alice', status: 'completed' });
    const audit = await env.db('audit').where({ run_id: first.workflowId, op: 'create' });
    expect(audit).toHaveLength(250);
    expect(new Set(audit.map((a: { actor: string }) => a.actor))).toEqual(new Set(['cli:alice']));
    const managed = await env.db('managed_users').whereIn('email', assigned);
    expect(managed).toHaveLength(250);
    expect(managed.every((m: { provisioned_by: string; user_id: string | null }) => m.provisioned_by === first.workflowId && m.user_id)).toBe(true);
  });

  it('a second identical assign: all already so, no write call, no email to users', async () => {
    const before = writeCalls(env.emu);
    const r = await cli(['users', 'assign', '--file', csv, '--role', 'Agent', '--package', 'premium', '--queue', 'Sales', '--queue', 'Support',
      '--set', 'country_iso_code=US', '--set', 'channel_settings.multi_channel_engagements.enable=true', '--yes', '--json']);
    expect(r.code).toBe(0);
    const second = json<JobJson>(r);
    expect(outcomes(second)).toEqual({ already: 250 });
    expect(second.results.every((x) => x.note === undefined)).toBe(true);
    expect(diffCalls(writeCalls(env.emu), before)).toEqual({});
    expect(env.chunkCalls.filter((c) => c.runId === second.workflowId)).toHaveLength(0);
    const mails = await mailsOf(second.workflowId);
    expect(mails.filter((m) => !m.to.includes(`admin@${DOMAIN}`))).toEqual([]);
  });

  it('takes role, package and queues per CSV row, the flags for empty cells', async () => {
    const rows = writeCsv(env.dir, 'rows.csv', ['email,role,package,queues', `${emailOf(300)},supervisor,elite,Billing;sales`, `${emailOf(301)},,,`]);
    const r = await cli(['users', 'assign', '--file', rows, '--role', 'Agent', '--queue', 'Support', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(outcomes(json<JobJson>(r))).toEqual({ done: 2 });
    const users = await stateUsers();
    const brief = (u: StateUser) => ({ role: u.role, package: u.package, queues: [...u.queues].sort() });
    expect(brief(users.get(emailOf(300)) as StateUser)).toEqual({ role: 'Supervisor', package: 'elite', queues: ['Billing', 'Sales'] });
    expect(brief(users.get(emailOf(301)) as StateUser)).toEqual({ role: 'Agent', package: 'essentials', queues: ['Support'] });
  });

  it('says how an already-licensed user differs, and reports users who are not Zoom users', async () => {
    const r = await cli(['users', 'assign', emailOf(1), 'ghost@nowhere.example', '--role', 'Supervisor', '--yes', '--json']);
    expect(r.code).toBe(1);
    const j = json<JobJson>(r);
    expect(j.results).toEqual([
      { email: emailOf(1), outcome: 'already', note: expect.stringMatching(/differs from the request: role Agent \(asked Supervisor\); left unchanged/) },
      { email: 'ghost@nowhere.example', outcome: 'not_zoom_user', error: expect.any(String) },
    ]);
    const text = await cli(['users', 'assign', emailOf(2), '--role', 'Agent', '--yes']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/completed.*0 done, 1 already so, 0 not a Zoom user, 0 failed/);
    expect(text.stdout).toMatch(new RegExp(`${emailOf(2)}\\s+already so`));
  });
});

describe('users list', () => {
  type Listed = { email: string; name: string; userId: string; role: string; package: string; access: string; queues: string[] };
  const expected = async (f: { search?: string; status?: string; queue?: string; role?: string }) =>
    (await env.emu.state()).users
      .filter((u) => !f.search || u.email.toLowerCase().includes(f.search.toLowerCase()) || u.name.toLowerCase().includes(f.search.toLowerCase()))
      .filter((u) => !f.status || u.access === f.status)
      .filter((u) => !f.queue || u.queues.includes(f.queue))
      .filter((u) => !f.role || u.role === f.role)
      .map((u) => u.email)
      .sort();
  const run = async (args: string[]) => {
    const r = await cli(['users', 'list', ...args, '--json']);
    expect(r.code).toBe(0);
    return json<Listed[]>(r);
  };

  it.each([
    ['--search', { search: 'u040' }],
    ['--search by name', { search: 'User 045' }],
    ['--status', { status: 'inactive' }],
    ['--queue', { queue: 'Billing' }],
    ['--role', { role: 'Supervisor' }],
    ['--search --status', { search: 'u04', status: 'active' }],
    ['--queue --role', { queue: 'Sales', role: 'Agent' }],
    ['all four', { search: 'u04', status: 'active', queue: 'Sales', role: 'Agent' }],
  ])('%s returns exactly the matching users', async (_n, f) => {
    const args = Object.entries(f).flatMap(([k, v]) => [`--${k}`, v as string]);
    const listed = await run(args);
    const want = await expected(f);
    expect(want.length).toBeGreaterThan(0);
    expect(listed.map((u) => u.email)).toEqual(want);
  });

  it('shows each user with role, package, access and all their queues', async () => {
    const listed = await run(['--search', 'u040']);
    const users = await stateUsers();
    for (const l of listed) {
      const u = users.get(l.email) as StateUser;
      expect(l).toEqual({ email: u.email, name: u.name, userId: u.userId, role: u.role, package: u.package, access: u.access, queues: [...u.queues].sort() });
    }
    const all = await run([]);
    expect(all).toHaveLength((await env.emu.state()).users.length);
    const sales = all.filter((u) => u.queues.includes('Sales')).length;
    expect(sales).toBe((await expected({ queue: 'Sales' })).length);
    const table = await cli(['users', 'list', '--search', 'u0401']);
    expect(table.stdout).toMatch(/^EMAIL\s+NAME\s+ROLE\s+PACKAGE\s+ACCESS\s+QUEUES/);
    expect(table.stdout).toMatch(/u0401@users-cli\.example\s+User 0401\s+Agent\s+essentials\s+active\s+Billing, Support/);
  });
});

describe('users edit', () => {
  const editArgs = ['--role', 'Supervisor', '--package', 'elite', '--status', 'inactive', '--add-queue', 'Billing', '--remove-queue', 'Sales',
    '--set', 'country_iso_code=DE', '--set', 'channel_settings.multi_channel_engagements.max_agent_load=7'];
  const check = (u: StateUser) => ({ role: u.role, package: u.package, access: u.access, queues: [...u.queues].sort(), country: u.settings.country_iso_code, load: (u.settings.channel_settings.multi_channel_engagements as { max_agent_load?: number })?.max_agent_load });
  const want = { role: 'Supervisor', package: 'elite', access: 'inactive', queues: ['Billing', 'Support'], country: 'DE', load: 7 };

  it('changes role, package, access, queues and settings of one user', async () => {
    const target = emailOf(410); // seeded: Agent, essentials, active, queues [Sales]
    const r = await cli(['users', 'edit', target, ...editArgs, '--add-queue', 'Support', '--json']);
    expect(r.code).toBe(0);
    const j = json<JobJson>(r);
    expect(j.results).toEqual([{ email: target, outcome: 'done' }]);
    expect(check((await stateUsers()).get(target) as StateUser)).toEqual(want);
    const mails = (await mailsOf(j.workflowId)).filter((m) => m.to.includes(target));
    expect(mails).toHaveLength(1);
    expect(mails[0].headers['x-zcc-sync-event']).toBe('userChanged');
  });

  it('changes 150 users from a CSV; a user without a license fails with the reason', async () => {
    const targets = range(1, 150).map(emailOf);
    const csv = writeCsv(env.dir, 'edit.csv', ['email', ...targets, emailOf(599)]);
    const r = await cli(['users', 'edit', '--file', csv, ...editArgs, '--json']);
    expect(r.code).toBe(1);
    const j = json<JobJson>(r);
    expect(outcomes(j)).toEqual({ done: 150, failed: 1 });
    expect(j.results[150]).toEqual({ email: emailOf(599), outcome: 'failed', error: 'not a ZCC user; assign a license first (zcc-sync users assign)' });
    const users = await stateUsers();
    for (const t of targets) expect({ t, ...check(users.get(t) as StateUser) }).toEqual({ t, ...want, queues: ['Billing', 'Support'] });
    const mails = (await mailsOf(j.workflowId)).filter((m) => !m.to.includes(`admin@${DOMAIN}`));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([...targets].sort());
    // Edits do not make users managed; the assigned ones stay managed.
    expect(await env.db('managed_users').where({ email: emailOf(410) }).first()).toBeUndefined();
  });

  it('a second identical edit is already so, with no write call', async () => {
    const before = writeCalls(env.emu);
    const r = await cli(['users', 'edit', emailOf(410), ...editArgs, '--add-queue', 'Support', '--json']);
    expect(r.code).toBe(0);
    expect(json<JobJson>(r).results).toEqual([{ email: emailOf(410), outcome: 'already' }]);
    expect(diffCalls(writeCalls(env.emu), before)).toEqual({});
  });
});

describe('users remove', () => {
  it('removes one license', async () => {
    const target = emailOf(460);
    const r = await cli(['users', 'remove', target, '--yes', '--json']);
    expect(r.code).toBe(0);
    const j = json<JobJson>(r);
    expect(j.results).toEqual([{ email: target, outcome: 'done' }]);
    expect((await stateUsers()).has(target)).toBe(false);
    const mails = (await mailsOf(j.workflowId)).filter((m) => m.to.includes(target));
    expect(mails.map((m) => m.headers['x-zcc-sync-event'])).toEqual(['licenseRemoved']);
  });

  it('removes 150 licenses; users without one are already so', async () => {
    const targets = range(101, 250).map(emailOf);
    const missing = [emailOf(551), emailOf(552), 'ghost@nowhere.example'];
    const csv = writeCsv(env.dir, 'remove.csv', ['email,role,queues', ...targets.map((t) => `${t},Agent,Sales`), ...missing.map((m) => `${m},,`)]);
    const r = await cli(['users', 'remove', '--file', csv, '--yes', '--json']);
    expect(r.code).toBe(0);
    const j = json<JobJson>(r);
    expect(outcomes(j)).toEqual({ done: 150, already: 3 });
    for (const m of missing) expect(j.results.find((x) => x.email === m)).toEqual({ email: m, outcome: 'already', note: 'has no ZCC license' });
    const users = await stateUsers();
    for (const t of targets) expect(users.has(t)).toBe(false);
    expect(users.has(emailOf(100))).toBe(true);
    const chunks = env.chunkCalls.filter((c) => c.runId === j.workflowId);
    expect(chunks.map((c) => `${c.kind}:${c.chunk}`).sort()).toEqual(['remove:0', 'remove:1']);
    const removed = await env.db('managed_users').whereIn('email', targets).whereNotNull('removed_at');
    expect(removed).toHaveLength(150);
    const mails = (await mailsOf(j.workflowId)).filter((m) => !m.to.includes(`admin@${DOMAIN}`));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([...targets].sort());
  });

  it('--no-wait prints the workflow id; the job finishes on its own', async () => {
    const r = await cli(['users', 'remove', emailOf(459), '--yes', '--no-wait', '--json']);
    expect(r.code).toBe(0);
    const j = json<JobJson>(r);
    expect(j).toEqual({ workflowId: expect.stringMatching(/^zcc-sync-remove-/), status: 'started', results: [] });
    const handle = env.worker!.client.workflow.getHandle(j.workflowId);
    await expect(handle.result()).resolves.toMatchObject({ status: 'completed', counts: { done: 1, already: 0, not_zoom_user: 0, failed: 0 } });
  });
});
