/**
 * One reconcile at a time. Admin-triggered runs share a workflow id (USE_EXISTING joins the
 * running one) and the Schedule skips overlapping ticks, but a scheduled run and an admin run
 * have different workflow ids: the store says which reconcile is active, and Temporal says
 * whether that workflow still runs (a crashed or terminated run must not block the next one).
 */
import type { Store } from '../store/db';
import { closeAbandonedRun, runsInStatus } from '../store/runs';
import type { RunStatus } from '../domain/runs';

export type WorkflowState = 'running' | 'closed' | 'unknown';
export type DescribeWorkflow = (workflowId: string, temporalRunId: string | null) => Promise<WorkflowState>;

const ACTIVE: RunStatus[] = ['planning', 'held', 'applying'];

/** The id of another active reconcile run, or null. Stale rows of closed workflows are closed. */
export async function otherActiveReconcile(db: Store, describe: DescribeWorkflow, runId: string): Promise<string | null> {
  for (const r of await runsInStatus(db, 'reconcile', ACTIVE, runId)) {
    const state = await describe(r.workflow_id, r.temporal_run_id);
    if (state === 'running') return r.id;
    if (state === 'closed') await closeAbandonedRun(db, r.id);
  }
  return null;
}
