/**
 * Reconcile benchmark (issue 4, acceptance 10): for N directory users (10k, 100k), a real slapd,
 * the ZCC emulator and the zcc-sync worker as separate processes, and its own Temporal dev
 * server. Scenarios, each a `reconcileWorkflow` started like `zcc-sync apply` does:
 *
 *   1. initial       empty ZCC → N creates + queue adds
 *   2. no-op         immediately again: 0 writes expected
 *   3. churn 1%      1% of the users leave their groups, 1% new users join, then reconcile
 *   4. rate-limited  the initial run again (fresh emulator and store) with the emulator at
 *                    business-plan limits × S and the worker's governor set to the same
 *
 * Per scenario: wall time, write calls by endpoint (emulator stats) ÷ their lower bound, worker
 * peak RSS, history events per execution of the continue-as-new chain, 429s; for scenario 4 the
 * wall time ÷ the rate-limit bound Σ_label calls ÷ (label rate × S).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/reconcile.js [--users 10000,100000 | --quick] [--scale S[,S2…]|none]
 *       [--rate-only] [--noops K] [--keep] [--worker-node-args "--cpu-prof --cpu-prof-dir=DIR"]
 *
 * --scale: time scales of the rate-limited runs, one fresh run each (default 2; `none`: no such
 * run); --rate-only: only those; --noops K: K no-op runs after the initial one (default 1; more
 * show whether the worker's memory settles); --keep: keep .state/bench/reconcile/<pid>/ (logs,
 * stores); --worker-node-args: node flags for the worker process (diagnosis).
 *
 * Figures go to stdout and to bench/results/reconcile-<N>.json. Compare only numbers taken on the
 * same machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { stringify } from 'yaml';
import { startSlapd, type SlapdHandle } from '../devstack/slapd';
import { startTemporal } from '../devstack/temporal';
import { loadConfig } from '../src/config/load';
import type { Config } from '../src/config/schema';
import { closeStore, openStore, type Store } from '../src/store/db';
import { opShape } from '../src/store/ops';
import { reconcileWorkflowId } from '../src/temporal/ids';
import { OPERATIONS, ZCC_PLAN_RATES, type RateLabel } from '../src/zoom';
import { progressQuery, type Progress } from '../workflows/definitions';
import { reconcileWorkflow } from '../workflows/reconcile';
import type { RunResult } from '../src/domain/runs';
import { applyChurn, directorySpec, GROUPS, joinerCount, mappings, QUEUES, seed, type ChurnResult } from './reconcile-data';
import { cpuSeconds, peakRssMb, REPO, resetPeakRss, rssMb, RssSampler, startCli, startEmulatorProcess, type ChildHandle } from './reconcile-procs';

// Per process: two benchmark runs in one checkout must not delete each other's directories.
const ROOT = path.join(REPO, '.state', 'bench', 'reconcile', String(process.pid));
const EMULATOR_CREDENTIALS = { accountId: 'emulator-account', clientId: 'emulator-client', clientSecret: 'emulator-secret' };
/** Governor scale for the unthrottled scenarios: far above anything the emulator can serve. */
const UNTHROTTLED_SCALE = 1000;
const CHUNK_SIZE = 100;
const CONCURRENCY = 4;
const PLAN = 'business' as const;
/**
 * Default time scale of the rate-limited run: business × 2 = 40 Medium calls/s. Much higher
 * scales (× 10 = 200/s) exceed what worker + emulator + Temporal sustain on a small shared
 * machine, and then the run measures the machine, not the pacing (see the unthrottled runs'
 * calls per second).
 */
const DEFAULT_SCALE = 2;

// ---- arguments ---------------------------------------------------------------------------------

interface Args {
  sizes: number[];
  /** Time scales of the rate-limited runs (one fresh run each). */
  scales: number[];
  /** Only the rate-limited runs (skip initial / no-op / churn). */
  rateOnly: boolean;
  /** No-op runs after the initial one (more than 1 shows whether the worker's memory settles). */
  noops: number;
  keep: boolean;
  /** Node flags for the worker process (diagnosis: --cpu-prof, --heapsnapshot-signal=SIGUSR2, --max-old-space-size=N). */
  workerNodeArgs: string[];
}

