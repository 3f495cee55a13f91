/**
 * The delta schedule (issue 14, acceptance): with `schedule.delta.every: 30s` and `schedule set`,
 * a user added to a mapped group in slapd holds their license in the emulator within 60 s, and a
 * user removed from it is deactivated within 60 s — with no full reconcile running. Also `schedule
 * show|pause|resume|trigger --delta|delete` on both schedules and `apply --delta`. Real slapd,
 * emulator, Temporal Schedules and worker; the compiled CLI.
 */
import { addGroupMember, addUser, removeGroupMember } from './support/ldap-admin';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import { until } from './support/worker-process';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';

const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;
const mail = (uid: string) => `${uid}@example.com`;
const members = ['e001', 'e002', 'e003', 'e004', 'e005'];
const directory: DirectorySpec = {
  users: members.map((uid) => ({ uid, displayName: `Delta ${uid}` })),
  groups: [{ cn: 'cc-agents', members }],
};
const seed: Seed = {
  accountUsers: [...members, 'newbie', 'newbie2'].map((uid) => ({ email: mail(uid), name: `Delta ${uid}` })),
  roles: [{ name: 'Agent' }],
  queues: [{ name: 'Support' }],
  licenses: { essentials: 100 },
};

let env: SyncEnv;
const ldapTarget = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });
const zccUser = async (email: string) => (await env.emu.state()).users.find((u) => u.email === email);
const runsOf = async (scope: string) => env.db('runs').where({ kind: 'reconcile', scope }).orderBy('created_at');
const json = async (args: string[]) => {
  const r = await env.cli([...args, '--json']);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  return { code: r.code, json: JSON.parse(r.stdout) };
};

beforeAll(async () => {
  env = await startSyncEnv({
    directory,
    seed,
    config: {
      mappings: [{ group: G('cc-agents'), role: 'Agent', package: 'essentials', queues: ['Support'] }],
      // One leaver of six managed users is 17%: above the default removal guard, which would hold the run.
      policy: { leaver: 'deactivate', removeAfterDays: 30, guards: { maxRemovals: 10, maxRemovalPercent: 50, maxShrinkPercent: 50 } },
      schedule: { every: '6h', delta: { every: '30s' } },
    },
  });
  // The first full reconcile: it stores the directory mirror and change marker the deltas start from.
  const r = await json(['apply', '--yes', '--as', 'jest']);
  expect(r.json.status).toBe('completed');
}, 180_000);

afterAll(async () => {
  await env?.cli(['schedule', 'delete']).catch(() => undefined);
  await env?.stop();
});

