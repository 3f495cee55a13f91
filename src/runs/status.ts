/**
 * What `zcc-sync status` says about the runs, from the store: the last run of each kind, the
 * held runs waiting for a decision, the failures of the last reconcile, staleness; and which of
 * the findings (with Temporal's, gathered by the CLI) need an operator. The list of findings is
 * the contract with cron and monitoring checks: empty means exit 0.
 */
import type { Config } from '../config/schema';
import type { Store } from '../store/db';
import { countRunFailures, runFailures, type Failure } from '../store/ops';
import { heldRuns, lastFinishedReconcile, latestRunOfKind, parseReport, type RunRow } from '../store/runs';
import { reconcileStaleness, type Staleness } from './staleness';

/** What status shows the last run of: full, delta and on-demand reconciles apart, then the others. */
export const RUN_KINDS = ['reconcile', 'delta', 'sync', 'plan', 'assign', 'edit', 'remove'] as const;
export type StatusRunKind = (typeof RUN_KINDS)[number];
/** Failures of the last reconcile listed by status (all of them: `runs show`). */
const FAILURES_SHOWN = 10;

export interface RunBrief {
  runId: string;
  workflowId: string;
  kind: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  /** The report's duration once finished; the time so far while it runs. */
  durationMs: number;
  /** Failed ops (null while the run has no report yet). */
  failures: number | null;
  error: string | null;
}

export interface HeldRun {
  runId: string;
  workflowId: string;
  heldSince: string;
  ageMs: number;
  reasons: string[];
}

export interface RunsStatus {
  lastRuns: Record<StatusRunKind, RunBrief | null>;
  held: HeldRun[];
  /** The newest reconcile that ended (its failures below); null when none did. */
  lastFinishedReconcile: RunBrief | null;
  lastReconcileFailures: { total: number; shown: Failure[] } | null;
  staleness: Staleness;
}

export interface ScheduleStatus {
  id: string;
  exists: boolean;
  /** The config names an interval or cron: a missing schedule is then a problem. */
  expected: boolean;
  paused: boolean;
  every: string[];
  cron: string[];
  nextRunAt: string | null;
}

export interface TemporalStatus {
  address: string;
  namespace: string;
  taskQueue: string;
  reachable: boolean;
  error: string | null;
  serverVersion: string | null;
  /** Workers that polled the task queue lately (null: unknown). */
  workerPollers: number | null;
}

function brief(row: RunRow, now: Date): RunBrief {
  const report = parseReport(row);
  const end = row.finished_at ? Date.parse(row.finished_at) : now.getTime();
  return {
    runId: row.id,
    workflowId: row.workflow_id,
    kind: row.kind,
    status: row.status,
    trigger: row.trigger,
    startedAt: row.created_at,
    finishedAt: row.finished_at,
    durationMs: report?.durationMs ?? end - Date.parse(row.created_at),
    failures: report ? report.failures : null,
    error: report?.error ?? null,
  };
}

export async function readRunsStatus(db: Store, config: Pick<Config, 'alerts' | 'schedule'>, now: Date): Promise<RunsStatus> {
  const lastRuns = {} as Record<StatusRunKind, RunBrief | null>;
  for (const kind of RUN_KINDS) {
    const row = kind === 'reconcile' || kind === 'delta' || kind === 'sync'
      ? await latestRunOfKind(db, 'reconcile', kind === 'reconcile' ? 'full' : kind)
      : await latestRunOfKind(db, kind);
    lastRuns[kind] = row ? brief(row, now) : null;
  }
  const held = (await heldRuns(db)).map((r) => {
    // The row's last change is the hold itself: nothing updates a held run until it is decided.
    const heldSince = r.updated_at ?? r.created_at;
    return { runId: r.id, workflowId: r.workflow_id, heldSince, ageMs: now.getTime() - Date.parse(heldSince), reasons: r.warnings ? (JSON.parse(r.warnings) as string[]) : [] };
  });
  const finished = await lastFinishedReconcile(db);
  const lastReconcileFailures = finished
    ? { total: await countRunFailures(db, finished.id), shown: await runFailures(db, finished.id, FAILURES_SHOWN) }
    : null;
  return {
    lastRuns,
    held,
    lastFinishedReconcile: finished ? brief(finished, now) : null,
    lastReconcileFailures,
    staleness: await reconcileStaleness(db, config, now),
  };
}

/** "3 min", "2 h 5 min", "4 d 1 h": an age for people. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Statuses of an ended reconcile that an operator must look at (rejected, cancelled: someone decided). */
const BAD_END: Record<string, string> = { failed: 'failed', expired: 'expired: nobody approved or rejected it in time' };

/**
 * What needs an operator, one sentence each with what to do. `runs` null: the store could not be
 * read (its error is in `storeError`). Per-op failures (e.g. "not a Zoom user") are shown, not
 * flagged: they recur on every run until the directory or Zoom changes.
 */
export function attentionOf(input: { runs: RunsStatus | null; storeError: string | null; temporal: TemporalStatus; schedule: ScheduleStatus | null; deltaSchedule?: ScheduleStatus | null }): string[] {
  const out: string[] = [];
  const { runs, temporal, schedule } = input;
  if (input.storeError) out.push(`the store cannot be read: ${input.storeError} (fix: check store.connection)`);
  if (!temporal.reachable) out.push(`Temporal is unreachable at ${temporal.address}: ${temporal.error ?? 'no answer'} (no run can start or finish; fix: start it, or correct temporal.address)`);
  if (temporal.reachable && temporal.error) out.push(temporal.error);
  if (temporal.reachable && temporal.workerPollers === 0) out.push(`no worker polls task queue ${temporal.taskQueue} (fix: start \`zcc-sync worker\`)`);
  if (runs) {
    for (const h of runs.held) out.push(`run ${h.runId} is held for approval since ${humanAge(h.ageMs)} (approve: zcc-sync runs approve ${h.runId}; reject: zcc-sync runs reject ${h.runId})`);
    const last = runs.lastFinishedReconcile;
    if (last && BAD_END[last.status]) out.push(`the last reconcile ${last.runId} ${BAD_END[last.status]}${last.status === 'failed' && last.error ? `: ${last.error}` : ''} (details: zcc-sync runs show ${last.runId})`);
    const st = runs.staleness;
    if (st.stale) {
      const since = st.lastSuccessAt ? `the last one completed ${humanAge(st.ageMs ?? 0)} ago` : `none ever has, first tried ${humanAge(st.ageMs ?? 0)} ago`;
      out.push(`stale: no reconcile completed within ${humanAge(st.staleAfterMs)} — ${since}`);
    }
  }
  if (schedule) {
    if (!schedule.exists && schedule.expected) out.push(`the schedule ${schedule.id} does not exist although the config sets one: no reconcile runs on its own (fix: zcc-sync schedule set)`);
    if (schedule.exists && schedule.paused) out.push(`the schedule ${schedule.id} is paused: no reconcile runs on its own (fix: zcc-sync schedule resume)`);
  }
  const delta = input.deltaSchedule;
  if (delta) {
    if (!delta.exists && delta.expected) out.push(`the delta schedule ${delta.id} does not exist although the config sets schedule.delta.every: directory changes wait for the next full reconcile (fix: zcc-sync schedule set)`);
    if (delta.exists && delta.paused) out.push(`the delta schedule ${delta.id} is paused: directory changes wait for the next full reconcile (fix: zcc-sync schedule resume)`);
  }
  return out;
}