function parseArgs(argv: string[]): Args {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const users = value('users');
  const sizes = argv.includes('--quick') ? [10_000] : users ? users.split(',').map((s) => Number(s.trim())) : [10_000, 100_000];
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 100) throw new Error(`--users: expected comma-separated whole numbers ≥ 100, got ${JSON.stringify(users)}`);
  }
  const scaleArg = value('scale') ?? String(DEFAULT_SCALE);
  const scales = scaleArg === 'none' ? [] : scaleArg.split(',').map((x) => Number(x.trim()));
  for (const sc of scales) {
    if (!Number.isFinite(sc) || sc <= 0) throw new Error(`--scale: expected comma-separated numbers > 0 (time scales of the business plan's rates), got ${JSON.stringify(value('scale'))}`);
  }
  const noops = Number(value('noops') ?? 1);
  if (!Number.isInteger(noops) || noops < 1) throw new Error(`--noops: expected a whole number ≥ 1, got ${value('noops')}`);
  return { sizes, scales, noops, rateOnly: argv.includes('--rate-only'), keep: argv.includes('--keep'), workerNodeArgs: (value('worker-node-args') ?? '').split(' ').filter(Boolean) };
}

// ---- clean-up of everything started --------------------------------------------------------------

const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
function onCleanup(name: string, run: () => Promise<void>): () => Promise<void> {
  const entry = { name, run };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
    await run();
  };
}
async function cleanupAll(): Promise<void> {
  while (cleanups.length) {
    const c = cleanups.pop()!;
    await c.run().catch((err: unknown) => process.stderr.write(`cleanup ${c.name}: ${(err as Error).message}\n`));
  }
}

// ---- measuring one scenario ---------------------------------------------------------------------

type StatsDoc = { calls: Record<string, number>; rateLimited: number; statuses: Record<string, number> };

async function emulatorStats(url: string): Promise<StatsDoc> {
  const res = await fetch(`${url}/__emulator/stats`);
  if (!res.ok) throw new Error(`GET ${url}/__emulator/stats answered ${res.status}`);
  const s = (await res.json()) as StatsDoc;
  return { calls: s.calls, rateLimited: s.rateLimited, statuses: s.statuses };
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}

const isToken = (key: string) => key.includes('/oauth/token');
const isWrite = (key: string) => !key.startsWith('GET ') && !isToken(key);
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

const LABEL_OF = new Map<string, RateLabel>(Object.values(OPERATIONS).map((o) => [`${o.method} ${o.pathTemplate}`, o.label]));

/** Σ over labels of calls ÷ (label rate × scale), in seconds. Unknown endpoints count as medium. */
function rateBoundSeconds(calls: Record<string, number>, scale: number): { seconds: number; byLabel: Record<string, number>; unknown: string[] } {
  const byLabel: Record<string, number> = {};
  const unknown: string[] = [];
  for (const [key, n] of Object.entries(calls)) {
    if (isToken(key)) continue;
    let label = LABEL_OF.get(key);
    if (!label) {
      unknown.push(key);
      label = 'medium';
    }
    byLabel[label] = (byLabel[label] ?? 0) + n;
  }
  const rates = ZCC_PLAN_RATES[PLAN];
  const seconds = Object.entries(byLabel).reduce((s, [label, n]) => s + n / (rates[label as RateLabel] * scale), 0);
  return { seconds, byLabel, unknown };
}

interface OpCounts {
  byKind: Record<string, number>;
  queueAddsByQueue: Record<string, number>;
  /** The lower bound of write calls (whole run, see the file comment of the brief). */
  bound: number;
  /** The same bound computed chunk by chunk: what batching inside 100-user chunks can reach. */
  chunkBound: number;
}

const BATCH = { create: 20, update: 20, deactivate: 20, remove: 20 } as Record<string, number>;

