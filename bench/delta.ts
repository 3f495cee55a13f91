/**
 * Delta and on-demand sync benchmark (issue 14, "Measured"): a real slapd with N directory users
 * (bench/reconcile-data.ts: 4 mapped groups, 4 queues), the ZCC emulator and the zcc-sync worker
 * as separate processes, its own Temporal dev server. The emulator runs the business plan's real
 * rates (time scale 1) and the worker's governor the same (contactCenter.rateScale 1).
 *
 *   setup       The emulator is seeded with the N users already licensed with the role, package and
 *               queues their groups map to (emulator/types.ts Seed.ccUsers), so the first full
 *               reconcile — it sets the directory mirror and the change marker the deltas compare
 *               with — plans nothing: no 10-minute initial provisioning at real rates, and no
 *               restart of worker and emulator between scales. The seed cannot set a user's
 *               settings, so the mappings here leave out the reconcile benchmark's agent setting
 *               (country US). That full run's wall time and Zoom calls are reported "for comparison".
 *   idle        K deltaReconcileWorkflow runs started directly (no schedule yet) with no directory
 *               change: each must end `idle`. Per poll: the workflow's wall time at the client, the
 *               pollDirectoryChanges activity's run time (started → completed in the workflow
 *               history), and separately, in this process, the LDAP part of it: the product's own
 *               connectDirectory + readChangeMarker (connect + bind + rootDSE + contextCSN), K times.
 *               Zoom calls during the idle polls (emulator stats): must be 0.
 *   joiners     A Temporal Schedule (interval --interval, default 30 s, overlap SKIP) starts
 *               deltaReconcileWorkflow. J joiners (--joiners, default 200) are written to slapd as
 *               the rootdn, evenly spread over --spread seconds (default 600): a user entry, then
 *               one modify per mapped group it joins. Latency of a joiner = from the answer to its
 *               last group modify (the moment it is a member) to the first emulator stats sample
 *               (GET /__emulator/stats every ~1 s, its answer's arrival time) in which the user
 *               was created (license, role and package in one batch create) and added to every
 *               queue its groups map to. At the end, one GET /__emulator/state confirms each
 *               joiner's role, package and queues exactly. p50, p95, max; and split in two: the
 *               wait from the write to the start of the scheduled delta that had the joiner in its
 *               scope first, and from that start to provisioned.
 *   change cost Every delta run of the joiner phase (runs with scope `delta` in the store): its Zoom
 *               calls (emulator stats between the samples around the run row's created_at and
 *               finished_at; token calls excluded) ÷ its lower bound:
 *                 reads  = |scope| (one user search by email each) + |scope users found in ZCC|
 *                          (one queue list each)
 *                 writes = ⌈creates/20⌉ + ⌈updates/20⌉ + ⌈deactivates/20⌉ + ⌈removes/20⌉
 *                          + Σ_queue ⌈queue adds to it/30⌉ + queue removes (one agent per call)
 *               (batch sizes of the API: create/update/delete 20 a call, role and queue assignment
 *               30 a call; a create carries role and package). The figure is Σ calls ÷ Σ bound
 *               over all delta runs; per-run ratios are listed too.
 *   on demand   --on-demand (default 5) times: one new joiner written to slapd (not timed), then
 *               as `zcc-sync users sync EMAIL` does it: addRunScope + syncUsersWorkflow, wall
 *               time to its result; median.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/delta.js [--users N] [--joiners J] [--spread S]
 *       [--interval S] [--idle K] [--on-demand M] [--settle S] [--keep]
 *
 * --users N (default 100000), --settle S: how long after the last joiner write to wait for the
 * stragglers (default 180), --keep: keep .state/bench/delta/<pid>/ (logs, store).
 * Figures go to stdout and to bench/results/delta-<N>.json. Compare only numbers taken on the same machine.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, ScheduleOverlapPolicy, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { Client as LdapClient } from 'ldapts';
import { stringify } from 'yaml';
import { startSlapd, type SlapdHandle } from '../devstack/slapd';
import { startTemporal } from '../devstack/temporal';
import type { Stats, StateSnapshot } from '../emulator/types';
import { loadConfig } from '../src/config/load';
import type { Config } from '../src/config/schema';
import type { RunResult } from '../src/domain/runs';
import { readChangeMarker } from '../src/ldap/changes';
import { connectDirectory } from '../src/ldap/connect';
import { createLogger } from '../src/log/logger';
import { closeStore, openStore, type Store } from '../src/store/db';
import { addRunScope } from '../src/store/mirror';
import { opShape } from '../src/store/ops';
import { reconcileWorkflowId } from '../src/temporal/ids';
import { reconcileWorkflow } from '../workflows/reconcile';
import { deltaReconcileWorkflow, syncUsersWorkflow, type DeltaResult, type SyncUsersResult } from '../workflows/scoped-reconcile';
import { addJoiner, deltaJoinerUid, deltaMappings, deltaSeed, desiredOf, mailOf, onDemandUid, openAdmin, type Desired } from './delta-data';
import { directorySpec, GROUPS, groupsOf } from './reconcile-data';
import { REPO, startCli, startEmulatorProcess, type ChildHandle } from './reconcile-procs';

const ROOT = path.join(REPO, '.state', 'bench', 'delta', String(process.pid));
const EMULATOR_CREDENTIALS = { accountId: 'emulator-account', clientId: 'emulator-client', clientSecret: 'emulator-secret' };
const PLAN = 'business' as const;
const RATE_SCALE = 1;
const CHUNK_SIZE = 100;
const CONCURRENCY = 4;
const SAMPLE_MS = 1000;

// ---- arguments ---------------------------------------------------------------------------------

interface Args {
  users: number;
  joiners: number;
  spreadSeconds: number;
  intervalSeconds: number;
  idlePolls: number;
  onDemand: number;
  settleSeconds: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const num = (name: string, dflt: number, min: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name}: expected a whole number ≥ ${min}, got ${JSON.stringify(argv[i + 1])}`);
    return v;
  };
  return {
    users: num('users', 100_000, 100),
    joiners: num('joiners', 200, 1),
    spreadSeconds: num('spread', 600, 1),
    intervalSeconds: num('interval', 30, 1),
    idlePolls: num('idle', 20, 1),
    onDemand: num('on-demand', 5, 1),
    settleSeconds: num('settle', 180, 10),
    keep: argv.includes('--keep'),
  };
}

// ---- clean-up of everything started --------------------------------------------------------------

const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
function onCleanup(name: string, run: () => Promise<void>): void {
  cleanups.push({ name, run });
}
async function cleanupAll(): Promise<void> {
  while (cleanups.length) {
    const c = cleanups.pop()!;
    await c.run().catch((err: unknown) => process.stderr.write(`cleanup ${c.name}: ${(err as Error).message}\n`));
  }
}

// ---- small helpers -------------------------------------------------------------------------------

const log = (s: string) => process.stderr.write(`[delta ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const round = (v: number, digits: number) => Number(v.toFixed(digits));
const isToken = (key: string) => key.includes('/oauth/token');
/** Zoom API calls (token requests excluded). */
const apiCalls = (calls: Record<string, number>) => Object.entries(calls).reduce((s, [k, v]) => (isToken(k) ? s : s + v), 0);

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Nearest-rank percentile. */
function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const median = (values: number[]) => pct(values, 50);

