/**
 * Durability (issue 4, acceptance 7): the worker process is SIGKILLed while it applies 2,000
 * creates; a new worker finishes the run, and every user is created exactly once (emulator
 * per-user counts) and gets exactly one email.
 */
import { ensureBuilt } from './support/cli';
import { killWorkerProcesses, startWorkerProcess, until } from './support/worker-process';
import { mailsOfRun, startSyncEnv, type SyncEnv } from './support/sync-env';

const N = 2000;
const uid = (i: number) => `k${String(i).padStart(4, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);

let env: SyncEnv;

beforeAll(async () => {
  await ensureBuilt();
  env = await startSyncEnv({
    noWorker: true,
    directory: { users: range(1, N).map((i) => ({ uid: uid(i) })), groups: [{ cn: 'cc-agents', members: range(1, N).map(uid) }] },
    seed: { accountUsers: range(1, N).map((i) => ({ email: mail(i), name: uid(i) })), roles: [{ name: 'Agent' }], queues: [{ name: 'Support' }], ccUsers: [] },
    config: {
      mappings: [{ group: 'cn=cc-agents,ou=groups,dc=example,dc=com', role: 'Agent', package: 'essentials', queues: ['Support'] }],
      policy: { concurrency: 2 },
    },
    // Slow, occasionally failing-after-apply batch creates: the kill lands mid-apply, and retried
    // batches meet users that already exist.
    emulator: { faults: { seed: 7, rules: { 'POST /contact_center/users/batch': { latencyMs: [100, 200], errorAfterApplyRate: 0.05 } } } },
  });
}, 120_000);

afterAll(async () => {
  killWorkerProcesses();
  await env?.stop();
});

test('a worker killed mid-apply is replaced and the run completes with every user created exactly once', async () => {
  const first = startWorkerProcess(env.configFile, env.dir, '1');
  const started = await env.cli(['apply', '--yes', '--no-wait', '--json']);
  expect(started.code).toBe(0);

  // Kill -9 once a good part of the creates went through, but not all.
  await until('creates to start', async () => (await env.emu.state()).users.length >= 400, 120_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const atKill = (await env.emu.state()).users.length;
  expect(atKill).toBeLessThan(N);

  startWorkerProcess(env.configFile, env.dir, '2');
  await until('the run to complete', async () => {
    const row = await env.db('runs').where({ kind: 'reconcile' }).orderBy('created_at', 'desc').first();
    return row?.status === 'completed';
  }, 240_000);

  const state = await env.emu.state();
  expect(state.users).toHaveLength(N);
  const byUser = env.emu.stats().byUser;
  const notOnce = range(1, N).map(mail).filter((e) => byUser[e]?.create !== 1);
  expect(notOnce).toEqual([]);
  expect(state.users.every((u) => u.queues.includes('Support'))).toBe(true);

  // Emails go out after the report is written: wait for the admin report, the last one queued.
  const run = await env.db('runs').where({ kind: 'reconcile' }).orderBy('created_at', 'desc').first();
  const t0 = Date.now();
  await until('the emails', async () => (await mailsOfRun(run.id)).some((m) => m.headers['x-zcc-sync-event'] === 'runReport'), 120_000);
  console.log(`emails delivered ${Date.now() - t0} ms after the run completed`);
  const assigned = (await mailsOfRun(run.id)).filter((m) => m.headers['x-zcc-sync-event'] === 'licenseAssigned');
  expect(assigned).toHaveLength(N);
  expect(new Set(assigned.map((m) => m.to[0])).size).toBe(N);
}, 400_000);