async function opCounts(db: Store, runId: string): Promise<OpCounts> {
  const shape = await opShape(db, runId);
  const byKind: Record<string, number> = {};
  for (const r of shape.byKind) byKind[r.kind] = r.n;
  const queueAddsByQueue: Record<string, number> = {};
  let chunkBound = 0;
  for (const r of shape.queueAddsByChunkAndQueue) {
    const q = String(r.queue);
    queueAddsByQueue[q] = (queueAddsByQueue[q] ?? 0) + r.n;
    chunkBound += Math.ceil(r.n / 30);
  }
  for (const r of shape.byKindAndChunk) if (BATCH[r.kind]) chunkBound += Math.ceil(r.n / BATCH[r.kind]);
  chunkBound += byKind.queueRemove ?? 0;

  let bound = byKind.queueRemove ?? 0; // the API removes one agent per call
  for (const [kind, size] of Object.entries(BATCH)) bound += Math.ceil((byKind[kind] ?? 0) / size);
  for (const n of Object.values(queueAddsByQueue)) bound += Math.ceil(n / 30);
  return { byKind, queueAddsByQueue, bound, chunkBound };
}

interface Execution {
  runId: string;
  events: number;
}

interface ActivityTiming {
  type: string;
  /** applyChunk: the op kind of the chunk (from the activity's input). */
  kind?: string;
  scheduledMs: number;
  startedMs?: number;
  closedMs?: number;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const eventMs = (e: HistoryEvent) => {
  const t = e.eventTime;
  return t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;
};

/** Events of every execution in the continue-as-new chain that starts at `firstRunId`, and the activities' timings. */
async function historyChain(client: Client, workflowId: string, firstRunId: string): Promise<{ executions: Execution[]; activities: ActivityTiming[]; startedMs: number; closedMs: number }> {
  const executions: Execution[] = [];
  const activities: ActivityTiming[] = [];
  let startedMs = NaN;
  let closedMs = NaN;
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    executions.push({ runId, events: events.length });
    if (Number.isNaN(startedMs) && events.length > 0) startedMs = eventMs(events[0]);
    if (events.length > 0) closedMs = eventMs(events[events.length - 1]);
    const byScheduled = new Map<string, ActivityTiming>();
    for (const e of events) {
      const id = String(e.eventId ?? '');
      if (e.activityTaskScheduledEventAttributes) {
        const attrs = e.activityTaskScheduledEventAttributes;
        const a: ActivityTiming = { type: attrs.activityType?.name ?? '?', scheduledMs: eventMs(e) };
        const data = attrs.input?.payloads?.[0]?.data;
        if (a.type === 'applyChunk' && data) {
          try {
            a.kind = (JSON.parse(Buffer.from(data).toString('utf8')) as { kind?: string }).kind;
          } catch {
            /* not JSON: leave the kind out */
          }
        }
        byScheduled.set(id, a);
        activities.push(a);
      } else if (e.activityTaskStartedEventAttributes) {
        const a = byScheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId ?? ''));
        if (a) a.startedMs = eventMs(e);
      } else {
        const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
        const a = closed ? byScheduled.get(String(closed.scheduledEventId ?? '')) : undefined;
        if (a) a.closedMs = eventMs(e);
      }
    }
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return { executions, activities, startedMs, closedMs };
}

/** One step of a run as the server saw it: every activity but the apply chunks, which are summed. */
interface Step {
  name: string;
  /** Seconds from the workflow's start to the step's scheduling. */
  atS: number;
  /** Milliseconds from scheduled to started (task queue and worker pick-up). */
  waitMs: number;
  /** Milliseconds the step ran (for `apply chunks`: first start to last close). */
  runMs: number;
}

/** The run's timeline from its history: where the time between the API calls goes. */
function steps(activities: ActivityTiming[], startedMs: number, closedMs: number): Step[] {
  const out: Step[] = [];
  const at = (ms: number) => round((ms - startedMs) / 1000, 2);
  const chunks = activities.filter((a) => a.type === 'applyChunk' && a.startedMs !== undefined && a.closedMs !== undefined);
  let chunksAdded = false;
  for (const a of activities) {
    if (a.startedMs === undefined || a.closedMs === undefined) continue;
    if (a.type === 'applyChunk') {
      if (chunksAdded) continue;
      chunksAdded = true;
      const first = Math.min(...chunks.map((c) => c.startedMs!));
      const last = Math.max(...chunks.map((c) => c.closedMs!));
      out.push({ name: `apply chunks (${chunks.length})`, atS: at(Math.min(...chunks.map((c) => c.scheduledMs))), waitMs: Math.round(first - Math.min(...chunks.map((c) => c.scheduledMs))), runMs: Math.round(last - first) });
      continue;
    }
    out.push({ name: a.type, atS: at(a.scheduledMs), waitMs: Math.round(a.startedMs - a.scheduledMs), runMs: Math.round(a.closedMs - a.startedMs) });
  }
  out.push({ name: 'workflow closed', atS: at(closedMs), waitMs: 0, runMs: 0 });
  return out;
}