async function emulatorStats(url: string): Promise<Stats> {
  const res = await fetch(`${url}/__emulator/stats`);
  if (!res.ok) throw new Error(`GET ${url}/__emulator/stats answered ${res.status}`);
  return (await res.json()) as Stats;
}

async function emulatorState(url: string): Promise<StateSnapshot> {
  const res = await fetch(`${url}/__emulator/state`);
  if (!res.ok) throw new Error(`GET ${url}/__emulator/state answered ${res.status}`);
  return (await res.json()) as StateSnapshot;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const eventMs = (e: HistoryEvent) => {
  const t = e.eventTime;
  return t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;
};

interface ActivityTiming {
  type: string;
  /** Scheduled → started (task queue pick-up), ms. */
  waitMs: number;
  /** Started → completed, ms. */
  runMs: number;
}

/** Activities of one execution, from its history (server timestamps). */
async function activityTimings(handle: WorkflowHandle): Promise<ActivityTiming[]> {
  const history = await handle.fetchHistory();
  const byId = new Map<string, { type: string; scheduled: number; started?: number; closed?: number }>();
  const order: string[] = [];
  for (const e of history.events ?? []) {
    const id = String(e.eventId ?? '');
    if (e.activityTaskScheduledEventAttributes) {
      byId.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', scheduled: eventMs(e) });
      order.push(id);
    } else if (e.activityTaskStartedEventAttributes) {
      const a = byId.get(String(e.activityTaskStartedEventAttributes.scheduledEventId ?? ''));
      if (a) a.started = eventMs(e);
    } else {
      const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const a = closed ? byId.get(String(closed.scheduledEventId ?? '')) : undefined;
      if (a) a.closed = eventMs(e);
    }
  }
  return order
    .map((id) => byId.get(id)!)
    .filter((a) => a.started !== undefined && a.closed !== undefined)
    .map((a) => ({ type: a.type, waitMs: round(a.started! - a.scheduled, 1), runMs: round(a.closed! - a.started!, 1) }));
}

/** Activities summed by type: "type run ms (×n)". */
function stepsText(acts: ActivityTiming[]): string {
  const by = new Map<string, { n: number; ms: number }>();
  for (const a of acts) {
    const s = by.get(a.type) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += a.runMs;
    by.set(a.type, s);
  }
  return [...by].map(([t, s]) => `${t} ${Math.round(s.ms)} ms${s.n > 1 ? ` (×${s.n})` : ''}`).join(', ');
}

// ---- the environment ---------------------------------------------------------------------------

interface Env {
  n: number;
  client: Client;
  config: Config;
  db: Store;
  slapd: SlapdHandle;
  emulator: ChildHandle & { url: string };
  worker: ChildHandle;
}

async function waitForPollers(client: Client, taskQueue: string, worker: ChildHandle): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (worker.exited()) throw new Error(`the worker exited at start:\n${worker.tail()}`);
    const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue } });
    if ((res.pollers ?? []).length > 0) return;
    if (Date.now() > deadline) throw new Error(`the worker did not poll ${taskQueue} within 120 s:\n${worker.tail()}`);
    await sleep(200);
  }
}

