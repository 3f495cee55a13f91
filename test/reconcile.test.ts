/**
 * Reconcile end to end (issue 4, acceptance 1–5 and 8): a real slapd directory, the ZCC
 * emulator, the real Temporal dev server and a worker running the real activities; runs are
 * started through the compiled CLI, as an admin would.
 */
import { addGroupMember, removeGroupMember } from './support/ldap-admin';
import { mailsOfRun, startSyncEnv, totalWrites, writeCalls, type SyncEnv } from './support/sync-env';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';

const uid = (i: number) => `u${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;

// 250 users in 3 mapped groups, plus one directory user who is not a Zoom user and one excluded.
const directory: DirectorySpec = {
  users: [
    ...range(1, 250).map((i) => ({ uid: uid(i), displayName: `User ${i}` })),
    { uid: 'ghost', mail: 'ghost@example.com', displayName: 'Not In Zoom' },
    { uid: 'vip-ceo', mail: 'vip-ceo@example.com', displayName: 'Excluded VIP' },
  ],
  groups: [
    { cn: 'cc-agents', members: [...range(1, 150).map(uid), 'vip-ceo'] },
    { cn: 'cc-supervisors', members: range(151, 220).map(uid) },
    { cn: 'cc-sales', members: range(221, 250).map(uid) },
  ],
};

const seed: Seed = {
  accountUsers: [
    ...range(1, 250).map((i) => ({ email: mail(i), name: `User ${i}` })),
    { email: 'vip-ceo@example.com', name: 'Excluded VIP' },
    { email: 'admin.hand@example.com', name: 'Hand Made' },
  ],
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }, { name: 'Admin' }],
  queues: [{ name: 'Support' }, { name: 'Sales' }, { name: 'Escalations' }],
  licenses: { essentials: 1000, premium: 1000 },
  ccUsers: [{ email: 'admin.hand@example.com', role: 'Admin', package: 'elite', access: 'active', queues: ['Support'] }],
};

const mappings = [
  { group: G('cc-agents'), role: 'Agent', package: 'essentials', queues: ['Support'], settings: { country_iso_code: 'US' }, priority: 10 },
  { group: G('cc-supervisors'), role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], settings: { channel_settings: { multi_channel_engagements: { enable: true } } }, priority: 20 },
  { group: G('cc-sales'), role: 'Agent', package: 'premium', queues: ['Sales'], priority: 15 },
];

let env: SyncEnv;
let users: Awaited<ReturnType<SyncEnv['emu']['state']>>['users'] = [];
/** Reads the emulator's state once; userOf() then looks users up in it. */
const refresh = async () => {
  // Queue order in the emulator is assignment order; compare as sets.
  users = (await env.emu.state()).users.map((u) => ({ ...u, queues: [...u.queues].sort() }));
};
const userOf = (email: string) => users.find((u) => u.email === email);
const ldapTarget = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });

async function apply(): Promise<{ code: number | null; json: { runId: string; status: string; summary: Record<string, number>; failures: Array<{ email: string; outcome: string }> } }> {
  const r = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`apply printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  return { code: r.code, json: JSON.parse(r.stdout) };
}

