/**
 * The end of a run: count outcomes from the store, write the report, queue the emails
 * (one per user per run, and the admins' report) and send them.
 */
import type { ActivityDeps } from './index';
import type { ChunkTally, RunResult, RunStatus } from '../src/domain/runs';
import type { PlanSummary } from '../src/domain/types';

export interface FinishInput {
  runId: string;
  workflowId: string;
  status: RunStatus;
  error?: string;
  tally: ChunkTally;
  startedAtMs: number;
  mode: 'plan' | 'apply';
}

export async function reportRun(deps: ActivityDeps, input: FinishInput): Promise<Omit<RunResult, 'heldReasons'>> {
  const { db } = deps;
  const run = await db('runs').where({ id: input.runId }).first();
  const summary: PlanSummary | null = run?.summary ? JSON.parse(run.summary) : null;
  const failedRows = await db('ops').where({ run_id: input.runId }).whereIn('status', ['failed', 'not_zoom_user', 'license_exhausted']).count<{ n: number }[]>({ n: '*' });
  const failures = Number(failedRows[0]?.n ?? 0);
  const durationMs = Date.now() - input.startedAtMs;
  const result: Omit<RunResult, 'heldReasons'> = {
    runId: input.runId,
    workflowId: input.workflowId,
    status: input.status,
    summary,
    outcomes: input.tally.outcomes,
    failures,
    apiCalls: input.tally.calls,
    durationMs,
    ...(input.error ? { error: input.error } : {}),
  };
  const now = new Date().toISOString();
  await db('runs').where({ id: input.runId }).update({ status: input.status, report: JSON.stringify(result), updated_at: now, finished_at: now });

  if (input.mode === 'apply' && input.status !== 'skipped') {
    await deps.notify.userChanges({ runId: input.runId });
    await deps.notify.runReport({ runId: input.runId, workflowId: input.workflowId, result });
  }
  return result;
}