async function startEnv(args: Args, client: Client, temporalAddress: string, bundle: string): Promise<Env> {
  const n = args.users;
  const dir = path.join(ROOT, `n${n}`);
  mkdirSync(dir, { recursive: true });
  log(`loading slapd with ${n} users…`);
  const slapd = await startSlapd({ dir: path.join(dir, 'ldap'), spec: directorySpec(n) });
  onCleanup('slapd', () => slapd.stop());

  const extra = [...Array.from({ length: args.joiners }, (_, i) => deltaJoinerUid(i + 1)), ...Array.from({ length: args.onDemand }, (_, i) => onDemandUid(i + 1))];
  const seedFile = path.join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify(deltaSeed(n, extra)));
  log(`starting the emulator (business plan × ${RATE_SCALE}, ${n} licensed users seeded)…`);
  const emulator = await startEmulatorProcess(['--seed', seedFile, '--plan', PLAN, '--time-scale', String(RATE_SCALE)], path.join(dir, 'emulator.log'));
  onCleanup('emulator', () => emulator.stop());

  const taskQueue = `bench-delta-${n}-${process.pid}`;
  const configFile = path.join(dir, 'zcc-sync.yaml');
  writeFileSync(
    configFile,
    stringify({
      stateDir: dir,
      temporal: { address: temporalAddress, namespace: 'default', taskQueue },
      directory: { url: slapd.url, bindDN: slapd.readerDN, bindPassword: slapd.readerPassword },
      contactCenter: { baseUrl: emulator.baseUrl, tokenUrl: emulator.tokenUrl, ...EMULATOR_CREDENTIALS, plan: PLAN, rateScale: RATE_SCALE },
      store: { client: 'sqlite3', connection: path.join(dir, 'zcc-sync.sqlite') },
      // Emails are rendered and queued (part of the run), not sent: no relay in a benchmark.
      email: { enabled: false, admins: ['it-admin@example.com'] },
      mappings: deltaMappings(),
      policy: {
        leaver: 'deactivate',
        chunkSize: CHUNK_SIZE,
        concurrency: CONCURRENCY,
        guards: { maxRemovals: 1_000_000, maxRemovalPercent: 50, maxShrinkPercent: 50, minDirectoryUsers: 1 },
      },
      log: { level: 'info' },
    }),
  );
  const config = loadConfig({ path: configFile });
  const db = await openStore(config);
  onCleanup('store', () => closeStore(db));
  const worker = startCli('worker', ['worker', '--config', configFile, '--workflow-bundle', bundle], path.join(dir, 'worker.log'));
  onCleanup('worker', () => worker.stop());
  await waitForPollers(client, taskQueue, worker);
  await sleep(1000);
  return { n, client, config, db, slapd, emulator, worker };
}

// ---- setup: the full reconcile -------------------------------------------------------------------

interface FullResult {
  runId: string;
  status: string;
  wallSeconds: number;
  summary: RunResult['summary'];
  zoomCalls: number;
  callsByEndpoint: Record<string, number>;
  rateLimited429: number;
}

async function fullReconcile(env: Env): Promise<FullResult> {
  log('setup: full reconcile (sets the mirror and the change marker)…');
  const before = await emulatorStats(env.emulator.url);
  const t0 = performance.now();
  const handle = await env.client.workflow.start(reconcileWorkflow, {
    taskQueue: env.config.temporal.taskQueue,
    workflowId: reconcileWorkflowId(env.config),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ mode: 'apply', trigger: 'bench' }],
  });
  const result = await handle.result();
  const wallSeconds = (performance.now() - t0) / 1000;
  const after = await emulatorStats(env.emulator.url);
  if (result.status !== 'completed') throw new Error(`the setup's full reconcile ${result.runId} ended ${result.status}${result.error ? `: ${result.error}` : ''}`);
  const calls = diff(after.calls, before.calls);
  const out = { runId: result.runId, status: result.status, wallSeconds: round(wallSeconds, 2), summary: result.summary, zoomCalls: apiCalls(calls), callsByEndpoint: calls, rateLimited429: after.rateLimited - before.rateLimited };
  log(`setup: full reconcile ${out.wallSeconds} s, ${out.zoomCalls} Zoom calls, summary ${JSON.stringify(out.summary)}`);
  return out;
}

// ---- idle polls ----------------------------------------------------------------------------------

interface IdleResult {
  polls: number;
  outcomes: Record<string, number>;
  workflowMs: number[];
  activityMs: number[];
  activityWaitMs: number[];
  /** connectDirectory + readChangeMarker + unbind, in this process. */
  ldapMs: number[];
  /** readChangeMarker alone (the two searches on an open, bound connection). */
  ldapReadMs: number[];
  zoomCalls: number;
}

async function idlePolls(env: Env, k: number): Promise<IdleResult> {
  log(`idle: ${k} delta polls with no directory change…`);
  const before = await emulatorStats(env.emulator.url);
  const outcomes: Record<string, number> = {};
  const workflowMs: number[] = [];
  const activityMs: number[] = [];
  const activityWaitMs: number[] = [];
  for (let i = 1; i <= k; i++) {
    const t0 = performance.now();
    const handle = await env.client.workflow.start(deltaReconcileWorkflow, {
      taskQueue: env.config.temporal.taskQueue,
      workflowId: `bench-delta-idle-${i}-${process.pid}`,
      args: [{ trigger: 'bench' }],
    });
    const r: DeltaResult = await handle.result();
    workflowMs.push(round(performance.now() - t0, 1));
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.outcome !== 'idle') log(`idle poll ${i}: outcome ${r.outcome} (${r.detail}) — expected idle`);
    const poll = (await activityTimings(handle)).find((a) => a.type === 'pollDirectoryChanges');
    if (poll) {
      activityMs.push(poll.runMs);
      activityWaitMs.push(poll.waitMs);
    }
    await sleep(200);
  }
  const after = await emulatorStats(env.emulator.url);

  // The LDAP part of an idle poll, with the product's own functions: connect + bind + the marker.
  const logger = createLogger({ level: 'warn', destination: process.stderr, pretty: false });
  const ldapMs: number[] = [];
  const ldapReadMs: number[] = [];
  for (let i = 0; i < k; i++) {
    const t0 = performance.now();
    const c = await connectDirectory(env.config.directory, logger);
    const t1 = performance.now();
    const marker = await readChangeMarker(c, env.config.directory);
    const t2 = performance.now();
    await c.unbind().catch(() => undefined);
    const t3 = performance.now();
    if (marker === null) throw new Error('readChangeMarker answered null: the directory offers no change marker (syncprov missing?)');
    ldapMs.push(round(t3 - t0, 2));
    ldapReadMs.push(round(t2 - t1, 2));
  }
  const res = { polls: k, outcomes, workflowMs, activityMs, activityWaitMs, ldapMs, ldapReadMs, zoomCalls: apiCalls(diff(after.calls, before.calls)) };
  log(`idle: outcomes ${JSON.stringify(outcomes)}; workflow p50 ${median(workflowMs)} ms, activity p50 ${median(activityMs)} ms, LDAP p50 ${median(ldapMs)} ms; Zoom calls ${res.zoomCalls}`);
  return res;
}

