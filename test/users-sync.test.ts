/**
 * `zcc-sync users sync EMAIL...` (issue 14, item 1 and its acceptance): after an initial full
 * apply, a joiner, a mover, a leaver and a disabled account are each synced on demand and end in
 * the right ZCC state, with the step-by-step trace (groups, winning mapping, desired against ZCC
 * before, each op and its outcome) in text and in --json; a bad email exits 2 and starts nothing.
 * Real slapd (ppolicy for the disabled account), emulator, Temporal and worker; the compiled CLI.
 */
import { addGroupMember, addUser, modifyUser, removeGroupMember } from './support/ldap-admin';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';

const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;
const DN = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;
const mail = (uid: string) => `${uid}@example.com`;
/** ppolicy's "locked until an administrator unlocks it". */
const LOCKED = '000001010000Z';

const agents = ['a001', 'a002', 'a003', 'mover', 'leaver', 'locked'];
const directory: DirectorySpec = {
  users: [...agents, 'sup1', 'both'].map((uid) => ({ uid, displayName: `Sync ${uid}` })),
  groups: [
    { cn: 'cc-agents', members: [...agents, 'both'] },
    { cn: 'cc-supervisors', members: ['sup1', 'both'] },
  ],
};
const everyone = [...agents, 'sup1', 'both', 'joiner', 'joiner2'];
const seed: Seed = {
  accountUsers: everyone.map((uid) => ({ email: mail(uid), name: `Sync ${uid}` })),
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }],
  queues: [{ name: 'Support' }, { name: 'Escalations' }],
  licenses: { essentials: 100, premium: 100 },
};

let env: SyncEnv;
const ldapTarget = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });
const zccUser = async (email: string) => (await env.emu.state()).users.find((u) => u.email === email);
const syncRuns = async () => env.db('runs').where({ scope: 'sync' }).orderBy('created_at');

interface TraceJson {
  runId: string;
  status: string;
  durationMs: number;
  detail: string;
  notFound: string[];
  users: Array<{
    email: string;
    directory: { dn: string; disabled: boolean; groups: string[] } | null;
    mapping: { index: number; group: string; role: string; package: string; priority: number; why: string; matched: Array<{ index: number; wins: boolean }> } | null;
    desired: { roleName: string; packageName: string; queues: string[] } | null;
    before: { roleName: string; packageName: string; access: string; queues: string[] } | null;
    ops: Array<{ kind: string; status: string; error: string | null }>;
    result: string;
  }>;
}

