/**
 * Delta reconciles end to end (issue 14): real slapd, emulator, Temporal and worker; the delta
 * workflow started directly, as the delta schedule starts it.
 *
 * - before any full run has applied, a delta falls back to a full reconcile (it has nothing to
 *   compare with);
 * - idle: nothing changed → no run, no Zoom call;
 * - a joiner, a leaver and a user whose only change ZCC does not see (a password): the run plans
 *   and applies the two users who differ, reads only their ZCC state (no listing), and a full plan
 *   afterwards is empty;
 * - guards hold a delta run as they hold a full one;
 * - a change that failed in ZCC is tried again by the next delta — a joiner's, and a leaver's
 *   that no directory entry names any more (src/store/pending-leavers.ts);
 * - a full run that meets a delta run waits for it instead of being skipped (and then has
 *   nothing to do).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client } from '@temporalio/client';
import { addGroupMember, addUser, deleteUser, modifyUser, removeGroupMember } from './support/ldap-admin';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { progressQuery } from '../workflows/definitions';
import { deltaReconcileWorkflow, syncUsersWorkflow, type DeltaResult } from '../workflows/scoped-reconcile';
import { addRunScope } from '../src/store/mirror';
import { installMetricsSink } from '../src/metrics/events';
import { prometheusSink, registry } from '../src/metrics/registry';
import { byLabel, parseExposition } from './support/prometheus';

const uid = (i: number) => `dl${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;

const directory: DirectorySpec = {
  users: range(1, 30).map((i) => ({ uid: uid(i), displayName: `Delta Test ${i}` })),
  groups: [
    { cn: 'dl-agents', members: range(1, 20).map(uid) },
    { cn: 'dl-supervisors', members: range(21, 25).map(uid) },
  ],
};
const seed: Seed = {
  accountUsers: range(1, 60).map((i) => ({ email: mail(i), name: `Delta Test ${i}` })),
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }],
  queues: [{ name: 'Support' }, { name: 'Escalations' }],
  licenses: { essentials: 100, premium: 100 },
};

let env: SyncEnv;
let client: Client;
const ldap = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });
const zccUser = async (email: string) => (await env.emu.state()).users.find((u) => u.email === email);
async function delta(record?: string): Promise<DeltaResult> {
  const handle = await client.workflow.start(deltaReconcileWorkflow, { args: [{ trigger: 'jest' }], taskQueue: env.taskQueue, workflowId: `delta-${randomUUID()}` });
  const result = await handle.result();
  // ZCC_RECORD_HISTORIES=DIR writes the run's history: the replay fixtures of test/workflow-replay.test.ts.
  const dir = process.env.ZCC_RECORD_HISTORIES;
  if (record && dir) writeFileSync(path.join(dir, record), historyToJSON(await handle.fetchHistory()));
  return result;
}
/** One delta while Zoom answers 500 to every call of `endpoint`; the fault is lifted after it, whatever happens. */
async function deltaWhileFailing(endpoint: string): Promise<DeltaResult> {
  env.emu.setFaults({ rules: { [endpoint]: { errorRate: 1, errorStatus: 500 } } });
  try {
    return await delta();
  } finally {
    env.emu.setFaults(undefined);
  }
}
const planSummary = async () => JSON.parse((await env.cli(['plan', '--json'])).stdout).summary as Record<string, number>;
const EMPTY = { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0 };
/** Calls by endpoint made since the last reset. */
const calls = () => env.emu.stats().calls;

beforeAll(async () => {
  env = await startSyncEnv({
    directory,
    seed,
    config: {
      mappings: [
        { group: G('dl-agents'), role: 'Agent', package: 'essentials', queues: ['Support'] },
        { group: G('dl-supervisors'), role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], priority: 10 },
      ],
      policy: { leaver: 'deactivate', removeAfterDays: 30, guards: { maxRemovals: 3, maxRemovalPercent: 50, maxShrinkPercent: 50 } },
    },
  });
  client = env.worker!.client;
  // The activities run in this process: their metric events go to the worker's registry.
  installMetricsSink(prometheusSink);
}, 120_000);

afterAll(async () => {
  installMetricsSink(null);
  await env?.stop();
});

test('before any applied run, a delta falls back to a full reconcile', async () => {
  const r = await delta();
  expect(r.outcome).toBe('full');
  expect(r.detail).toMatch(/no reconcile has applied yet/);
  expect(r.run?.status).toBe('completed');
  expect(await zccUser(mail(21))).toMatchObject({ role: 'Supervisor', access: 'active' });
  expect(await planSummary()).toMatchObject(EMPTY);
});

test('nothing changed: idle, no run and no Zoom call', async () => {
  env.emu.resetStats();
  const runsBefore = await env.db('runs').count({ n: '*' }).first();
  const polls = async () => byLabel(parseExposition(await registry.metrics()), 'zcc_sync_delta_polls_total', 'outcome');
  const before = await polls();
  const r = await delta();
  expect(r).toMatchObject({ outcome: 'idle', run: null });
  expect(calls()).toEqual({});
  expect((await polls()).idle).toBe((before.idle ?? 0) + 1);
  expect(await env.db('runs').count({ n: '*' }).first()).toEqual(runsBefore);
});

