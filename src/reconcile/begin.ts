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
    const busy = await otherActiveReconcile(input.runId);
    if (busy) return { proceed: false, reason: `another reconcile (${busy}) is running; this one changes nothing` };
  }
  return { proceed: true };
}
