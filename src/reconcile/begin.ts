/** The start of a reconcile or plan run: its row, and whether another reconcile is already writing. */
import { metrics } from '../metrics/events';
import type { Store } from '../store/db';
import { createRun, getRun } from '../store/runs';
import { pruneSnapshots } from '../store/snapshots';

export interface BeginRunInput {
  runId: string;
  workflowId: string;
  temporalRunId: string;
  mode: 'plan' | 'apply';
  trigger: string;
}

export type BeginRunResult = { proceed: true } | { proceed: false; reason: string };

export async function beginRun(db: Store, otherActiveReconcile: (runId: string) => Promise<string | null>, input: BeginRunInput): Promise<BeginRunResult> {
  if (!(await getRun(db, input.runId))) {
    await pruneSnapshots(db);
    await createRun(db, {
      id: input.runId, workflowId: input.workflowId, temporalRunId: input.temporalRunId,
      kind: input.mode === 'plan' ? 'plan' : 'reconcile', trigger: input.trigger, status: 'planning',
    });
    // Inside the "no row yet" branch: a retried begin counts nothing.
    metrics.runStarted(input.mode === 'plan' ? 'plan' : 'reconcile');
  }
  if (input.mode === 'apply') {
    const busy = await waitForScopedRuns(db, () => otherActiveReconcile(input.runId));
    if (busy) return { proceed: false, reason: `another reconcile (${busy}) is running; this one changes nothing` };
  }
  return { proceed: true };
}

/** How long a full run waits for a delta or on-demand run to finish (they take seconds). */
export const SCOPED_RUN_WAIT_MS = 120_000;

/**
 * One writer at a time — but a scheduled full run that met a delta run would otherwise be skipped
 * until its next tick, hours later: it waits for a delta or on-demand run to end instead.
 */
async function waitForScopedRuns(db: Store, busyRun: () => Promise<string | null>): Promise<string | null> {
  const until = Date.now() + SCOPED_RUN_WAIT_MS;
  for (;;) {
    const busy = await busyRun();
    if (!busy) return null;
    const scope = (await getRun(db, busy))?.scope ?? 'full';
    if (scope === 'full' || Date.now() > until) return busy;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