// ---- joiners under the delta schedule ------------------------------------------------------------

interface Sample {
  /** Request sent / answer received, ms since the epoch. */
  sentMs: number;
  gotMs: number;
  /** Zoom API calls so far (tokens excluded). */
  calls: number;
  rateLimited: number;
}

interface Joiner {
  uid: string;
  email: string;
  groups: string[];
  want: Desired;
  /** When its last group modify was answered (ms since the epoch). */
  writtenMs?: number;
  /** Arrival of the first stats sample showing its create and all its queue adds. */
  doneMs?: number;
  latencySeconds?: number;
  /** The delta run that had it in its scope first, and when its scheduled workflow started. */
  pickedUpBy?: string;
  pickupStartMs?: number;
}

interface ScheduledDelta {
  workflowId: string;
  startedAt: string;
  outcome: DeltaResult['outcome'] | 'not closed';
  detail: string;
  runId: string | null;
  status: string | null;
  pollMs: number | null;
  wallMs: number | null;
  steps: string;
}

interface DeltaRunCost {
  runId: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  seconds: number | null;
  scope: number;
  foundInZcc: number;
  ops: Record<string, number>;
  readBound: number;
  writeBound: number;
  bound: number;
  calls: number | null;
  /** Write calls as the worker counted them (the run report's apiCalls). */
  reportedWriteCalls: number;
  ratio: number | null;
}

interface JoinerResult {
  joiners: number;
  spreadSeconds: number;
  intervalSeconds: number;
  written: number;
  provisioned: number;
  latencySeconds: { p50: number; p95: number; max: number; mean: number };
  /**
   * The latency in two parts: from the write to the start of the scheduled delta that picked the
   * joiner up (the wait for a tick: ≤ interval unless a tick was skipped or missed it), and from
   * that start to provisioned (the delta's own work). `later` = joiners not picked up by the
   * first tick after their write.
   */
  breakdown: { waitForTickP50: number; waitForTickMax: number; tickToProvisionedP50: number; tickToProvisionedP95: number; tickToProvisionedMax: number; later: number };
  missing: string[];
  wrongState: string[];
  scheduled: ScheduledDelta[];
  outcomes: Record<string, number>;
  runs: DeltaRunCost[];
  changeCost: { calls: number; bound: number; ratio: number | null; phaseCalls: number; callsByEndpoint: Record<string, number> };
  rateLimited429: number;
  perJoiner: Array<{ uid: string; groups: string[]; latencySeconds: number | null; pickedUpBy: string | null; waitForTickSeconds: number | null }>;
}

