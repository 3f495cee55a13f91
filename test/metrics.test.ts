/**
 * The worker's Prometheus metrics (issue 13), scraped from a real `zcc-sync worker` process (its
 * registry holds exactly what that process did) after a reconcile of the 250-user directory and
 * after an admin job. Counters are checked exactly against the emulator's own counts (every call
 * by endpoint and status, every 429 — two are injected) and against the run reports; the store
 * gauges against the store; the Temporal SDK's metrics on their own port; and no label value
 * anywhere holds an email address.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import { killWorkerProcesses, startWorkerProcess, until } from './support/worker-process';
import { ensureBuilt } from './support/cli';
import { byLabel, delta, freePort, scrape, total, type Sample } from './support/prometheus';

const uid = (i: number) => `u${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;

// test/reconcile.test.ts's directory and account, plus three Zoom users for an admin job.
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
const extras = ['extra1@example.com', 'extra2@example.com', 'extra3@example.com'];
const seed: Seed = {
  accountUsers: [
    ...range(1, 250).map((i) => ({ email: mail(i), name: `User ${i}` })),
    { email: 'vip-ceo@example.com', name: 'Excluded VIP' },
    { email: 'admin.hand@example.com', name: 'Hand Made' },
    ...extras.map((email, i) => ({ email, name: `Extra ${i + 1}` })),
  ],
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }, { name: 'Admin' }],
  queues: [{ name: 'Support' }, { name: 'Sales' }, { name: 'Escalations' }],
  licenses: { essentials: 1000, premium: 1000 },
  ccUsers: [{ email: 'admin.hand@example.com', role: 'Admin', package: 'elite', access: 'active', queues: ['Support'] }],
};
const mappings = [
  { group: G('cc-agents'), role: 'Agent', package: 'essentials', queues: ['Support'], settings: { country_iso_code: 'US' }, priority: 10 },
  { group: G('cc-supervisors'), role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], priority: 20 },
  { group: G('cc-sales'), role: 'Agent', package: 'premium', queues: ['Sales'], priority: 15 },
];

let env: SyncEnv;
let worker: ChildProcess;
let listen: string;
let temporalListen: string;

/** The emulator's calls by endpoint, without the token endpoint (token requests are not API calls). */
const emulatorCalls = () => Object.fromEntries(Object.entries(env.emu.stats().calls).filter(([k]) => !k.includes('/oauth/token')));
/** A run report's outcomes as `kind/outcome` → count. */
const flatOutcomes = (outcomes: Record<string, Record<string, number>>) =>
  Object.fromEntries(Object.entries(outcomes).flatMap(([kind, byOutcome]) => Object.entries(byOutcome).filter(([, n]) => n > 0).map(([o, n]) => [`${kind}/${o}`, n] as const)));
const opsByKindOutcome = (m: Sample[]) =>
  Object.fromEntries(m.filter((s) => s.name === 'zcc_sync_ops_total' && s.value > 0).map((s) => [`${s.labels.kind}/${s.labels.outcome}`, s.value] as const));
const emailsInLabels = (m: Sample[]) => m.flatMap((s) => Object.entries(s.labels).filter(([, v]) => v.includes('@')).map(([k, v]) => `${s.name}{${k}="${v}"}`));

beforeAll(async () => {
  await ensureBuilt();
  listen = `127.0.0.1:${await freePort()}`;
  temporalListen = `127.0.0.1:${await freePort()}`;
  env = await startSyncEnv({
    directory,
    seed,
    noWorker: true,
    // The first two batch creates are answered 429: the client waits and sends them again.
    emulator: { faults: { rules: { 'POST /contact_center/users/batch': { burst429: 2 } } } },
    config: {
      mappings,
      policy: { exclude: ['vip-*@example.com'] },
      worker: { metrics: { listen, temporalListen } },
      log: { level: 'info' },
    },
  });
  worker = startWorkerProcess(env.configFile, env.dir, 'metrics');
  await until('the worker to be ready', async () => (await fetch(`http://${listen}/readyz`).catch(() => null))?.status === 200, 60_000, 250);
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
  }
  killWorkerProcesses();
  await env?.stop();
}, 60_000);

