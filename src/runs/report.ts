/** The report every run ends with, reconcile or admin job: counts and outcomes, never user lists. */
import type { ChunkTally, RunStatus } from '../domain/runs';
import type { PlanSummary } from '../domain/types';
import type { RunReport } from '../store/runs';

/** How a run ended, as its workflow says it. */
export interface RunEnd {
  runId: string;
  workflowId: string;
  status: RunStatus;
  error?: string;
  tally: ChunkTally;
  startedAtMs: number;
}

export function runReportOf(end: RunEnd, summary: PlanSummary | null, failures: number): RunReport {
  return {
    runId: end.runId,
    workflowId: end.workflowId,
    status: end.status,
    summary,
    outcomes: end.tally.outcomes,
    failures,
    apiCalls: end.tally.calls,
    durationMs: Date.now() - end.startedAtMs,
    ...(end.error ? { error: end.error } : {}),
  };
}
