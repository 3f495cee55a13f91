/** Reading a run back from the store for the CLI: its row, ops, failures and warnings. */
import type { RunResult } from '../src/domain/runs';

export { findRun, listRuns, parseReport, parseSummary, type RunRow } from '../src/store/runs';
import type { RunRow, RunScope } from '../src/store/runs';
export { runFailures, runOps, type Failure } from '../src/store/ops';
export { runWarnings } from '../src/store/warnings';

/** One line per outcome kind, e.g. `create: 250 done; queueAdd: 250 done, 3 failed`. */
export function outcomeLines(report: Pick<RunResult, 'outcomes'>): string[] {
  return Object.entries(report.outcomes).map(
    ([kind, byOutcome]) => `${kind}: ${Object.entries(byOutcome ?? {}).map(([o, n]) => `${n} ${o.replace(/_/g, ' ')}`).join(', ')}`,
  );
}

/** What a reconcile read and planned — `full`, `delta` or `sync` (named users); null for admin jobs. */
export function scopeOf(run: Pick<RunRow, 'kind' | 'scope'>): RunScope | null {
  return run.kind === 'reconcile' || run.kind === 'plan' ? (run.scope ?? 'full') : null;
}