interface ChunkTimings {
  chunks: number;
  /** Median run time of the chunks of each op kind. */
  execP50MsByKind: Record<string, number>;
  execP50Ms: number;
  execP95Ms: number;
  scheduleToStartP50Ms: number;
  scheduleToStartP95Ms: number;
  /** Σ chunk execution time ÷ (first schedule … last close): how many chunks ran at once on average. */
  meanInFlight: number;
}

function chunkTimings(activities: ActivityTiming[]): ChunkTimings | null {
  const chunks = activities.filter((a) => a.type === 'applyChunk' && a.startedMs !== undefined && a.closedMs !== undefined);
  if (chunks.length === 0) return null;
  const pct = (xs: number[], p: number) => {
    const s = xs.slice().sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
  };
  const exec = chunks.map((a) => a.closedMs! - a.startedMs!);
  const wait = chunks.map((a) => a.startedMs! - a.scheduledMs);
  const span = Math.max(...chunks.map((a) => a.closedMs!)) - Math.min(...chunks.map((a) => a.scheduledMs));
  const execP50MsByKind: Record<string, number> = {};
  for (const kind of new Set(chunks.map((a) => a.kind ?? '?'))) {
    execP50MsByKind[kind] = pct(chunks.filter((a) => (a.kind ?? '?') === kind).map((a) => a.closedMs! - a.startedMs!), 50);
  }
  return {
    chunks: chunks.length,
    execP50MsByKind,
    execP50Ms: pct(exec, 50),
    execP95Ms: pct(exec, 95),
    scheduleToStartP50Ms: pct(wait, 50),
    scheduleToStartP95Ms: pct(wait, 95),
    meanInFlight: round(exec.reduce((x, y) => x + y, 0) / span, 2),
  };
}

interface ScenarioResult {
  scenario: string;
  runId: string;
  status: string;
  summary: RunResult['summary'];
  failures: number;
  wallSeconds: number;
  /** Seconds from the start of the run until each phase was first seen (progress query, every 100 ms). */
  phaseStart: Record<string, number>;
  applySeconds: number | null;
  /** The run's activities in order (apply chunks as one step), from the workflow history. */
  steps: Step[];
  workflowDurationSeconds: number;
  writes: number;
  writesByEndpoint: Record<string, number>;
  readsByEndpoint: Record<string, number>;
  ops: OpCounts;
  writesOverBound: number | null;
  writesOverChunkBound: number | null;
  workerPeakRssMb: number;
  workerSampledMaxRssMb: number;
  /** The same, per phase of the run (as its progress query said at the time of the sample). */
  workerSampledMaxRssMbByPhase: Record<string, number>;
  emulatorPeakRssMb: number;
  executions: Execution[];
  maxEventsPerExecution: number;
  chunkTimings: ChunkTimings | null;
  rateLimited429: number;
  /** RSS of the idle worker right after it started polling (this phase's worker). */
  workerStartRssMb: number;
  /** RSS of the worker when this scenario started (what earlier runs left behind). */
  workerRssBeforeMb: number;
  /** CPU seconds each process used during the scenario: shows which one bounds the wall time. */
  cpuSeconds: Record<string, number>;
  rateLimit?: {
    scale: number;
    boundSeconds: number;
    boundByLabel: Record<string, number>;
    writeBoundSeconds: number;
    wallOverBound: number;
    applyOverWriteBound: number | null;
    unknownEndpoints: string[];
  };
  churn?: ChurnResult;
}

interface Env {
  n: number;
  client: Client;
  config: Config;
  db: Store;
  worker: ChildHandle;
  emulator: ChildHandle & { url: string };
  scale?: number;
  workerStartRssMb: number;
  /** Processes whose CPU time is accounted per scenario. */
  pids: Record<string, number>;
}