async function syncJson(...emails: string[]): Promise<TraceJson> {
  const r = await env.cli(['users', 'sync', ...emails, '--json', '--as', 'jest']);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`users sync printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  env = await startSyncEnv({
    directory,
    seed,
    config: {
      mappings: [
        { group: G('cc-agents'), role: 'Agent', package: 'essentials', queues: ['Support'] },
        { group: G('cc-supervisors'), role: 'Supervisor', package: 'premium', queues: ['Escalations'], priority: 10 },
      ],
      policy: { leaver: 'deactivate', removeAfterDays: 30, guards: { maxRemovals: 10, maxRemovalPercent: 50, maxShrinkPercent: 50 } },
    },
  });
  const r = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
  expect(JSON.parse(r.stdout).status).toBe('completed');
  expect(await zccUser(mail('mover'))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

test('a bad email: exit 2 naming the value and the fix, nothing started', async () => {
  const before = (await syncRuns()).length;
  const scopes = (await env.db('run_scope').count({ n: '*' }))[0].n;
  const r = await env.cli(['users', 'sync', mail('a001'), 'not-an-email', '--json']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('EMAIL: got "not-an-email" — expected an email address');
  expect(r.stderr).toContain('fix:');
  expect(r.stdout).toBe('');
  expect((await syncRuns()).length).toBe(before);
  expect((await env.db('run_scope').count({ n: '*' }))[0].n).toBe(scopes);
}, 60_000);

test('a joiner added to a mapped group gets their license, and the trace says how', async () => {
  await addUser(ldapTarget(), { uid: 'joiner', displayName: 'Sync joiner' }, ['cc-agents']);
  const r = await env.cli(['users', 'sync', mail('joiner'), '--as', 'jest']);
  expect(r.code).toBe(0);
  expect(await zccUser(mail('joiner'))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
  const text = r.stdout;
  expect(text).toMatch(/^Run syn-[0-9a-f]{16} \(users sync\) completed in \d+\.\d s: 1 user\(s\) synced\./);
  expect(text).toContain(`1. directory  ${DN('joiner')} — enabled`);
  expect(text).toContain(`mapped groups: ${G('cc-agents')}`);
  expect(text).toContain(`2. mapping    mappings[0] ${G('cc-agents')} (priority 0) wins: the only mapping whose group they are in`);
  expect(text).toContain('→ role Agent, package essentials, queues Support');
  expect(text).toContain('ZCC before: not a ZCC user');
  expect(text).toMatch(/role +Agent +-/);
  expect(text).toContain(`4. ops        + create ${mail('joiner')} (role Agent, package essentials, queues Support)  → done`);
  expect(text).toContain(`+ queue ${mail('joiner')} → Support  → done`);
  expect(text).toContain('⇒ license created: role Agent, package essentials, queues Support');
  const run = (await syncRuns()).at(-1);
  expect(run).toMatchObject({ kind: 'reconcile', scope: 'sync', status: 'completed', trigger: 'cli:jest' });
  // The run is listed with its scope, and audited as any change.
  const list = JSON.parse((await env.cli(['runs', 'list', '--json'])).stdout) as Array<{ runId: string; scope: string | null }>;
  expect(list.find((x) => x.runId === run.id)?.scope).toBe('sync');
  expect((await env.db('audit').where({ email: mail('joiner') })).map((a) => [a.op, a.result, a.actor])).toEqual([['create', 'done', 'cli:jest'], ['queueAdd', 'done', 'cli:jest']]);
}, 90_000);

test('a mover to a group with another role and queues (--json): updated, queues swapped', async () => {
  await removeGroupMember(ldapTarget(), 'cc-agents', 'mover');
  await addGroupMember(ldapTarget(), 'cc-supervisors', 'mover');
  const t = await syncJson(mail('mover'));
  expect(t).toMatchObject({ runId: expect.stringMatching(/^syn-[0-9a-f]{16}$/), status: 'completed', notFound: [] });
  expect(t.durationMs).toBeGreaterThan(0);
  expect(t.users).toHaveLength(1);
  const u = t.users[0];
  expect(u.email).toBe(mail('mover'));
  expect(u.directory).toMatchObject({ dn: DN('mover'), disabled: false, groups: [G('cc-supervisors')] });
  expect(u.mapping).toMatchObject({ index: 1, group: G('cc-supervisors'), role: 'Supervisor', package: 'premium', priority: 10, why: 'the only mapping whose group they are in' });
  expect(u.desired).toMatchObject({ roleName: 'Supervisor', packageName: 'premium', queues: ['Escalations'] });
  expect(u.before).toMatchObject({ roleName: 'Agent', packageName: 'essentials', access: 'active', queues: ['Support'] });
  expect(u.ops.map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['queueAdd:done', 'queueRemove:done', 'update:done']);
  expect(u.result).toBe('updated to the desired state: role Supervisor, package premium, queues Escalations');
  expect(await zccUser(mail('mover'))).toMatchObject({ role: 'Supervisor', package: 'premium', access: 'active', queues: ['Escalations'] });
}, 90_000);

test('a leaver and a disabled account in one sync: both deactivated, the trace says why', async () => {
  await removeGroupMember(ldapTarget(), 'cc-agents', 'leaver');
  await modifyUser(ldapTarget(), 'locked', { pwdAccountLockedTime: LOCKED });
  const r = await env.cli(['users', 'sync', mail('leaver'), mail('locked'), '--as', 'jest']);
  expect(r.code).toBe(0);
  for (const who of ['leaver', 'locked']) expect(await zccUser(mail(who))).toMatchObject({ role: 'Agent', access: 'inactive', queues: [] });
  const text = r.stdout;
  const [leaver, locked] = text.split(`\n${mail('locked')}\n`);
  expect(leaver).toContain(`\n${mail('leaver')}\n  1. directory  not found in any mapped group`);
  expect(leaver).toContain('2. mapping    none (in no mapped group)');
  expect(leaver).toMatch(/queues +- +Support/);
  expect(leaver).toContain(`- deactivate ${mail('leaver')}  → done`);
  expect(leaver).toContain(`- queue ${mail('leaver')} ✕ Support  → done`);
  expect(leaver).toMatch(/⇒ a leaver \(in no mapped group\): deactivated \(access inactive, removed from the mapped queues\); the license is removed on \d{4}-\d\d-\d\d \(policy.removeAfterDays 30\)/);
  expect(locked).toContain(`1. directory  ${DN('locked')} — DISABLED in the directory`);
  expect(locked).toContain(`mapped groups: ${G('cc-agents')}`);
  expect(locked).toContain(`2. mapping    mappings[0] ${G('cc-agents')} (priority 0) wins`);
  expect(locked).toContain('(desired: none — disabled in the directory)');
  expect(locked).toContain(`- deactivate ${mail('locked')} [disabled in the directory]  → done`);
  expect(locked).toContain('⇒ a leaver (disabled in the directory): deactivated');
  expect(text).toContain(`Not in any mapped group: ${mail('leaver')}`);
}, 90_000);

test('--json carries the same: a second joiner, an in-step user in two groups, the leaver again', async () => {
  await addUser(ldapTarget(), { uid: 'joiner2', displayName: 'Sync joiner 2' }, ['cc-supervisors']);
  const t = await syncJson(mail('joiner2'), mail('both'), mail('leaver'));
  expect(t.users.map((u) => u.email)).toEqual([mail('joiner2'), mail('both'), mail('leaver')]);
  const [joiner, both, leaver] = t.users;
  expect(joiner).toMatchObject({
    directory: { dn: DN('joiner2'), disabled: false, groups: [G('cc-supervisors')] },
    mapping: { index: 1, role: 'Supervisor' },
    desired: { roleName: 'Supervisor', packageName: 'premium', queues: ['Escalations'] },
    before: null,
    result: 'license created: role Supervisor, package premium, queues Escalations',
  });
  expect(joiner.ops.map((o) => `${o.kind}:${o.status}`)).toEqual(['create:done', 'queueAdd:done']);
  expect(await zccUser(mail('joiner2'))).toMatchObject({ role: 'Supervisor', package: 'premium', access: 'active', queues: ['Escalations'] });
  // In both groups: the supervisors' mapping wins on priority, the queues are the union.
  expect(both.mapping).toMatchObject({ index: 1, why: "highest priority (10 over mappings[0]'s 0); queues are the union of all 2" });
  expect(both.mapping!.matched.map((m) => [m.index, m.wins])).toEqual([[0, false], [1, true]]);
  expect(both.desired).toMatchObject({ roleName: 'Supervisor', queues: ['Escalations', 'Support'] });
  expect(both.before).toMatchObject({ roleName: 'Supervisor', packageName: 'premium', access: 'active', queues: ['Escalations', 'Support'] });
  expect(both.ops).toEqual([]);
  expect(both.result).toBe('ZCC already matches the desired state: nothing to do');
  // Already deactivated by the last sync: nothing more, and when the license goes.
  expect(leaver).toMatchObject({ directory: null, mapping: null, desired: null, before: { access: 'inactive', queues: [] }, ops: [] });
  expect(leaver.result).toMatch(/^a leaver \(in no mapped group\), deactivated on \d{4}-\d\d-\d\d: the license is removed on /);
  expect(t.notFound).toEqual([mail('leaver')]);
}, 90_000);

test('held by a guard: exit 3, the trace shows the changes waiting; rejected, nothing changed', async () => {
  const names = ['a001', 'a002', 'a003', 'sup1', 'both', 'joiner'];
  for (const uid of names.filter((u) => u !== 'sup1' && u !== 'both')) await removeGroupMember(ldapTarget(), 'cc-agents', uid);
  for (const uid of ['sup1', 'both']) await removeGroupMember(ldapTarget(), 'cc-supervisors', uid);
  await removeGroupMember(ldapTarget(), 'cc-agents', 'both');
  const r = await env.cli(['users', 'sync', ...names.map(mail), '--json', '--as', 'jest']);
  expect(r.code).toBe(3);
  const t = JSON.parse(r.stdout) as TraceJson & { heldReasons: string[] };
  expect(t.status).toBe('held');
  expect(t.heldReasons.join('\n')).toMatch(/policy\.guards\.max/);
  expect(t.users).toHaveLength(6);
  for (const u of t.users) {
    expect(u.ops.length).toBeGreaterThan(0);
    expect(u.ops.every((o) => o.status === 'pending')).toBe(true);
    expect(u.result).toMatch(/change\(s\) wait for the held run's approval$/);
  }
  expect((await env.cli(['runs', 'reject', t.runId, '--as', 'jest'])).code).toBe(0);
  for (const uid of names) expect((await zccUser(mail(uid)))?.access).toBe('active');
}, 90_000);
