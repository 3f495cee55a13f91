/**
 * Disabled accounts are leavers, on OpenLDAP (issue 12): an account locked by the ppolicy overlay
 * (`pwdAccountLockedTime`), group memberships unchanged, is never provisioned when it was locked
 * from the start, is deactivated by the next reconcile when locked later (shown in plan and run as
 * "disabled in the directory"), and is reactivated when unlocked. Real slapd (with ppolicy),
 * emulator, Temporal and worker; runs started through the compiled CLI.
 */
import { modifyUser } from './support/ldap-admin';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';

const uid = (i: number) => `d${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;
/** ppolicy's "locked until an administrator unlocks it". */
const LOCKED = '000001010000Z';

const directory: DirectorySpec = {
  users: range(1, 30).map((i) => ({ uid: uid(i), displayName: `Disabled Test ${i}` })),
  groups: [{ cn: 'cc-agents', members: range(1, 30).map(uid) }],
};
const seed: Seed = {
  accountUsers: range(1, 30).map((i) => ({ email: mail(i), name: `Disabled Test ${i}` })),
  roles: [{ name: 'Agent' }],
  queues: [{ name: 'Support' }],
  licenses: { essentials: 100 },
};

let env: SyncEnv;
const ldapTarget = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });
const zccUser = async (email: string) => (await env.emu.state()).users.find((u) => u.email === email);
interface PlanJson {
  summary: Record<string, number>;
  ops: Array<{ email: string; kind: string; reason?: string }>;
  warnings: string[];
}
const planJson = async (): Promise<PlanJson> => JSON.parse((await env.cli(['plan', '--json'])).stdout);
async function apply(): Promise<{ runId: string; status: string }> {
  const r = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`apply printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  env = await startSyncEnv({
    directory,
    seed,
    config: {
      mappings: [{ group: G('cc-agents'), role: 'Agent', package: 'essentials', queues: ['Support'] }],
      policy: { leaver: 'deactivate', removeAfterDays: 30, guards: { maxRemovals: 10, maxRemovalPercent: 50, maxShrinkPercent: 50 } },
    },
  });
  // Locked before zcc-sync ever ran: a member of the group who must never get a license.
  await modifyUser(ldapTarget(), uid(5), { pwdAccountLockedTime: LOCKED });
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

test('a member locked from the start is not provisioned, and the plan says why', async () => {
  const plan = await planJson();
  expect(plan.summary.create).toBe(29);
  expect(plan.ops.some((op) => op.email === mail(5))).toBe(false);
  expect(plan.warnings.join('\n')).toMatch(/1 member\(s\) of mapped groups are disabled in the directory: .*d005@example\.com/);
  const run = await apply();
  expect(run.status).toBe('completed');
  expect(await zccUser(mail(5))).toBeUndefined();
  expect((await zccUser(mail(6)))?.access).toBe('active');
});

test('locked after provisioning, groups unchanged: deactivated as "disabled in the directory"', async () => {
  await modifyUser(ldapTarget(), uid(10), { pwdAccountLockedTime: LOCKED });
  const plan = await planJson();
  const ops = plan.ops.filter((op) => op.email === mail(10));
  expect(ops.map((op) => `${op.kind}:${op.reason}`).sort()).toEqual(['deactivate:disabled', 'queueRemove:disabled']);
  expect(plan.summary).toMatchObject({ create: 0, deactivate: 1, queueRemove: 1 });
  const text = (await env.cli(['plan'])).stdout;
  expect(text).toContain(`- deactivate ${mail(10)} [disabled in the directory]`);

  const run = await apply();
  expect(run.status).toBe('completed');
  const user = await zccUser(mail(10));
  expect(user).toMatchObject({ access: 'inactive', queues: [] });
  const shown = JSON.parse((await env.cli(['runs', 'show', run.runId, '--json'])).stdout);
  expect(JSON.stringify(shown.warnings)).toContain('disabled in the directory');
});

test('unlocked again: a re-joiner, reactivated with their queue', async () => {
  await modifyUser(ldapTarget(), uid(10), { pwdAccountLockedTime: null });
  const run = await apply();
  expect(run.status).toBe('completed');
  expect(await zccUser(mail(10))).toMatchObject({ access: 'active', queues: ['Support'] });
  const plan = await planJson();
  expect(plan.summary).toMatchObject({ create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0 });
});

test('directory preview on OpenLDAP: counts, sample members, the locked account among the warnings; --json', async () => {
  const json = JSON.parse((await env.cli(['directory', 'preview', '--json', '--limit', '2'])).stdout);
  expect(json).toMatchObject({ type: 'openldap', users: 30, disabled: 1 });
  expect(json.groups).toEqual([{ group: G('cc-agents'), members: 30, disabled: 1, sample: [
    { email: mail(1), name: 'Disabled Test 1', dn: `uid=${uid(1)},ou=people,dc=example,dc=com`, disabled: false },
    { email: mail(2), name: 'Disabled Test 2', dn: `uid=${uid(2)},ou=people,dc=example,dc=com`, disabled: false },
  ] }]);
  expect(json.warnings).toEqual([{ code: 'disabled', subject: `uid=${uid(5)},ou=people,dc=example,dc=com`, message: `${mail(5)} is disabled in the directory: a leaver, not provisioned` }]);
  const text = await env.cli(['directory', 'preview', '--limit', '1']);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(`${G('cc-agents')}: 30 member(s), 1 disabled`);
  expect(text.stdout).toContain('… and 29 more');
  expect(text.stdout).toContain(`! disabled: ${mail(5)} is disabled in the directory`);
});
