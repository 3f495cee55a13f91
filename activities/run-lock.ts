/**
 * One reconcile at a time. Admin-triggered runs share a workflow id (USE_EXISTING joins the
 * running one) and the Schedule skips overlapping ticks, but a scheduled run and an admin run
 * have different workflow ids: the store says which reconcile is active, and Temporal says
 * whether that workflow still runs (a crashed or terminated run must not block the next one).
 */
import type { Knex } from 'knex';

export type WorkflowState = 'running' | 'closed' | 'unknown';
export type DescribeWorkflow = (workflowId: string, temporalRunId: string | null) => Promise<WorkflowState>;

const ACTIVE = ['planning', 'held', 'applying'];

/** The id of another active reconcile run, or null. Stale rows of closed workflows are closed. */
export async function otherActiveReconcile(db: Knex, describe: DescribeWorkflow, runId: string): Promise<string | null> {
  const rows = await db('runs').where({ kind: 'reconcile' }).whereIn('status', ACTIVE).whereNot({ id: runId });
  for (const r of rows) {
    const state = await describe(r.workflow_id, r.temporal_run_id);
    if (state === 'running') return r.id;
    if (state === 'closed') {
      await db('runs').where({ id: r.id }).update({ status: 'failed', updated_at: new Date().toISOString(), finished_at: new Date().toISOString() });
    }
  }
  return null;
}