test('bad --delta-every: exit 2 before any schedule is created', async () => {
  const r = await env.cli(['schedule', 'set', '--delta-every', '0s']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--delta-every: got "0s" — expected a whole number with s, m, h or d');
  expect((await env.cli(['schedule', 'show'])).code).toBe(1);
  const t = await env.cli(['schedule', 'trigger', '--delta']);
  expect(t.code).toBe(1);
  expect(t.stderr).toContain('no delta schedule');
}, 60_000);

test('a joiner holds their license and a leaver is deactivated within 60 s each, with no full reconcile', async () => {
  const set = await json(['schedule', 'set']);
  expect(set.code).toBe(0);
  expect(set.json).toMatchObject({ scheduleId: `${env.taskQueue}-reconcile`, every: '6h', cron: null, delta: { scheduleId: `${env.taskQueue}-reconcile-delta`, every: '30s' } });
  const show = await json(['schedule', 'show']);
  expect(show.json).toMatchObject({ scheduleId: `${env.taskQueue}-reconcile`, paused: false, delta: { scheduleId: `${env.taskQueue}-reconcile-delta`, paused: false, every: [expect.stringMatching(/30/)] } });
  const text = (await env.cli(['schedule', 'show'])).stdout;
  expect(text).toContain(`Schedule ${env.taskQueue}-reconcile-delta (delta): active`);
  expect(text).toContain('every:     30s');

  const fullRuns = (await runsOf('full')).length;
  const joinedAt = Date.now();
  await addUser(ldapTarget(), { uid: 'newbie', displayName: 'Delta newbie' }, ['cc-agents']);
  await until('the joiner to hold their license', async () => {
    const u = await zccUser(mail('newbie'));
    return u?.access === 'active' && u.queues.includes('Support');
  }, 60_000, 250);
  expect(await zccUser(mail('newbie'))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
  const joinerLatency = Date.now() - joinedAt;
  expect(joinerLatency).toBeLessThanOrEqual(60_000);

  const leftAt = Date.now();
  await removeGroupMember(ldapTarget(), 'cc-agents', 'e002');
  await until('the leaver to be deactivated', async () => (await zccUser(mail('e002')))?.access === 'inactive', 60_000, 250);
  expect(await zccUser(mail('e002'))).toMatchObject({ access: 'inactive', queues: [] });
  expect(Date.now() - leftAt).toBeLessThanOrEqual(60_000);

  // No full reconcile ran: the changes came through delta runs started by the schedule.
  expect((await runsOf('full')).length).toBe(fullRuns);
  // ZCC shows the change before the run records its end (emails and audit come after the calls).
  await until('the delta runs to settle', async () => (await runsOf('delta')).every((r) => !['planning', 'applying'].includes(r.status)), 30_000, 250);
  const deltas = await runsOf('delta');
  expect(deltas.length).toBeGreaterThanOrEqual(2);
  expect(deltas.every((r) => r.trigger === 'schedule')).toBe(true);
  expect(deltas.map((r) => r.status)).toEqual(deltas.map(() => 'completed'));
  // Runs list shows the scope.
  const list = (await env.cli(['runs', 'list'])).stdout;
  expect(list).toMatch(/^RUN +KIND +SCOPE +STATUS/);
  expect(list).toMatch(new RegExp(`${deltas[0].id} +reconcile +delta +completed +schedule`));
  console.log(`delta schedule: joiner latency ${(joinerLatency / 1000).toFixed(1)} s`);
}, 150_000);

test('pause acts on both schedules; apply --delta runs one delta now: a run, idle, held (exit 3)', async () => {
  expect((await env.cli(['schedule', 'pause'])).code).toBe(0);
  const paused = await json(['schedule', 'show']);
  expect(paused.json).toMatchObject({ paused: true, delta: { paused: true } });
  // A delta the schedule started just before the pause may still be finishing.
  await until('no reconcile running', async () => (await env.db('runs').where({ kind: 'reconcile' }).whereIn('status', ['planning', 'applying']).first()) === undefined, 30_000, 250);

  const fullRuns = (await runsOf('full')).length;
  await addUser(ldapTarget(), { uid: 'newbie2', displayName: 'Delta newbie 2' }, ['cc-agents']);
  const run = await json(['apply', '--delta', '--as', 'jest']);
  expect(run.code).toBe(0);
  expect(run.json).toEqual({
    outcome: 'run', detail: '1 user(s) changed', runId: expect.stringMatching(/^dlt-/), status: 'completed',
    summary: expect.objectContaining({ create: 1, queueAdd: 1, deactivate: 0 }), failures: 0,
  });
  expect(await zccUser(mail('newbie2'))).toMatchObject({ role: 'Agent', access: 'active', queues: ['Support'] });
  const row = await env.db('runs').where({ id: run.json.runId }).first();
  expect(row).toMatchObject({ scope: 'delta', trigger: 'cli:jest', status: 'completed' });
  const shown = await json(['runs', 'show', run.json.runId]);
  expect(shown.json.scope).toBe('delta');

  const idle = await json(['apply', '--delta', '--as', 'jest']);
  expect(idle.code).toBe(0);
  expect(idle.json).toEqual({ outcome: 'idle', detail: expect.any(String), runId: null, status: null, summary: null, failures: null });
  const idleText = await env.cli(['apply', '--delta']);
  expect(idleText.code).toBe(0);
  expect(idleText.stdout).toMatch(/^Delta: idle — .*\.\n$/);
  expect((await runsOf('full')).length).toBe(fullRuns);

  // Held by a guard (4 leavers of 7 managed users): exit 3, as apply; rejected, nothing changed.
  for (const uid of ['e003', 'e004', 'e005', 'newbie']) await removeGroupMember(ldapTarget(), 'cc-agents', uid);
  const held = await json(['apply', '--delta', '--as', 'jest']);
  expect(held.code).toBe(3);
  expect(held.json).toMatchObject({ outcome: 'run', detail: expect.stringMatching(/^held for approval: .*maxRemovalPercent/), runId: expect.stringMatching(/^dlt-/), status: 'held', summary: expect.objectContaining({ deactivate: 4 }) });
  expect((await env.cli(['runs', 'reject', held.json.runId, '--as', 'jest'])).code).toBe(0);
  await until('the held delta to end rejected', async () => (await env.db('runs').where({ id: held.json.runId }).first())?.status === 'rejected', 30_000, 250);
  expect(await zccUser(mail('e003'))).toMatchObject({ access: 'active', queues: ['Support'] });
  // Back as they were: the next delta finds nothing that differs from the last applied run.
  for (const uid of ['e003', 'e004', 'e005', 'newbie']) await addGroupMember(ldapTarget(), 'cc-agents', uid);
  expect((await json(['apply', '--delta', '--as', 'jest'])).json).toMatchObject({ outcome: 'idle', runId: null });

  expect((await env.cli(['schedule', 'resume'])).code).toBe(0);
  expect((await json(['schedule', 'show'])).json).toMatchObject({ paused: false, delta: { paused: false } });
  const trig = await json(['schedule', 'trigger', '--delta']);
  expect(trig.json).toEqual({ scheduleId: `${env.taskQueue}-reconcile-delta`, triggered: true });
}, 120_000);

test('--delta-every overrides the config, which applies again without it; delete removes both', async () => {
  const set = await json(['schedule', 'set', '--every', '6h', '--delta-every', '45s']);
  expect(set.json.delta).toMatchObject({ every: '45s', created: false });
  // Flags given without --delta-every: the config's schedule.delta.every still applies.
  const again = await json(['schedule', 'set', '--every', '6h']);
  expect(again.json.delta).toMatchObject({ every: '30s' });
  const del = await json(['schedule', 'delete']);
  expect(del.json).toEqual({ scheduleId: `${env.taskQueue}-reconcile`, deleted: true, deltaScheduleId: `${env.taskQueue}-reconcile-delta` });
  expect((await env.cli(['schedule', 'show'])).code).toBe(1);
  expect((await env.cli(['schedule', 'trigger', '--delta'])).code).toBe(1);
}, 60_000);