async function runScenario(env: Env, scenario: string, extra: Partial<ScenarioResult> = {}): Promise<ScenarioResult> {
  const { client, config } = env;
  process.stderr.write(`[N=${env.n}] ${scenario}: reconciling…\n`);
  const before = await emulatorStats(env.emulator.url);
  const hwmReset = resetPeakRss(env.worker.pid) && resetPeakRss(env.emulator.pid);
  let phaseNow: string | undefined;
  const sampler = new RssSampler([env.worker.pid, env.emulator.pid], 200, () => phaseNow);
  const workerRssBeforeMb = Math.round(rssMb(env.worker.pid));
  const cpuBefore = Object.fromEntries(Object.entries(env.pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const workflowId = reconcileWorkflowId(config);
  const handle = await client.workflow.start(reconcileWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ mode: 'apply', trigger: 'bench' }],
  });
  const firstRunId = handle.firstExecutionRunId;
  const phaseStart: Record<string, number> = {};
  let finished = false;
  let lastProgress: Progress | undefined;
  const poll = (async (): Promise<void> => {
    while (!finished) {
      try {
        const p = await handle.query(progressQuery);
        lastProgress = p;
        phaseNow = p.phase;
        phaseStart[p.phase] ??= since();
        if (p.phase === 'held') throw new Error(`run ${p.runId} was held by the guards: ${p.heldReasons.join('; ')}`);
      } catch (err) {
        if ((err as Error).message.includes('held by the guards')) throw err;
        // Between continue-as-new executions or while a task is in flight: ask again.
      }
      if (env.worker.exited()) throw new Error(`the worker exited during ${scenario}:\n${env.worker.tail()}`);
      await sleep(100);
    }
  })();
  let result: RunResult;
  let wallSeconds: number;
  try {
    result = (await Promise.race([handle.result(), poll.then(() => new Promise<never>(() => undefined))])) as RunResult;
    // Taken when the result arrives: the poller may still be in a query (a query of a closed
    // workflow replays its whole history, ~0.5 s at 1,400 events) or in its sleep.
    wallSeconds = since();
  } finally {
    finished = true;
  }
  await poll.catch(() => undefined);
  const rss = sampler.stop();
  const cpu = Object.fromEntries(Object.entries(env.pids).map(([k, pid]) => [k, round(cpuSeconds(pid) - cpuBefore[k], 2)]));
  const after = await emulatorStats(env.emulator.url);
  if (result.status !== 'completed') throw new Error(`${scenario}: run ${result.runId} ended ${result.status}${result.error ? `: ${result.error}` : ''} (last progress ${JSON.stringify(lastProgress)})`);

  const calls = diff(after.calls, before.calls);
  const writesByEndpoint = Object.fromEntries(Object.entries(calls).filter(([k]) => isWrite(k)));
  const readsByEndpoint = Object.fromEntries(Object.entries(calls).filter(([k]) => k.startsWith('GET ')));
  const writes = sum(writesByEndpoint);
  const ops = await opCounts(env.db, result.runId);
  const { executions, activities, startedMs, closedMs } = await historyChain(client, workflowId, firstRunId);
  const applyStart = phaseStart.applying;
  const applyEnd = phaseStart.reporting ?? phaseStart.done ?? wallSeconds;
  const applySeconds = applyStart !== undefined ? applyEnd - applyStart : null;
  const out: ScenarioResult = {
    scenario,
    runId: result.runId,
    status: result.status,
    summary: result.summary,
    failures: result.failures,
    wallSeconds: round(wallSeconds, 2),
    phaseStart: Object.fromEntries(Object.entries(phaseStart).map(([k, v]) => [k, round(v, 2)])),
    applySeconds: applySeconds === null ? null : round(applySeconds, 2),
    workflowDurationSeconds: round(result.durationMs / 1000, 2),
    writes,
    writesByEndpoint,
    readsByEndpoint,
    ops,
    writesOverBound: ops.bound > 0 ? round(writes / ops.bound, 3) : null,
    writesOverChunkBound: ops.chunkBound > 0 ? round(writes / ops.chunkBound, 3) : null,
    workerPeakRssMb: Math.round(hwmReset ? peakRssMb(env.worker.pid) : NaN),
    workerSampledMaxRssMb: Math.round(rss.get(env.worker.pid) ?? NaN),
    workerSampledMaxRssMbByPhase: Object.fromEntries([...sampler.maxByLabel].map(([k, v]) => [k, Math.round(v)])),
    emulatorPeakRssMb: Math.round(hwmReset ? peakRssMb(env.emulator.pid) : rss.get(env.emulator.pid) ?? NaN),
    executions,
    maxEventsPerExecution: Math.max(...executions.map((e) => e.events)),
    chunkTimings: chunkTimings(activities),
    steps: steps(activities, startedMs, closedMs),
    rateLimited429: after.rateLimited - before.rateLimited,
    workerStartRssMb: env.workerStartRssMb,
    workerRssBeforeMb,
    cpuSeconds: cpu,
    ...extra,
  };
  if (env.scale !== undefined) {
    const all = rateBoundSeconds(calls, env.scale);
    const w = rateBoundSeconds(writesByEndpoint, env.scale);
    out.rateLimit = {
      scale: env.scale,
      boundSeconds: round(all.seconds, 2),
      boundByLabel: all.byLabel,
      writeBoundSeconds: round(w.seconds, 2),
      wallOverBound: round(wallSeconds / all.seconds, 3),
      applyOverWriteBound: applySeconds === null || w.seconds === 0 ? null : round(applySeconds / w.seconds, 3),
      unknownEndpoints: all.unknown,
    };
  }
  process.stderr.write(`[N=${env.n}] ${scenario}: ${out.wallSeconds} s, ${writes} writes (bound ${ops.bound}), worker peak ${out.workerPeakRssMb} MB\n`);
  return out;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