async function joinerPhase(env: Env, args: Args): Promise<JoinerResult> {
  const { client, config } = env;
  const joiners: Joiner[] = Array.from({ length: args.joiners }, (_, i) => {
    const uid = deltaJoinerUid(i + 1);
    const groups = groupsOf(i + 1);
    return { uid, email: mailOf(uid), groups, want: desiredOf(groups) };
  });
  const admin: LdapClient = await openAdmin(env.slapd);
  const scheduleId = `bench-delta-${process.pid}`;
  const workflowIdPrefix = `bench-delta-scheduled-${process.pid}`;
  const statsBefore = await emulatorStats(env.emulator.url);

  // Sampler: every ~1 s, all phase long (also feeds the per-run call attribution).
  const samples: Sample[] = [];
  let sampling = true;
  const byUser: Record<string, Stats['byUser'][string]> = {};
  const sampler = (async () => {
    while (sampling) {
      const sentMs = Date.now();
      let s: Stats;
      try {
        s = await emulatorStats(env.emulator.url);
      } catch (err) {
        log(`stats sample failed: ${(err as Error).message}`);
        await sleep(SAMPLE_MS);
        continue;
      }
      const gotMs = Date.now();
      samples.push({ sentMs, gotMs, calls: apiCalls(s.calls), rateLimited: s.rateLimited });
      for (const j of joiners) {
        if (j.writtenMs === undefined || j.doneMs !== undefined) continue;
        const c = s.byUser[j.email];
        if (c) byUser[j.email] = c;
        if (c && c.create >= 1 && c.queueAdd >= j.want.queues.length) {
          j.doneMs = gotMs;
          j.latencySeconds = round((gotMs - j.writtenMs) / 1000, 2);
        }
      }
      await sleep(Math.max(0, SAMPLE_MS - (Date.now() - sentMs)));
    }
  })();

  const phaseStartIso = new Date().toISOString();
  log(`joiners: schedule every ${args.intervalSeconds} s; ${args.joiners} joiners over ${args.spreadSeconds} s…`);
  await client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: `${args.intervalSeconds}s` }] },
    action: { type: 'startWorkflow', workflowType: deltaReconcileWorkflow, workflowId: workflowIdPrefix, taskQueue: config.temporal.taskQueue, args: [{ trigger: 'schedule' }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  });
  let scheduleDeleted = false;
  onCleanup('schedule', async () => {
    if (!scheduleDeleted) await client.schedule.getHandle(scheduleId).delete();
  });

  try {
    const t0 = Date.now();
    const gapMs = (args.spreadSeconds * 1000) / args.joiners;
    for (let k = 0; k < joiners.length; k++) {
      const at = t0 + (k + 0.5) * gapMs;
      if (at > Date.now()) await sleep(at - Date.now());
      await addJoiner(admin, joiners[k].uid, joiners[k].groups);
      joiners[k].writtenMs = Date.now();
      if ((k + 1) % Math.max(1, Math.ceil(joiners.length / 10)) === 0) {
        const done = joiners.filter((j) => j.doneMs !== undefined).length;
        log(`joiners: ${k + 1}/${joiners.length} written, ${done} provisioned`);
      }
      if (env.worker.exited()) throw new Error(`the worker exited:\n${env.worker.tail()}`);
    }
    const lastWrite = Date.now();
    while (joiners.some((j) => j.doneMs === undefined) && Date.now() - lastWrite < args.settleSeconds * 1000) await sleep(500);
    const late = joiners.filter((j) => j.doneMs === undefined);
    if (late.length) log(`joiners: ${late.length} not provisioned ${args.settleSeconds} s after the last write: ${late.slice(0, 10).map((j) => j.uid).join(', ')}${late.length > 10 ? ', …' : ''}`);
  } finally {
    await client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    scheduleDeleted = true;
    await admin.unbind().catch(() => undefined);
  }

  // Let the delta in flight (if any) finish, then stop sampling.
  const listQuery = `WorkflowType = 'deltaReconcileWorkflow' AND StartTime >= '${phaseStartIso}'`;
  const deadline = Date.now() + 600_000;
  for (;;) {
    let running = 0;
    for await (const w of client.workflow.list({ query: listQuery })) if (w.status.name === 'RUNNING' && w.workflowId.startsWith(workflowIdPrefix)) running++;
    if (running === 0 || Date.now() > deadline) break;
    await sleep(1000);
  }
  await sleep(SAMPLE_MS * 2);
  sampling = false;
  await sampler;
  const statsAfter = await emulatorStats(env.emulator.url);

  // The scheduled deltas, from Temporal: outcome, poll activity, run.
  const scheduled: ScheduledDelta[] = [];
  for await (const w of client.workflow.list({ query: listQuery })) {
    if (!w.workflowId.startsWith(workflowIdPrefix)) continue;
    const handle = client.workflow.getHandle(w.workflowId, w.runId);
    let r: DeltaResult | null = null;
    if (w.status.name === 'COMPLETED') r = (await handle.result()) as DeltaResult;
    const acts = await activityTimings(handle);
    scheduled.push({
      workflowId: w.workflowId,
      startedAt: w.startTime.toISOString(),
      outcome: r?.outcome ?? 'not closed',
      detail: r?.detail ?? w.status.name,
      runId: r?.run?.runId ?? null,
      status: r?.run?.status ?? null,
      pollMs: acts.find((a) => a.type === 'pollDirectoryChanges')?.runMs ?? null,
      wallMs: w.closeTime ? w.closeTime.getTime() - w.startTime.getTime() : null,
      steps: stepsText(acts),
    });
  }
  scheduled.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const outcomes: Record<string, number> = {};
  for (const s of scheduled) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;

  // Exact end state of every joiner (one state read).
  const state = await emulatorState(env.emulator.url);
  const byEmail = new Map(state.users.map((u) => [u.email.toLowerCase(), u]));
  const wrongState: string[] = [];
  for (const j of joiners) {
    const u = byEmail.get(j.email);
    const ok = u && u.role === j.want.role && u.package === j.want.package && u.access === 'active' && [...u.queues].sort().join(',') === [...j.want.queues].sort().join(',');
    if (!ok && j.doneMs !== undefined) wrongState.push(`${j.uid}: want ${JSON.stringify(j.want)}, have ${u ? JSON.stringify({ role: u.role, package: u.package, access: u.access, queues: u.queues }) : 'no ZCC user'}`);
  }

  const runs = await deltaRunCosts(env.db, samples, phaseStartIso);
  // Which delta run picked each joiner up, and when its scheduled workflow started.
  const startOfRun = new Map(scheduled.filter((x) => x.runId).map((x) => [x.runId!, Date.parse(x.startedAt)]));
  const firstRunOf = new Map<string, string>();
  for (const r of runs) {
    for (const email of (await env.db('run_scope').where({ run_id: r.runId }).pluck('email')) as string[]) if (!firstRunOf.has(email)) firstRunOf.set(email, r.runId);
  }
  const tickStarts = scheduled.map((x) => Date.parse(x.startedAt)).sort((a, b) => a - b);
  let later = 0;
  for (const j of joiners) {
    j.pickedUpBy = firstRunOf.get(j.email);
    j.pickupStartMs = j.pickedUpBy ? startOfRun.get(j.pickedUpBy) : undefined;
    const firstTick = tickStarts.find((t) => j.writtenMs !== undefined && t >= j.writtenMs);
    if (j.pickupStartMs !== undefined && firstTick !== undefined && j.pickupStartMs > firstTick) later++;
  }
  const waits = joiners.filter((j) => j.pickupStartMs !== undefined && j.writtenMs !== undefined).map((j) => round((j.pickupStartMs! - j.writtenMs!) / 1000, 2));
  const works = joiners.filter((j) => j.pickupStartMs !== undefined && j.doneMs !== undefined).map((j) => round((j.doneMs! - j.pickupStartMs!) / 1000, 2));
  const attributed = runs.filter((r) => r.calls !== null);
  const calls = attributed.reduce((s, r) => s + r.calls!, 0);
  const bound = attributed.reduce((s, r) => s + r.bound, 0);
  const phaseCalls = diff(statsAfter.calls, statsBefore.calls);
  const lat = joiners.filter((j) => j.latencySeconds !== undefined).map((j) => j.latencySeconds!);
  return {
    joiners: args.joiners,
    spreadSeconds: args.spreadSeconds,
    intervalSeconds: args.intervalSeconds,
    written: joiners.filter((j) => j.writtenMs !== undefined).length,
    provisioned: lat.length,
    latencySeconds: { p50: pct(lat, 50), p95: pct(lat, 95), max: lat.length ? Math.max(...lat) : NaN, mean: lat.length ? round(lat.reduce((a, b) => a + b, 0) / lat.length, 2) : NaN },
    breakdown: {
      waitForTickP50: median(waits),
      waitForTickMax: waits.length ? Math.max(...waits) : NaN,
      tickToProvisionedP50: median(works),
      tickToProvisionedP95: pct(works, 95),
      tickToProvisionedMax: works.length ? Math.max(...works) : NaN,
      later,
    },
    missing: joiners.filter((j) => j.doneMs === undefined).map((j) => `${j.uid} (stats ${JSON.stringify(byUser[j.email] ?? null)}, want ${j.want.queues.length} queues)`),
    wrongState,
    scheduled,
    outcomes,
    runs,
    changeCost: { calls, bound, ratio: bound > 0 ? round(calls / bound, 3) : null, phaseCalls: apiCalls(phaseCalls), callsByEndpoint: phaseCalls },
    rateLimited429: statsAfter.rateLimited - statsBefore.rateLimited,
    perJoiner: joiners.map((j) => ({
      uid: j.uid,
      groups: j.groups,
      latencySeconds: j.latencySeconds ?? null,
      pickedUpBy: j.pickedUpBy ?? null,
      waitForTickSeconds: j.pickupStartMs !== undefined && j.writtenMs !== undefined ? round((j.pickupStartMs - j.writtenMs) / 1000, 2) : null,
    })),
  };
}