test('health: /healthz 200, /readyz 200 naming its three checks', async () => {
  expect((await fetch(`http://${listen}/healthz`)).status).toBe(200);
  const ready = await fetch(`http://${listen}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ ready: true, down: [], checks: { temporal: { ok: true }, store: { ok: true }, worker: { ok: true, detail: 'polling' } } });
});

test('after a reconcile of 250 users: every counter matches the emulator, the run report and the store exactly', async () => {
  const r = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
  const run = JSON.parse(r.stdout) as { runId: string; status: string };
  expect(run.status).toBe('completed');
  const shown = JSON.parse((await env.cli(['runs', 'show', run.runId, '--json'])).stdout);
  const m = await scrape(listen);
  const stats = env.emu.stats();

  // Zoom: every call by endpoint and by status, as the emulator counted them; the 2 injected 429s.
  expect(byLabel(m, 'zcc_sync_zoom_requests_total', 'endpoint')).toEqual(emulatorCalls());
  expect(byLabel(m, 'zcc_sync_zoom_requests_total', 'status')).toEqual(stats.statuses);
  expect(stats.rateLimited).toBe(2);
  expect(total(m, 'zcc_sync_zoom_rate_limited_total')).toBe(2);
  expect(total(m, 'zcc_sync_zoom_requests_total', { endpoint: 'POST /contact_center/users/batch', status: '429' })).toBe(2);
  // Every request sent waited for the governor once.
  expect(total(m, 'zcc_sync_zoom_governor_wait_seconds_count')).toBe(total(m, 'zcc_sync_zoom_requests_total'));

  // Runs: one reconcile started and completed; its duration is the report's.
  expect(byLabel(m, 'zcc_sync_runs_started_total', 'kind')).toEqual({ reconcile: 1 });
  expect(byLabel(m, 'zcc_sync_runs_finished_total', 'status', { kind: 'reconcile' })).toEqual({ completed: 1 });
  expect(total(m, 'zcc_sync_run_duration_seconds_count')).toBe(1);
  expect(total(m, 'zcc_sync_run_duration_seconds_sum')).toBeCloseTo(shown.report.durationMs / 1000, 2);

  // Ops by kind and outcome: the run report's, to the op.
  expect(opsByKindOutcome(m)).toEqual(flatOutcomes(shown.report.outcomes));
  expect(total(m, 'zcc_sync_ops_total', { kind: 'create', outcome: 'done' })).toBe(250);
  expect(total(m, 'zcc_sync_license_exhausted_total')).toBe(0);

  // The directory: one read of 251 users (250 + the excluded VIP, who is still read), as the run recorded.
  const row = await env.db('runs').where({ id: run.runId }).first();
  expect(row.directory_users).toBe(251);
  expect(total(m, 'zcc_sync_directory_users_read_total')).toBe(251);
  expect(total(m, 'zcc_sync_directory_users')).toBe(251);
  expect(total(m, 'zcc_sync_directory_read_duration_seconds_count')).toBe(1);
  expect(total(m, 'zcc_sync_directory_read_failures_total')).toBe(0);

  // Gauges read from the store at scrape time.
  expect(byLabel(m, 'zcc_sync_managed_users', 'state')).toEqual({ active: 250 });
  expect(total(m, 'zcc_sync_held_runs')).toBe(0);
  expect(total(m, 'zcc_sync_last_successful_reconcile_timestamp_seconds')).toBe(Date.parse(row.finished_at) / 1000);
  expect(total(m, 'zcc_sync_reconcile_stale')).toBe(0);
  const outbox: Array<{ status: string; n: number | string }> = await env.db('outbox').select('status').count({ n: '*' }).groupBy('status');
  const inStore = (status: string) => Number(outbox.find((o) => o.status === status)?.n ?? 0);
  for (const status of ['pending', 'sending', 'failed', 'unknown']) expect(total(m, 'zcc_sync_outbox_messages', { status })).toBe(inStore(status));

  expect(emailsInLabels(m)).toEqual([]);
});

test('after an admin job (users assign): the job counted once, its ops and calls exactly', async () => {
  const before = await scrape(listen);
  const emuBefore = emulatorCalls();
  const r = await env.cli(['users', 'assign', ...extras, '--role', 'Agent', '--yes', '--json', '--as', 'jest']);
  const job = JSON.parse(r.stdout) as { workflowId: string; status: string };
  expect(job.status).toBe('completed');
  const shown = JSON.parse((await env.cli(['runs', 'show', job.workflowId, '--json'])).stdout);
  const after = await scrape(listen);

  expect(delta(byLabel(before, 'zcc_sync_runs_started_total', 'kind'), byLabel(after, 'zcc_sync_runs_started_total', 'kind'))).toEqual({ [shown.kind]: 1 });
  expect(shown.kind).toBe('assign');
  expect(byLabel(after, 'zcc_sync_runs_finished_total', 'status', { kind: 'assign' })).toEqual({ completed: 1 });
  expect(delta(opsByKindOutcome(before), opsByKindOutcome(after))).toEqual(flatOutcomes(shown.report.outcomes));
  expect(total(after, 'zcc_sync_ops_total', { kind: 'create', outcome: 'done' }) - total(before, 'zcc_sync_ops_total', { kind: 'create', outcome: 'done' })).toBe(3);

  // The worker's calls are the emulator's, but for the CLI's own check of the role name
  // (one page of roles, read before the job starts).
  const workerCalls = delta(byLabel(before, 'zcc_sync_zoom_requests_total', 'endpoint'), byLabel(after, 'zcc_sync_zoom_requests_total', 'endpoint'));
  const emulatorDelta = delta(emuBefore, emulatorCalls());
  expect(delta(workerCalls, emulatorDelta)).toEqual({ 'GET /contact_center/roles': 1 });
  expect(byLabel(after, 'zcc_sync_managed_users', 'state')).toEqual({ active: 253 });
  expect(emailsInLabels(after)).toEqual([]);
});

test("the Temporal SDK's own metrics are served on worker.metrics.temporalListen, and the dashboard's exist", async () => {
  const m = await scrape(temporalListen);
  const names = new Set(m.map((s) => s.name));
  for (const name of ['temporal_worker_task_slots_available', 'temporal_num_pollers', 'temporal_workflow_task_schedule_to_start_latency_bucket', 'temporal_workflow_task_execution_latency_bucket']) {
    expect({ name, present: names.has(name) }).toEqual({ name, present: true });
  }
  const dashboard = fs.readFileSync(path.join(__dirname, '..', 'deploy', 'grafana', 'zcc-sync.json'), 'utf8');
  const named = [...new Set(dashboard.match(/\btemporal_[a-z0-9_]+/g) ?? [])];
  expect(named.length).toBeGreaterThan(0);
  expect(named.filter((n) => !names.has(n))).toEqual([]);
  expect(emailsInLabels(m)).toEqual([]);
});