test('a joiner and a leaver are applied, a password change is not a change, and only their ZCC state is read', async () => {
  await addUser(ldap(), { uid: uid(40), displayName: 'Delta Joiner 40' }, ['dl-agents']);
  await removeGroupMember(ldap(), 'dl-agents', uid(3));
  await modifyUser(ldap(), uid(4), { userPassword: 'another-secret' });
  env.emu.resetStats();
  const r = await delta('delta-history.json');
  expect(r.outcome).toBe('run');
  expect(r.run?.status).toBe('completed');
  expect(r.run?.summary).toMatchObject({ create: 1, queueAdd: 1, deactivate: 1, queueRemove: 1 });
  expect(await zccUser(mail(40))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
  expect(await zccUser(mail(3))).toMatchObject({ access: 'inactive', queues: [] });
  // Per user: one search by email, and the queues of the user who holds a license; no listing.
  const reads = Object.fromEntries(Object.entries(calls()).filter(([k]) => k.startsWith('GET ')));
  expect(reads).toEqual({ 'GET /contact_center/users': 2, 'GET /contact_center/users/{userId}/queues': 1 });
  const run = await env.db('runs').where({ id: r.run!.runId }).first();
  expect(run.scope).toBe('delta');
  expect(await planSummary()).toMatchObject(EMPTY);
  // The next poll is idle: the marker moved with the applied run.
  expect((await delta()).outcome).toBe('idle');
});

test('a mover between mapped groups gets the other role and queues', async () => {
  await removeGroupMember(ldap(), 'dl-agents', uid(5));
  await addGroupMember(ldap(), 'dl-supervisors', uid(5));
  const r = await delta();
  expect(r.run?.status).toBe('completed');
  const mover = await zccUser(mail(5));
  expect(mover).toMatchObject({ role: 'Supervisor', package: 'premium' });
  expect([...(mover?.queues ?? [])].sort()).toEqual(['Escalations', 'Support']);
  // status shows it as the last delta run; the reconcile line stays the last full run.
  const status = JSON.parse((await env.cli(['status', '--json'])).stdout);
  expect(status.lastRuns.delta).toMatchObject({ runId: r.run?.runId, status: 'completed' });
  expect(status.lastRuns.reconcile.runId).toMatch(/^rec-/);
  expect(await planSummary()).toMatchObject(EMPTY);
});

test('the guards hold a delta run: 4 leavers against a limit of 3, rejected, nothing changed', async () => {
  for (const i of [6, 7, 8, 9]) await removeGroupMember(ldap(), 'dl-agents', uid(i));
  const workflowId = `delta-${randomUUID()}`;
  const handle = await client.workflow.start(deltaReconcileWorkflow, { args: [{ trigger: 'jest' }], taskQueue: env.taskQueue, workflowId });
  let held = null;
  for (let i = 0; i < 100 && !held; i++) {
    held = await env.db('runs').where({ workflow_id: workflowId, status: 'held' }).first();
    if (!held) await new Promise((r) => setTimeout(r, 200));
  }
  expect(held?.scope).toBe('delta');
  expect((await handle.query(progressQuery)).heldReasons.join('\n')).toMatch(/deactivates or removes 4 users .*limit 3 \(policy\.guards\.maxRemovals\)/);
  await handle.executeUpdate('reject', { args: [{ by: 'jest' }] });
  const r = await handle.result();
  expect(r.run?.status).toBe('rejected');
  expect((await zccUser(mail(6)))?.access).toBe('active');
  // Not applied: the next delta sees the same changes again.
  const again = await client.workflow.start(deltaReconcileWorkflow, { args: [{ trigger: 'jest' }], taskQueue: env.taskQueue, workflowId: `delta-${randomUUID()}` });
  for (let i = 0; i < 100; i++) {
    if (await env.db('runs').where({ workflow_id: again.workflowId, status: 'held' }).first()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await again.executeUpdate('approve', { args: [{ by: 'jest' }] });
  expect((await again.result()).run?.status).toBe('completed');
  expect((await zccUser(mail(6)))?.access).toBe('inactive');
  expect(await planSummary()).toMatchObject(EMPTY);
});

test('a change that failed in ZCC is tried again by the next delta, though the directory did not move', async () => {
  await addUser(ldap(), { uid: uid(43), displayName: 'Delta Joiner 43' }, ['dl-agents']);
  // Zoom refuses every batch create while this delta runs.
  const failed = await deltaWhileFailing('POST /contact_center/users/batch');
  expect(failed.run?.status).toBe('completed');
  expect(failed.run?.failures).toBeGreaterThan(0);
  expect(await zccUser(mail(43))).toBeUndefined();
  // Nothing changed in the directory since, yet the next poll compares again and creates the user.
  const retried = await delta();
  expect(retried.outcome).toBe('run');
  expect(retried.run).toMatchObject({ status: 'completed', failures: 0, summary: { create: 1 } });
  expect(await zccUser(mail(43))).toMatchObject({ role: 'Agent', access: 'active', queues: ['Support'] });
  expect((await delta()).outcome).toBe('idle');
  expect(await planSummary()).toMatchObject(EMPTY);
});

test('leavers whose change failed (an entry deleted, an email changed away) are tried again by the next delta', async () => {
  await deleteUser(ldap(), uid(18));
  await modifyUser(ldap(), uid(19), { mail: mail(44) });
  // Zoom refuses every queue removal while this delta runs: both leavers keep their queue.
  const failed = await deltaWhileFailing('DELETE /contact_center/queues/{queueId}/agents/{userId}');
  expect(failed.run).toMatchObject({ status: 'completed', summary: { create: 1, deactivate: 2, queueRemove: 2 } });
  expect(failed.run?.failures).toBe(2);
  expect(await zccUser(mail(18))).toMatchObject({ access: 'inactive', queues: ['Support'] });
  // No directory entry and no mirror row names these emails any more: they are kept apart.
  expect(await env.db('pending_leavers').orderBy('email').pluck('email')).toEqual([mail(18), mail(19)]);
  const retried = await delta();
  expect(retried.outcome).toBe('run');
  expect(retried.run).toMatchObject({ status: 'completed', failures: 0, summary: { create: 0, deactivate: 0, queueRemove: 2 } });
  for (const i of [18, 19]) expect(await zccUser(mail(i))).toMatchObject({ access: 'inactive', queues: [] });
  expect(await zccUser(mail(44))).toMatchObject({ role: 'Agent', access: 'active', queues: ['Support'] });
  expect(await env.db('pending_leavers').count({ n: '*' }).first()).toEqual({ n: 0 });
  expect((await delta()).outcome).toBe('idle');
  expect(await planSummary()).toMatchObject(EMPTY);
});

test('on demand: the named users are synced now, an unknown one is reported', async () => {
  await addUser(ldap(), { uid: uid(42), displayName: 'Delta Joiner 42' }, ['dl-supervisors']);
  const runId = `syn-${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await addRunScope(env.db, runId, [mail(42), 'nobody@example.com']);
  const handle = await client.workflow.start(syncUsersWorkflow, { args: [{ runId, trigger: 'jest' }], taskQueue: env.taskQueue, workflowId: `sync-${runId}` });
  const r = await handle.result();
  const dir = process.env.ZCC_RECORD_HISTORIES;
  if (dir) writeFileSync(path.join(dir, 'sync-users-history.json'), historyToJSON(await handle.fetchHistory()));
  expect(r.run).toMatchObject({ runId, status: 'completed', summary: { create: 1, queueAdd: 2 } });
  expect(r.notFound).toEqual(['nobody@example.com']);
  expect(await zccUser(mail(42))).toMatchObject({ role: 'Supervisor', package: 'premium', access: 'active' });
  expect((await env.db('runs').where({ id: runId }).first()).scope).toBe('sync');
  // An on-demand run leaves the delta's marker where it was: the next delta still sees the joiner,
  // finds them in the mirror as synced, and plans nothing.
  const next = await delta();
  expect(next.outcome).toBe('idle');
  expect(await planSummary()).toMatchObject(EMPTY);
});

test('a full run that meets a delta run waits for it instead of being skipped', async () => {
  await addUser(ldap(), { uid: uid(41), displayName: 'Delta Joiner 41' }, ['dl-agents']);
  // Every call takes 1.5 s: the delta run is still writing when the full run begins.
  env.emu.setFaults({ rules: { '*': { latencyMs: 1500 } } });
  try {
    const d = await client.workflow.start(deltaReconcileWorkflow, { args: [{ trigger: 'jest' }], taskQueue: env.taskQueue, workflowId: `delta-${randomUUID()}` });
    for (let i = 0; i < 100; i++) {
      if (await env.db('runs').where({ workflow_id: d.workflowId }).first()) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const full = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
    const fullRun = JSON.parse(full.stdout);
    expect(fullRun.status).toBe('completed');
    const deltaRun = await env.db('runs').where({ workflow_id: d.workflowId }).first();
    expect(deltaRun.status).toBe('completed');
    const fullRow = await env.db('runs').where({ id: fullRun.runId }).first();
    // One writer at a time: the full run planned after the delta run had finished.
    expect(fullRow.scope).toBe('full');
    expect(fullRow.finished_at > deltaRun.finished_at).toBe(true);
    expect(fullRun.summary).toMatchObject(EMPTY);
  } finally {
    env.emu.setFaults(undefined);
  }
  expect(await zccUser(mail(41))).toMatchObject({ role: 'Agent', access: 'active' });
}, 120_000);
