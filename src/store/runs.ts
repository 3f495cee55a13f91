/**
 * The `runs` table: one row per workflow run that changes (or previews) ZCC — reconciles, plans
 * and admin jobs. Status transitions are decided by the workflows; these functions only record them.
 */
import type { StoreOrTx } from './db';
import type { PlanSummary } from '../domain/types';
import type { RunResult, RunStatus } from '../domain/runs';

export type RunKind = 'reconcile' | 'plan' | 'assign' | 'edit' | 'remove';
/** What a reconcile reads and plans: the whole directory, what changed since the last run, or named users. */
export type RunScope = 'full' | 'delta' | 'sync';

export interface RunRow {
  id: string;
  workflow_id: string;
  temporal_run_id: string | null;
  kind: string;
  trigger: string;
  status: string;
  summary: string | null;
  report: string | null;
  warnings: string | null;
  directory_users: number | null;
  scope: RunScope;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** What a finished run reports: the workflow's result without the held reasons it adds itself. */
export type RunReport = Omit<RunResult, 'heldReasons'>;

export interface NewRun {
  id: string;
  workflowId: string;
  temporalRunId: string | null;
  kind: RunKind;
  trigger: string;
  status: RunStatus;
  /** Reconciles only; `full` when absent. */
  scope?: RunScope;
}

const now = () => new Date().toISOString();

export async function getRun(db: StoreOrTx, id: string): Promise<RunRow | undefined> {
  return db<RunRow>('runs').where({ id }).first();
}

/** Records a new run; a run already recorded (a retried activity) is left as it is. */
export async function createRun(db: StoreOrTx, run: NewRun): Promise<void> {
  const at = now();
  await db('runs')
    .insert({ id: run.id, workflow_id: run.workflowId, temporal_run_id: run.temporalRunId, kind: run.kind, trigger: run.trigger, status: run.status, scope: run.scope ?? 'full', created_at: at, updated_at: at })
    .onConflict('id')
    .ignore();
}

/** A run by id, unique id prefix, or workflow id (its latest run). */
export async function findRun(db: StoreOrTx, ref: string): Promise<RunRow | null> {
  const exact = await db<RunRow>('runs').where({ id: ref }).first();
  if (exact) return exact;
  const byWorkflow = await db<RunRow>('runs').where({ workflow_id: ref }).orderBy('created_at', 'desc').first();
  if (byWorkflow) return byWorkflow;
  const prefixed = await db<RunRow>('runs').where('id', 'like', `${ref.replace(/[%_]/g, '')}%`).limit(2);
  return prefixed.length === 1 ? prefixed[0] : null;
}

/** Ids of runs that start with `prefix` (up to `limit`): why a prefix findRun refused is ambiguous. */
export async function runIdsWithPrefix(db: StoreOrTx, prefix: string, limit: number): Promise<string[]> {
  return db('runs').where('id', 'like', `${prefix.replace(/[%_]/g, '')}%`).orderBy('created_at', 'desc').limit(limit).pluck('id');
}

/** The newest runs first. */
export async function listRuns(db: StoreOrTx, limit: number): Promise<RunRow[]> {
  return db<RunRow>('runs').orderBy('created_at', 'desc').limit(limit);
}

/** A status transition; `heldReasons` replaces the run's guard reasons (a held run). */
export async function setRunStatus(db: StoreOrTx, id: string, status: RunStatus, extra: { heldReasons?: string[] } = {}): Promise<void> {
  await db('runs').where({ id }).update({
    status,
    updated_at: now(),
    ...(extra.heldReasons ? { warnings: JSON.stringify(extra.heldReasons) } : {}),
  });
}

export async function recordDirectoryUsers(db: StoreOrTx, id: string, users: number): Promise<void> {
  await db('runs').where({ id }).update({ directory_users: users, updated_at: now() });
}

/** The plan's totals and the guards' reasons; `status` when the plan also moves the run on. */
export async function recordPlan(db: StoreOrTx, id: string, plan: { summary: PlanSummary; guardReasons?: string[]; status?: RunStatus }): Promise<void> {
  await db('runs').where({ id }).update({
    summary: JSON.stringify(plan.summary),
    ...(plan.guardReasons ? { warnings: JSON.stringify(plan.guardReasons) } : {}),
    ...(plan.status ? { status: plan.status } : {}),
    updated_at: now(),
  });
}

/**
 * The end of any run, reconcile or admin job: its final status and report. A run that never got a
 * row (a job that failed before preparing) is recorded whole.
 */
export async function finishRunRow(db: StoreOrTx, run: Omit<NewRun, 'temporalRunId'> & { report: RunReport }): Promise<void> {
  const at = now();
  const report = JSON.stringify(run.report);
  const updated = await db('runs').where({ id: run.id }).update({ status: run.status, report, updated_at: at, finished_at: at });
  if (updated > 0) return;
  await db('runs')
    .insert({ id: run.id, workflow_id: run.workflowId, temporal_run_id: null, kind: run.kind, trigger: run.trigger, status: run.status, report, created_at: at, updated_at: at, finished_at: at })
    .onConflict('id')
    .ignore();
}

/** Runs of a kind in one of these statuses, but `exceptId`. */
export async function runsInStatus(db: StoreOrTx, kind: RunKind, statuses: RunStatus[], exceptId: string): Promise<RunRow[]> {
  return db<RunRow>('runs').where({ kind }).whereIn('status', statuses).whereNot({ id: exceptId });
}

/** A run whose workflow is gone (crashed, terminated) without finishing it. */
export async function closeAbandonedRun(db: StoreOrTx, id: string): Promise<void> {
  await db('runs').where({ id }).update({ status: 'failed', updated_at: now(), finished_at: now() });
}

/** The last full reconcile that completed (applied without failing), or null. Delta and on-demand
 *  runs do not count: they read a part of the directory, and staleness is about the safety net. */
export async function lastCompletedReconcile(db: StoreOrTx): Promise<RunRow | null> {
  return (await db<RunRow>('runs').where({ kind: 'reconcile', status: 'completed', scope: 'full' }).orderBy('finished_at', 'desc').first()) ?? null;
}

/** The newest run of a kind (any status, still running included), or null; reconciles of one scope when given. */
export async function latestRunOfKind(db: StoreOrTx, kind: RunKind, scope?: RunScope): Promise<RunRow | null> {
  return (await db<RunRow>('runs').where(scope ? { kind, scope } : { kind }).orderBy('created_at', 'desc').first()) ?? null;
}

/** The newest full reconcile that ended (skipped ones aside: they did nothing), or null. */
export async function lastFinishedReconcile(db: StoreOrTx): Promise<RunRow | null> {
  const row = await db<RunRow>('runs').where({ kind: 'reconcile', scope: 'full' }).whereNotNull('finished_at').whereNot({ status: 'skipped' }).orderBy('finished_at', 'desc').first();
  return row ?? null;
}

/** Runs held for approval, oldest first. */
export async function heldRuns(db: StoreOrTx): Promise<RunRow[]> {
  return db<RunRow>('runs').where({ status: 'held' }).orderBy('created_at', 'asc');
}

/** The first reconcile ever attempted (any status), or null. */
export async function firstReconcile(db: StoreOrTx): Promise<RunRow | null> {
  return (await db<RunRow>('runs').where({ kind: 'reconcile' }).orderBy('created_at', 'asc').first()) ?? null;
}

export function parseSummary(row: Pick<RunRow, 'summary'>): PlanSummary | null {
  return row.summary ? (JSON.parse(row.summary) as PlanSummary) : null;
}

export function parseReport(row: Pick<RunRow, 'report'>): RunResult | null {
  return row.report ? (JSON.parse(row.report) as RunResult) : null;
}

/** Runs held for approval: how many, and when the oldest of them started (ISO), for the metrics. */
export async function countHeldRuns(db: StoreOrTx): Promise<{ count: number; oldestCreatedAt: string | null }> {
  const row = (await db('runs').where({ status: 'held' }).count({ n: '*' }).min({ oldest: 'created_at' }).first()) as { n: number | string; oldest: string | null } | undefined;
  return { count: Number(row?.n ?? 0), oldestCreatedAt: row?.oldest ?? null };
}

/** One cheap statement on the runs table: resolves when the store answers (the worker's /readyz). */
export async function storeResponds(db: StoreOrTx): Promise<void> {
  await db('runs').select('id').limit(1);
}

/** The ids of the newest completed full reconciles, newest first (the staleness alarm's recovery check). */
export async function recentCompletedReconciles(db: StoreOrTx, limit: number): Promise<string[]> {
  return db('runs').where({ kind: 'reconcile', status: 'completed', scope: 'full' }).orderBy('finished_at', 'desc').limit(limit).pluck('id');
}

/** What the console's runs list filters by: a run kind (`delta` and `sync` are reconcile scopes) and a status. */
export interface RunFilters {
  kind?: 'reconcile' | 'delta' | 'sync' | RunKind;
  status?: string;
}

/** The newest runs first, filtered, one page at a time. */
export async function listRunsPage(db: StoreOrTx, filters: RunFilters, page: { offset: number; limit: number }): Promise<RunRow[]> {
  const q = db<RunRow>('runs');
  if (filters.kind === 'delta' || filters.kind === 'sync') q.where({ kind: 'reconcile', scope: filters.kind });
  else if (filters.kind === 'reconcile') q.where({ kind: 'reconcile', scope: 'full' });
  else if (filters.kind) q.where({ kind: filters.kind });
  if (filters.status) q.where({ status: filters.status });
  return q.orderBy('created_at', 'desc').offset(page.offset).limit(page.limit);
}
