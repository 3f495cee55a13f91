/**
 * Guards fail closed (issue 4, acceptance 6): a directory outage fails the run with no write;
 * a directory that returns 0 users or shrinks past the limit holds the run for approval;
 * `runs approve` lets it proceed, `runs reject` changes nothing. Admins get a held-run email.
 */
import { removeGroupMember } from './support/ldap-admin';
import { mailsOfRun, startSyncEnv, writeCalls, type SyncEnv } from './support/sync-env';
import type { DirectorySpec } from '../devstack/ldif';

const uid = (i: number) => `g${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);

const directory: DirectorySpec = {
  users: range(1, 40).map((i) => ({ uid: uid(i) })),
  groups: [{ cn: 'cc-agents', members: range(1, 40).map(uid) }],
};

let env: SyncEnv;
const ldap = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });

async function apply() {
  const r = await env.cli(['apply', '--yes', '--json', '--as', 'guard-test']);
  return { code: r.code, json: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
}

beforeAll(async () => {
  env = await startSyncEnv({
    directory,
    seed: { accountUsers: range(1, 40).map((i) => ({ email: mail(i), name: uid(i) })), roles: [{ name: 'Agent' }], queues: [{ name: 'Support' }], ccUsers: [] },
    config: {
      mappings: [{ group: 'cn=cc-agents,ou=groups,dc=example,dc=com', role: 'Agent', package: 'essentials', queues: ['Support'] }],
      policy: { leaver: 'deactivate', guards: { maxRemovals: 100, maxRemovalPercent: 100, minDirectoryUsers: 1, maxShrinkPercent: 30 } },
    },
  });
  const first = await apply();
  expect(first.json.status).toBe('completed');
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

async function runsByStatus(status: string): Promise<Array<{ runId: string }>> {
  const list = JSON.parse((await env.cli(['runs', 'list', '--json'])).stdout);
  return list.filter((r: { status: string }) => r.status === status);
}

test('a directory shrinking by 50% holds the run; reject changes nothing', async () => {
  for (const i of range(21, 40)) await removeGroupMember(ldap(), 'cc-agents', uid(i));
  const before = writeCalls(env.emu);
  const held = await apply();
  expect(held.code).toBe(3);
  expect(held.json.status).toBe('held');
  expect(held.json.reasons.join(' ')).toMatch(/50% fewer/);
  expect(held.json.summary).toMatchObject({ deactivate: 20 });
  const [run] = await runsByStatus('held');
  expect(run.runId).toBe(held.json.runId);

  // The admins were told, once, with how to approve.
  const mails = (await mailsOfRun(held.json.runId)).filter((m) => m.headers['x-zcc-sync-event'] === 'runHeld');
  expect(mails).toHaveLength(1);
  expect(mails[0].text).toContain('runs approve');

  const rejected = await env.cli(['runs', 'reject', held.json.runId, '--as', 'alice']);
  expect(rejected.code).toBe(0);
  await waitForStatus(held.json.runId, 'rejected');
  expect(writeCalls(env.emu)).toEqual(before);
  const state = await env.emu.state();
  expect(state.users.filter((u) => u.access === 'active')).toHaveLength(40);
});

test('approve lets a held run apply its plan', async () => {
  const held = await apply();
  expect(held.code).toBe(3);
  const approved = await env.cli(['runs', 'approve', held.json.runId, '--as', 'bob']);
  expect(approved.code).toBe(0);
  await waitForStatus(held.json.runId, 'completed');
  const state = await env.emu.state();
  expect(state.users.filter((u) => u.access === 'inactive').map((u) => u.email).sort()).toEqual(range(21, 40).map(mail));
  const audit = await env.db('audit').where({ run_id: held.json.runId, op: 'approve' });
  expect(audit).toEqual([expect.objectContaining({ actor: 'bob' })]);
});

test('a directory that returns 0 users holds the run', async () => {
  for (const i of range(1, 20)) await removeGroupMember(ldap(), 'cc-agents', uid(i));
  const before = writeCalls(env.emu);
  const held = await apply();
  expect(held.code).toBe(3);
  expect(held.json.reasons.join(' ')).toMatch(/0 users/);
  await env.cli(['runs', 'reject', held.json.runId]);
  await waitForStatus(held.json.runId, 'rejected');
  expect(writeCalls(env.emu)).toEqual(before);
});

test('a directory outage fails the run and changes nothing', async () => {
  await env.ldap!.stop();
  const before = writeCalls(env.emu);
  const failed = await apply();
  expect(failed.code).toBe(1);
  expect(failed.json.status).toBe('failed');
  expect(writeCalls(env.emu)).toEqual(before);
  const state = await env.emu.state();
  expect(state.users).toHaveLength(40);
}, 120_000);

async function waitForStatus(runId: string, status: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.db('runs').where({ id: runId }).first();
    if (row?.status === status) return;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${row?.status}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