beforeAll(async () => {
  env = await startSyncEnv({
    directory,
    seed,
    config: { mappings, policy: { leaver: 'deactivate', removeAfterDays: 30, exclude: ['vip-*@example.com'], guards: { maxRemovals: 10, maxRemovalPercent: 50, maxShrinkPercent: 50 } } },
  });
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

test('plan previews the initial run and changes nothing', async () => {
  const r = await env.cli(['plan', '--json']);
  expect(r.code).toBe(0);
  const plan = JSON.parse(r.stdout);
  expect(Object.keys(plan)).toEqual(['runId', 'summary', 'ops', 'warnings']);
  expect(plan.summary).toMatchObject({ create: 250, update: 0, deactivate: 0, remove: 0 });
  expect(plan.ops.find((o: { email: string; kind: string }) => o.email === mail(1) && o.kind === 'create').after).toMatchObject({ role: 'Agent', package: 'essentials', queues: ['Support'] });
  expect(plan.ops.some((o: { email: string }) => o.email === 'vip-ceo@example.com')).toBe(false);
  expect(totalWrites(env.emu)).toBe(0);
  const text = await env.cli(['plan']);
  expect(text.stdout).toContain(`+ create ${mail(1)}`);
  expect(text.stdout).toMatch(/Plan: 250 to create/);
});

test('initial run: 250 users created with role, package, queues and settings in 3 chunks and 13 batch calls', async () => {
  const { code, json } = await apply();
  expect(json.status).toBe('completed');
  expect(code).toBe(0);
  await refresh();
  for (const i of range(1, 150)) expect(userOf(mail(i))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
  for (const i of range(151, 220)) expect(userOf(mail(i))).toMatchObject({ role: 'Supervisor', package: 'premium', queues: ['Escalations', 'Support'] });
  for (const i of range(221, 250)) expect(userOf(mail(i))).toMatchObject({ role: 'Agent', package: 'premium', queues: ['Sales'] });
  expect(userOf(mail(1))?.settings).toMatchObject({ country_iso_code: 'US' });
  expect(userOf(mail(160))?.settings).toMatchObject({ channel_settings: { multi_channel_engagements: { enable: true } } });
  expect(users).toHaveLength(251); // 250 + the hand-made admin

  const calls = env.emu.stats().calls;
  expect(calls['POST /contact_center/users/batch']).toBe(13);
  expect(calls['POST /contact_center/users'] ?? 0).toBe(0);
  const createChunks = env.chunkCalls.filter((c) => c.kind === 'create' && c.runId === json.runId);
  expect(createChunks).toHaveLength(3);
  const perChunk = await env.db('ops').where({ run_id: json.runId, kind: 'create' }).groupBy('chunk').orderBy('chunk').select('chunk').count({ n: '*' });
  expect(perChunk.map((r) => Number(r.n))).toEqual([100, 100, 50]);
  // Queue membership: ceil(members/30) calls per queue.
  // Queue adds: chunks hold one queue's adds, 90 at a time, so the calls meet the lower bound
  // Σ ceil(members/30): Support ceil(220/30) = 8, Escalations ceil(70/30) = 3, Sales 1.
  expect(calls['POST /contact_center/queues/{queueId}/agents']).toBe(12);
  expect(json.failures).toEqual([]);

  // Every created user got exactly one "license assigned" email; the admins got the report.
  const mails = await mailsOfRun(json.runId);
  const assigned = mails.filter((m) => m.headers['x-zcc-sync-event'] === 'licenseAssigned');
  expect(assigned).toHaveLength(250);
  expect(new Set(assigned.map((m) => m.to[0])).size).toBe(250);
  expect(mails.filter((m) => m.to.includes('it-admin@example.com') && m.headers['x-zcc-sync-event'] === 'runReport')).toHaveLength(1);
  // Each user's email was queued by the chunk that settled them, before the run's end.
  const run = await env.db('runs').where({ id: json.runId }).first();
  const [{ last }] = await env.db('outbox').where({ workflow_id: json.runId, event: 'licenseAssigned' }).max({ last: 'created_at' });
  expect(String(last) < String(run.finished_at)).toBe(true);
});

test('an immediate second run makes zero write calls and sends no user email', async () => {
  const before = writeCalls(env.emu);
  const { json } = await apply();
  expect(json.status).toBe('completed');
  expect(json.summary).toMatchObject({ create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0 });
  expect(writeCalls(env.emu)).toEqual(before);
  const mails = await mailsOfRun(json.runId);
  expect(mails.filter((m) => m.headers['x-zcc-sync-event'] !== 'runReport')).toHaveLength(0);
});

test('a mover gets the new role and queues; a user in two groups gets the higher priority role and both queues', async () => {
  const t = ldapTarget();
  await removeGroupMember(t, 'cc-agents', uid(2));
  await addGroupMember(t, 'cc-supervisors', uid(2));
  await addGroupMember(t, 'cc-sales', uid(151)); // supervisor (prio 20) also in sales (prio 15)
  const { json } = await apply();
  expect(json.status).toBe('completed');
  await refresh();
  expect(userOf(mail(2))).toMatchObject({ role: 'Supervisor', package: 'premium', queues: ['Escalations', 'Support'] });
  expect(userOf(mail(151))).toMatchObject({ role: 'Supervisor', package: 'premium', queues: ['Escalations', 'Sales', 'Support'] });
  const mails = await mailsOfRun(json.runId);
  expect(mails.filter((m) => m.to[0] === mail(2))).toHaveLength(1);
  expect(mails.find((m) => m.to[0] === mail(2))?.text).toContain('Supervisor');
  // One email once all their ops settled: the role change (update) and the new queue (queueAdd).
  expect(mails.find((m) => m.to[0] === mail(2))?.text).toContain('Added to queues: Escalations');
});

test('a leaver is deactivated and leaves the queues, loses the license after the grace period; a re-joiner is reactivated', async () => {
  const t = ldapTarget();
  await removeGroupMember(t, 'cc-agents', uid(10));
  await removeGroupMember(t, 'cc-agents', uid(11));
  let { json } = await apply();
  expect(json.summary).toMatchObject({ deactivate: 2, queueRemove: 2, remove: 0 });
  await refresh();
  expect(userOf(mail(10))).toMatchObject({ access: 'inactive', queues: [] });
  expect(userOf(mail(11))).toMatchObject({ access: 'inactive', queues: [] });

  // u011 comes back before the grace period ends: reactivated, queues restored.
  await addGroupMember(t, 'cc-agents', uid(11));
  // u010's deactivation is 31 days old: the license goes.
  const old = new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString();
  await env.db('managed_users').where({ email: mail(10) }).update({ deactivated_at: old });
  ({ json } = await apply());
  expect(json.status).toBe('completed');
  expect(json.summary).toMatchObject({ remove: 1, update: 1, queueAdd: 1 });
  await refresh();
  expect(userOf(mail(10))).toBeUndefined();
  expect(userOf(mail(11))).toMatchObject({ access: 'active', queues: ['Support'] });
  expect(env.emu.stats().byUser[mail(10)]).toMatchObject({ create: 1, delete: 1 });
  const events = (await mailsOfRun(json.runId)).map((m) => `${m.to[0]} ${m.headers['x-zcc-sync-event']}`);
  expect(events).toEqual(expect.arrayContaining([`${mail(10)} licenseRemoved`, `${mail(11)} userChanged`]));
});

test('a directory user who is not a Zoom user is reported per user, the rest complete, and the create is not retried every run', async () => {
  const t = ldapTarget();
  await addGroupMember(t, 'cc-agents', 'ghost');
  await addGroupMember(t, 'cc-sales', uid(5)); // a real change in the same run
  const { code, json } = await apply();
  expect(code).toBe(0);
  expect(json.status).toBe('completed');
  expect(json.failures).toEqual([expect.objectContaining({ email: 'ghost@example.com', outcome: 'not_zoom_user' })]);
  await refresh();
  expect(userOf(mail(5))).toMatchObject({ package: 'premium', queues: ['Sales', 'Support'] });
  expect(userOf('ghost@example.com')).toBeUndefined();
  // The next run plans no write for ghost, and says why.
  const before = writeCalls(env.emu);
  const plan = JSON.parse((await env.cli(['plan', '--json'])).stdout);
  expect(plan.summary.create).toBe(0);
  expect(plan.warnings.join('\n')).toContain('ghost@example.com');
  const again = await apply();
  expect(again.json.summary.create).toBe(0);
  expect(writeCalls(env.emu)).toEqual(before);
});

test('hand-made ZCC users and excluded users are never touched', async () => {
  await refresh();
  expect(userOf('admin.hand@example.com')).toMatchObject({ role: 'Admin', package: 'elite', access: 'active', queues: ['Support'] });
  expect(env.emu.stats().byUser['admin.hand@example.com'] ?? {}).toEqual({});
  expect(userOf('vip-ceo@example.com')).toBeUndefined();
  expect(env.emu.stats().byUser['vip-ceo@example.com'] ?? {}).toEqual({});
  const audited = await env.db('audit').whereIn('email', ['admin.hand@example.com', 'vip-ceo@example.com']);
  expect(audited).toHaveLength(0);
});

test('runs list and runs show report the runs; every change is audited', async () => {
  const list = await env.cli(['runs', 'list', '--json']);
  const runs = JSON.parse(list.stdout);
  expect(runs.filter((r: { kind: string; status: string }) => r.kind === 'reconcile' && r.status === 'completed').length).toBeGreaterThanOrEqual(4);
  const show = await env.cli(['runs', 'show', runs[runs.length - 1].runId]);
  expect(show.code).toBe(0);
  const audit = await env.db('audit').where({ email: mail(1) }).orderBy('id');
  expect(audit.map((a) => [a.op, a.result, a.actor])).toEqual([['create', 'done', 'cli:jest'], ['queueAdd', 'done', 'cli:jest']]);
});
