/**
 * A run's end, counted once. The activity that finishes a run may be retried (after a crash, or a
 * failure after the row was written): only the attempt that found the row not finished yet counts
 * it, so `zcc_sync_runs_finished_total` is the number of runs, not of attempts. A run that had no
 * row at all (an admin job that failed before preparing) is counted as started too, so started
 * is never below finished.
 */
import type { RunReport, RunRow } from '../store/runs';
import { metrics } from './events';

/** `before`: the run's row as read before this attempt wrote the final status. */
export function countRunFinished(before: Pick<RunRow, 'finished_at'> | undefined | null, kind: string, report: Pick<RunReport, 'status' | 'durationMs'>): void {
  if (before?.finished_at) return;
  if (!before) metrics.runStarted(kind);
  metrics.runFinished(kind, report.status, Math.max(0, report.durationMs) / 1000);
}