// ---- one environment (emulator + worker + store) ----------------------------------------------

interface PhaseOptions {
  n: number;
  name: string;
  dir: string;
  client: Client;
  temporalAddress: string;
  slapd: SlapdHandle;
  seedFile: string;
  bundle: string;
  /** Business-plan time scale for emulator and governor; undefined = no rate limits. */
  scale?: number;
  workerNodeArgs: string[];
  /** Other processes to account CPU time for (temporal, slapd). */
  pids: Record<string, number>;
}

async function withPhase<T>(o: PhaseOptions, fn: (env: Env) => Promise<T>): Promise<T> {
  const dir = path.join(o.dir, o.name);
  mkdirSync(dir, { recursive: true });
  const emuArgs = ['--seed', o.seedFile, ...(o.scale === undefined ? ['--no-rate-limits'] : ['--plan', PLAN, '--time-scale', String(o.scale)])];
  const emulator = await startEmulatorProcess(emuArgs, path.join(dir, 'emulator.log'));
  const stopEmulator = onCleanup(`emulator ${o.name}`, () => emulator.stop());
  try {
    const taskQueue = `bench-rec-${o.n}-${o.name}-${process.pid}`;
    const configFile = path.join(dir, 'zcc-sync.yaml');
    writeFileSync(
      configFile,
      stringify({
        stateDir: dir,
        temporal: { address: o.temporalAddress, namespace: 'default', taskQueue },
        directory: { url: o.slapd.url, bindDN: o.slapd.readerDN, bindPassword: o.slapd.readerPassword },
        contactCenter: { baseUrl: emulator.baseUrl, tokenUrl: emulator.tokenUrl, ...EMULATOR_CREDENTIALS, plan: PLAN, rateScale: o.scale ?? UNTHROTTLED_SCALE },
        store: { client: 'sqlite3', connection: path.join(dir, 'zcc-sync.sqlite') },
        // Emails are rendered and queued (part of the run), not sent: no relay in a benchmark.
        email: { enabled: false, admins: ['it-admin@example.com'] },
        mappings: mappings(),
        policy: {
          leaver: 'deactivate',
          chunkSize: CHUNK_SIZE,
          concurrency: CONCURRENCY,
          guards: { maxRemovals: 1_000_000, maxRemovalPercent: 50, maxShrinkPercent: 50, minDirectoryUsers: 1 },
        },
        log: { level: 'warn' },
      }),
    );
    const config = loadConfig({ path: configFile });
    const db = await openStore(config);
    const closeDb = onCleanup(`store ${o.name}`, () => closeStore(db));
    const worker = startCli('worker', ['worker', '--config', configFile, '--workflow-bundle', o.bundle], path.join(dir, 'worker.log'), undefined, o.workerNodeArgs);
    const stopWorker = onCleanup(`worker ${o.name}`, () => worker.stop());
    try {
      await waitForPollers(o.client, taskQueue, worker);
      await sleep(1000); // let start-up settle before the baseline
      const workerStartRssMb = Math.round(rssMb(worker.pid));
      const pids = { worker: worker.pid, emulator: emulator.pid, ...o.pids, bench: process.pid };
      return await fn({ n: o.n, client: o.client, config, db, worker, emulator, scale: o.scale, workerStartRssMb, pids });
    } finally {
      await stopWorker();
      await closeDb();
    }
  } finally {
    await stopEmulator();
  }
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

// ---- one size ------------------------------------------------------------------------------------

interface SizeResult {
  users: number;
  joiners: number;
  groups: string[];
  queues: string[];
  chunkSize: number;
  concurrency: number;
  rateScales: number[];
  startedAt: string;
  setupSeconds: number;
  scenarios: ScenarioResult[];
}

async function runSize(n: number, args: Args, client: Client, temporalAddress: string, temporalPid: number | undefined, bundle: string): Promise<SizeResult> {
  const dir = path.join(ROOT, `n${n}`);
  await rm(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  process.stderr.write(`[N=${n}] loading slapd with ${n} users…\n`);
  const slapd = await startSlapd({ dir: path.join(dir, 'ldap'), spec: directorySpec(n) });
  const stopSlapd = onCleanup(`slapd ${n}`, () => slapd.stop());
  const seedFile = path.join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify(seed(n)));
  const setupSeconds = round((performance.now() - t0) / 1000, 2);
  const scenarios: ScenarioResult[] = [];
  const pids: Record<string, number> = { slapd: slapd.pid, ...(temporalPid ? { temporal: temporalPid } : {}) };
  const phase = { n, dir, client, temporalAddress, slapd, seedFile, bundle, pids, workerNodeArgs: args.workerNodeArgs };
  try {
    if (!args.rateOnly) {
      await withPhase({ ...phase, name: 'unthrottled' }, async (env) => {
        scenarios.push(await runScenario(env, 'initial'));
        for (let i = 1; i <= args.noops; i++) scenarios.push(await runScenario(env, args.noops > 1 ? `no-op #${i}` : 'no-op'));
        process.stderr.write(`[N=${n}] churn: 1% leavers, 1% joiners in slapd…\n`);
        const churn = await applyChurn({ url: slapd.url, adminDN: slapd.adminDN, adminPassword: slapd.adminPassword }, n);
        scenarios.push(await runScenario(env, 'churn 1%', { churn }));
      });
    }
    for (const scale of args.scales) {
      await withPhase({ ...phase, name: `rate-limited-x${scale}`, scale }, async (env) => {
        scenarios.push(await runScenario(env, `rate-limited ×${scale}`));
      });
    }
  } finally {
    await stopSlapd();
    if (!args.keep) await rm(dir, { recursive: true, force: true });
  }
  return {
    users: n,
    joiners: joinerCount(n),
    groups: GROUPS.map((g) => `${g.cn} (${g.role}/${g.package}, prio ${g.priority}: ${g.queues.join('+')})`),
    queues: QUEUES,
    chunkSize: CHUNK_SIZE,
    concurrency: CONCURRENCY,
    rateScales: args.scales,
    startedAt,
    setupSeconds,
    scenarios,
  };
}

// ---- output --------------------------------------------------------------------------------------

function printTable(r: SizeResult): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out('');
  out(`Reconcile benchmark, N = ${r.users} directory users (4 mapped groups, 4 queues; chunkSize ${r.chunkSize}, concurrency ${r.concurrency}; ${r.startedAt})`);
  const cols: Array<[string, (s: ScenarioResult) => string]> = [
    ['scenario', (s) => s.scenario],
    ['wall s', (s) => s.wallSeconds.toFixed(1)],
    ['apply s', (s) => (s.applySeconds === null ? '–' : s.applySeconds.toFixed(1))],
    ['writes', (s) => String(s.writes)],
    ['bound', (s) => String(s.ops.bound)],
    ['ratio', (s) => (s.writesOverBound === null ? (s.writes === 0 ? '0 writes' : '∞') : s.writesOverBound.toFixed(3))],
    ['chunk bound', (s) => String(s.ops.chunkBound)],
    ['writes/s', (s) => (s.applySeconds && s.writes ? (s.writes / s.applySeconds).toFixed(0) : '–')],
    ['worker MB', (s) => `${s.workerPeakRssMb}`],
    ['events max', (s) => String(s.maxEventsPerExecution)],
    ['execs', (s) => String(s.executions.length)],
    ['429s', (s) => String(s.rateLimited429)],
    ['emulator MB', (s) => `${s.emulatorPeakRssMb}`],
  ];
  const rows = [cols.map(([h]) => h), ...r.scenarios.map((s) => cols.map(([, f]) => f(s)))];
  const widths = cols.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) out(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  for (const s of r.scenarios) {
    const kinds = Object.entries(s.ops.byKind).map(([k, v]) => `${k} ${v}`).join(', ') || 'no ops';
    out(`  ${s.scenario}: ops ${kinds}; writes ${Object.entries(s.writesByEndpoint).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    out(`    phases (s from start): ${Object.entries(s.phaseStart).map(([k, v]) => `${k} ${v}`).join(', ')}; events per execution ${s.executions.map((e) => e.events).join(' + ')}`);
    out(`    steps (s at scheduling, +wait/run ms): ${s.steps.map((t) => `${t.name} ${t.atS}${t.runMs || t.waitMs ? ` +${t.waitMs}/${t.runMs}` : ''}`).join(', ')}`);
    if (s.chunkTimings) {
      const c = s.chunkTimings;
      const byKind = Object.entries(c.execP50MsByKind).map(([k, v]) => `${k} ${v}`).join(', ');
      out(`    apply chunks: ${c.chunks}, run p50 ${c.execP50Ms} ms (${byKind}) / p95 ${c.execP95Ms} ms, schedule→start p50 ${c.scheduleToStartP50Ms} ms / p95 ${c.scheduleToStartP95Ms} ms, mean in flight ${c.meanInFlight} of ${r.concurrency}`);
    }
    out(`    CPU s: ${Object.entries(s.cpuSeconds).map(([k, v]) => `${k} ${v}`).join(', ')}; worker RSS idle at start ${s.workerStartRssMb} MB, before this run ${s.workerRssBeforeMb} MB, sampled max ${s.workerSampledMaxRssMb} MB (${Object.entries(s.workerSampledMaxRssMbByPhase).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    if (s.churn) out(`    churn: ${s.churn.leavers} leavers, ${s.churn.joiners} joiners written to slapd in ${s.churn.seconds.toFixed(1)} s (not timed)`);
    if (s.rateLimit) {
      const rl = s.rateLimit;
      out(`    rate limit (business × ${rl.scale}): calls by label ${JSON.stringify(rl.boundByLabel)}; bound ${rl.boundSeconds} s (writes ${rl.writeBoundSeconds} s); ` +
        `run ${s.wallSeconds} s ÷ bound = ${rl.wallOverBound}; apply ${s.applySeconds} s ÷ write bound = ${rl.applyOverWriteBound}; 429s ${s.rateLimited429}` +
        (rl.unknownEndpoints.length ? `; unknown endpoints counted as medium: ${rl.unknownEndpoints.join(', ')}` : ''));
    }
  }
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
  try {
    process.stderr.write('bundling the workflows…\n');
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
    const bundle = path.join(ROOT, 'workflow-bundle.js');
    writeFileSync(bundle, code);

    process.stderr.write('starting the Temporal dev server…\n');
    const dbFile = path.join(ROOT, `temporal-${process.pid}.db`);
    const temporal = await startTemporal({ headless: true, dbFile, useEnvAddress: false, timeoutMs: 180_000 });
    onCleanup('temporal', async () => {
      await temporal.stop();
      await rm(dbFile, { force: true });
      await rm(`${dbFile}-wal`, { force: true });
      await rm(`${dbFile}-shm`, { force: true });
    });
    const connection = await Connection.connect({ address: temporal.address });
    onCleanup('temporal client', () => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const resultsDir = path.join(REPO, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    for (const n of args.sizes) {
      const r = await runSize(n, args, client, temporal.address, temporal.pid, bundle);
      const file = path.join(resultsDir, `reconcile-${n}.json`);
      writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
      printTable(r);
      process.stdout.write(`(written to ${path.relative(process.cwd(), file)})\n`);
    }
  } finally {
    await cleanupAll();
    if (!args.keep) await rm(ROOT, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