const BATCH: Record<string, number> = { create: 20, update: 20, deactivate: 20, remove: 20 };

/** Lower bound of write calls of a run from its ops (see the file comment). */
async function writeBound(db: Store, runId: string): Promise<{ byKind: Record<string, number>; bound: number }> {
  const shape = await opShape(db, runId);
  const byKind: Record<string, number> = {};
  for (const r of shape.byKind) byKind[r.kind] = r.n;
  let bound = byKind.queueRemove ?? 0;
  for (const [kind, size] of Object.entries(BATCH)) bound += Math.ceil((byKind[kind] ?? 0) / size);
  const perQueue: Record<string, number> = {};
  for (const r of shape.queueAddsByChunkAndQueue) perQueue[String(r.queue)] = (perQueue[String(r.queue)] ?? 0) + r.n;
  for (const n of Object.values(perQueue)) bound += Math.ceil(n / 30);
  return { byKind, bound };
}

/** Every delta run since `sinceIso`, with its calls (between the samples around it) and its bound. */
async function deltaRunCosts(db: Store, samples: Sample[], sinceIso: string): Promise<DeltaRunCost[]> {
  const rows = (await db('runs').where({ scope: 'delta' }).andWhere('created_at', '>=', sinceIso).orderBy('created_at')) as Array<{ id: string; status: string; created_at: string; finished_at: string | null; report: string | null }>;
  const out: DeltaRunCost[] = [];
  for (const r of rows) {
    const scope = Number(((await db('run_scope').where({ run_id: r.id }).count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
    const found = Number(((await db('cc_snapshot').where({ run_id: r.id }).count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
    const w = await writeBound(db, r.id);
    const startMs = Date.parse(r.created_at);
    const endMs = r.finished_at ? Date.parse(r.finished_at) : NaN;
    // Calls before: the last sample answered before the run row existed; after: the first sample sent after it finished.
    const before = [...samples].reverse().find((s) => s.gotMs <= startMs);
    const after = Number.isNaN(endMs) ? undefined : samples.find((s) => s.sentMs >= endMs);
    const calls = before && after ? after.calls - before.calls : null;
    const report = r.report ? (JSON.parse(r.report) as Partial<RunResult>) : null;
    const bound = scope + found + w.bound;
    out.push({
      runId: r.id,
      status: r.status,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      seconds: Number.isNaN(endMs) ? null : round((endMs - startMs) / 1000, 2),
      scope,
      foundInZcc: found,
      ops: w.byKind,
      readBound: scope + found,
      writeBound: w.bound,
      bound,
      calls,
      reportedWriteCalls: apiCalls(report?.apiCalls ?? {}),
      ratio: calls !== null && bound > 0 ? round(calls / bound, 3) : null,
    });
  }
  return out;
}

// ---- on demand -----------------------------------------------------------------------------------

interface OnDemandRun {
  uid: string;
  groups: string[];
  runId: string;
  status: string | null;
  detail: string;
  wallMs: number;
  zoomCalls: number;
  steps: string;
  stateOk: boolean;
}

async function onDemand(env: Env, m: number): Promise<OnDemandRun[]> {
  log(`on demand: ${m} × syncUsersWorkflow of one new joiner…`);
  const out: OnDemandRun[] = [];
  const admin = await openAdmin(env.slapd);
  try {
    for (let i = 1; i <= m; i++) {
      const uid = onDemandUid(i);
      const groups = groupsOf(i + 7); // a different mix of groups than the first joiners
      await addJoiner(admin, uid, groups);
      const before = await emulatorStats(env.emulator.url);
      const runId = `syn-${randomBytes(8).toString('hex')}`;
      const t0 = performance.now();
      await addRunScope(env.db, runId, [mailOf(uid)]);
      const handle = await env.client.workflow.start(syncUsersWorkflow, {
        taskQueue: env.config.temporal.taskQueue,
        workflowId: `bench-sync-${runId}`,
        args: [{ runId, trigger: 'cli:bench' }],
      });
      const r: SyncUsersResult = await handle.result();
      const wallMs = round(performance.now() - t0, 1);
      const after = await emulatorStats(env.emulator.url);
      // Created and in every queue (stats); exact role, package and queues checked below, in one state read.
      const c = after.byUser[mailOf(uid)];
      const stateOk = Boolean(c && c.create >= 1 && c.queueAdd >= desiredOf(groups).queues.length);
      out.push({ uid, groups, runId, status: r.run?.status ?? null, detail: r.detail, wallMs, zoomCalls: apiCalls(diff(after.calls, before.calls)), steps: stepsText(await activityTimings(handle)), stateOk });
      log(`on demand ${i}: ${wallMs} ms, ${r.run?.status ?? r.detail}, ${stateOk ? 'provisioned' : 'NOT provisioned'}`);
      await sleep(500);
    }
  } finally {
    await admin.unbind().catch(() => undefined);
  }
  const byEmail = new Map((await emulatorState(env.emulator.url)).users.map((u) => [u.email.toLowerCase(), u]));
  for (const o of out) {
    const want = desiredOf(o.groups);
    const u = byEmail.get(mailOf(o.uid));
    o.stateOk &&= Boolean(u && u.role === want.role && u.package === want.package && u.access === 'active' && [...u.queues].sort().join(',') === [...want.queues].sort().join(','));
  }
  return out;
}

// ---- output --------------------------------------------------------------------------------------

interface Result {
  users: number;
  startedAt: string;
  plan: string;
  rateScale: number;
  groups: string[];
  setupSeconds: number;
  full: FullResult;
  idle: IdleResult;
  joiners: JoinerResult;
  onDemand: OnDemandRun[];
  table: Array<{ figure: string; value: string; goal: string; met: boolean | null }>;
}

function buildTable(r: Omit<Result, 'table'>): Result['table'] {
  const j = r.joiners;
  const od = r.onDemand.map((x) => x.wallMs);
  const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
  return [
    { figure: 'full reconcile: wall time', value: `${fmt(r.full.wallSeconds)} s`, goal: 'for comparison', met: null },
    { figure: 'full reconcile: Zoom calls', value: String(r.full.zoomCalls), goal: 'for comparison', met: null },
    { figure: `idle poll: activity run time p50 / max (${r.idle.polls} polls)`, value: `${fmt(median(r.idle.activityMs))} / ${fmt(Math.max(...r.idle.activityMs))} ms`, goal: '≤ 100 ms', met: pct(r.idle.activityMs, 50) <= 100 },
    { figure: 'idle poll: LDAP connect+bind+marker p50 / max', value: `${fmt(median(r.idle.ldapMs))} / ${fmt(Math.max(...r.idle.ldapMs))} ms`, goal: '≤ 100 ms', met: pct(r.idle.ldapMs, 50) <= 100 },
    { figure: 'idle poll: workflow wall p50 / max', value: `${fmt(median(r.idle.workflowMs))} / ${fmt(Math.max(...r.idle.workflowMs))} ms`, goal: '(info)', met: null },
    { figure: 'idle polls: Zoom calls', value: String(r.idle.zoomCalls), goal: '0', met: r.idle.zoomCalls === 0 },
    { figure: `joiner latency p50 (${j.provisioned}/${j.joiners} provisioned)`, value: `${fmt(j.latencySeconds.p50)} s`, goal: '(info)', met: null },
    { figure: 'joiner latency p95', value: `${fmt(j.latencySeconds.p95)} s`, goal: '≤ 60 s', met: j.provisioned === j.joiners && j.latencySeconds.p95 <= 60 },
    { figure: 'joiner latency max', value: `${fmt(j.latencySeconds.max)} s`, goal: '(info)', met: null },
    { figure: `change cost: Σ calls ÷ Σ bound (${j.runs.length} delta runs)`, value: j.changeCost.ratio === null ? '–' : `${j.changeCost.calls} ÷ ${j.changeCost.bound} = ${j.changeCost.ratio.toFixed(3)}`, goal: '≤ 1.1', met: j.changeCost.ratio === null ? null : j.changeCost.ratio <= 1.1 },
    { figure: `on demand: syncUsersWorkflow wall, median of ${od.length}`, value: `${fmt(median(od) / 1000, 2)} s`, goal: '≤ 3 s', met: median(od) <= 3000 && r.onDemand.every((x) => x.status === 'completed' && x.stateOk) },
  ];
}

function printResult(r: Result): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out('');
  out(`Delta sync benchmark, N = ${r.users} directory users (4 mapped groups, 4 queues; emulator ${r.plan} × ${r.rateScale}, governor × ${r.rateScale}; ${r.startedAt})`);
  out(`  setup: slapd load ${r.setupSeconds} s; full reconcile ${r.full.runId}: ${r.full.wallSeconds} s, ${r.full.zoomCalls} Zoom calls (${Object.entries(r.full.callsByEndpoint).map(([k, v]) => `${k} ${v}`).join(', ')}), summary ${JSON.stringify(r.full.summary)}, 429s ${r.full.rateLimited429}`);
  const i = r.idle;
  out(`  idle: ${i.polls} polls, outcomes ${JSON.stringify(i.outcomes)}; activity ms ${i.activityMs.join(' ')} (queue wait p50 ${median(i.activityWaitMs)}); LDAP ms ${i.ldapMs.join(' ')} (marker read alone p50 ${median(i.ldapReadMs)}); workflow ms p50 ${median(i.workflowMs)}; Zoom calls ${i.zoomCalls}`);
  const j = r.joiners;
  out(`  joiners: ${j.written} written over ${j.spreadSeconds} s, ${j.provisioned} provisioned; latency s p50 ${j.latencySeconds.p50}, p95 ${j.latencySeconds.p95}, max ${j.latencySeconds.max}, mean ${j.latencySeconds.mean}; 429s ${j.rateLimited429}`);
  const b = j.breakdown;
  out(`    = wait for the tick that picked it up (p50 ${b.waitForTickP50} s, max ${b.waitForTickMax} s; ${b.later} joiner(s) not picked up by the first tick after their write) + tick → provisioned (p50 ${b.tickToProvisionedP50} s, p95 ${b.tickToProvisionedP95} s, max ${b.tickToProvisionedMax} s)`);
  if (j.missing.length) out(`    NOT provisioned: ${j.missing.join('; ')}`);
  if (j.wrongState.length) out(`    WRONG end state: ${j.wrongState.join('; ')}`);
  out(`    scheduled deltas (every ${j.intervalSeconds} s): ${JSON.stringify(j.outcomes)}`);
  for (const s of j.scheduled) {
    out(`      ${s.startedAt.slice(11, 19)} ${s.outcome.padEnd(5)} poll ${s.pollMs ?? '–'} ms, wall ${s.wallMs ?? '–'} ms${s.runId ? `, run ${s.runId} ${s.status}` : ''}${s.outcome !== 'idle' ? ` — ${s.steps}` : ''}${s.outcome === 'full' || s.outcome === 'busy' ? ` (${s.detail})` : ''}`);
  }
  out(`    delta runs (calls ÷ bound; bound = scope + found in ZCC + write bound):`);
  for (const d of j.runs) {
    out(`      ${d.runId} ${d.status} ${d.seconds ?? '–'} s: scope ${d.scope}, found ${d.foundInZcc}, ops ${JSON.stringify(d.ops)}; calls ${d.calls ?? '?'} (worker-counted writes ${d.reportedWriteCalls}) ÷ bound ${d.bound} (${d.readBound} reads + ${d.writeBound} writes) = ${d.ratio ?? '–'}`);
  }
  out(`    Σ calls ${j.changeCost.calls} ÷ Σ bound ${j.changeCost.bound} = ${j.changeCost.ratio}; all Zoom calls of the phase ${j.changeCost.phaseCalls} (${Object.entries(j.changeCost.callsByEndpoint).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  out(`  on demand: ${r.onDemand.map((o) => `${o.wallMs} ms (${o.status ?? o.detail}, ${o.zoomCalls} calls, state ${o.stateOk ? 'ok' : 'WRONG'})`).join('; ')}`);
  if (r.onDemand[0]) out(`    steps of the first: ${r.onDemand[0].steps}`);
  out('');
  const rows = [['figure', 'value', 'goal', ''], ...r.table.map((t) => [t.figure, t.value, t.goal, t.met === null ? '' : t.met ? 'met' : 'NOT MET'])];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) out(row.map((c, k) => c.padEnd(widths[k])).join('  ').trimEnd());
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(ROOT, { recursive: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`${sig}: stopping everything the benchmark started…\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  const startedAt = new Date().toISOString();
  try {
    log('bundling the workflows…');
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
    const bundle = path.join(ROOT, 'workflow-bundle.js');
    writeFileSync(bundle, code);

    log('starting the Temporal dev server…');
    const dbFile = path.join(ROOT, `temporal-${process.pid}.db`);
    const temporal = await startTemporal({ headless: true, dbFile, useEnvAddress: false, timeoutMs: 180_000 });
    onCleanup('temporal', async () => {
      await temporal.stop();
      for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) await rm(f, { force: true });
    });
    const connection = await Connection.connect({ address: temporal.address });
    onCleanup('temporal client', () => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const t0 = performance.now();
    const env = await startEnv(args, client, temporal.address, bundle);
    const setupSeconds = round((performance.now() - t0) / 1000, 2);
    const full = await fullReconcile(env);
    const idle = await idlePolls(env, args.idlePolls);
    const joiners = await joinerPhase(env, args);
    const od = await onDemand(env, args.onDemand);

    const partial = {
      users: args.users,
      startedAt,
      plan: PLAN,
      rateScale: RATE_SCALE,
      groups: GROUPS.map((g) => `${g.cn} (${g.role}/${g.package}, prio ${g.priority}: ${g.queues.join('+')})`),
      setupSeconds,
      full,
      idle,
      joiners,
      onDemand: od,
    };
    const result: Result = { ...partial, table: buildTable(partial) };
    const resultsDir = path.join(REPO, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `delta-${args.users}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    printResult(result);
    process.stdout.write(`(written to ${path.relative(process.cwd(), file)})\n`);
  } finally {
    await cleanupAll();
    if (!args.keep) await rm(ROOT, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
