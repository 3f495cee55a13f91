/** Reading a run back from the store for the CLI: its row, ops, failures and warnings. */
import type { Knex } from 'knex';
import type { Op, PlanSummary } from '../src/domain/types';
import type { RunResult } from '../src/domain/runs';

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
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface Failure {
  email: string;
  kind: string;
  outcome: string;
  error: string | null;
}

/** A run by id, unique id prefix, or workflow id (its latest run). */
export async function findRun(db: Knex, ref: string): Promise<RunRow | null> {
  const exact = await db<RunRow>('runs').where({ id: ref }).first();
  if (exact) return exact;
  const byWorkflow = await db<RunRow>('runs').where({ workflow_id: ref }).orderBy('created_at', 'desc').first();
  if (byWorkflow) return byWorkflow;
  const prefixed = await db<RunRow>('runs').where('id', 'like', `${ref.replace(/[%_]/g, '')}%`).limit(2);
  return prefixed.length === 1 ? prefixed[0] : null;
}

export async function runOps(db: Knex, runId: string): Promise<Op[]> {
  const rows = await db('ops').where({ run_id: runId }).orderBy('seq');
  return rows.map((r) => ({ email: r.email, kind: r.kind, before: r.before ? JSON.parse(r.before) : null, after: r.after ? JSON.parse(r.after) : null }));
}

export async function runFailures(db: Knex, runId: string): Promise<Failure[]> {
  const rows = await db('ops').where({ run_id: runId }).whereIn('status', ['failed', 'not_zoom_user', 'license_exhausted']).orderBy('seq');
  return rows.map((r) => ({ email: r.email, kind: r.kind, outcome: r.status, error: r.error }));
}

export async function runWarnings(db: Knex, runId: string): Promise<string[]> {
  const rows = await db('run_warnings').where({ run_id: runId }).orderBy('id');
  return rows.map((r) => (r.subject ? `${r.message} (${r.subject})` : r.message));
}

export function parseSummary(row: RunRow): PlanSummary | null {
  return row.summary ? (JSON.parse(row.summary) as PlanSummary) : null;
}

export function parseReport(row: RunRow): RunResult | null {
  return row.report ? (JSON.parse(row.report) as RunResult) : null;
}

/** One line per outcome kind, e.g. `create: 250 done; queueAdd: 250 done, 3 failed`. */
export function outcomeLines(report: Pick<RunResult, 'outcomes'>): string[] {
  return Object.entries(report.outcomes).map(
    ([kind, byOutcome]) => `${kind}: ${Object.entries(byOutcome ?? {}).map(([o, n]) => `${n} ${o.replace(/_/g, ' ')}`).join(', ')}`,
  );
}
