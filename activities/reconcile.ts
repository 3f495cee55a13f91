/**
 * The reconcile run's activities: begin, snapshot both sides, plan with guards, hold, finish.
 * Each reads and writes the store by run id and returns counts only.
 */
import type { ReconcileActivities } from '../src/domain/activities';
import { beginRun } from '../src/reconcile/begin';
import { computePlan } from '../src/reconcile/compute-plan';
import { finishReconcile } from '../src/reconcile/finish';
import { snapshotContactCenter } from '../src/reconcile/snapshot-contact-center';
import { snapshotDirectory } from '../src/reconcile/snapshot-directory';
import { recordDecision } from '../src/store/audit';
import { setRunStatus } from '../src/store/runs';
import { failFastOnBadInput, heartbeat } from './context';
import type { ActivityDeps } from './deps';

export function createReconcileActivities(deps: ActivityDeps): ReconcileActivities {
  const { db, config, logger } = deps;
  return {
    beginRun: (input) => beginRun(db, deps.otherActiveReconcile, input),
    snapshotDirectory: (input) => failFastOnBadInput(() => snapshotDirectory(deps, input.runId, heartbeat)),
    snapshotContactCenter: (input) => failFastOnBadInput(() => snapshotContactCenter(deps, input.runId, heartbeat)),
    computePlan: (input) => computePlan(deps, input.runId, input.statusIfClear ?? (input.applyIfClear ? 'applying' : undefined), heartbeat),
    async holdRun(input) {
      await setRunStatus(db, input.runId, 'held', { heldReasons: input.reasons });
      logger.warn({ runId: input.runId, reasons: input.reasons }, 'reconcile held for approval');
      await deps.notify.runHeld({ runId: input.runId, workflowId: input.workflowId, reasons: input.reasons });
    },
    recordDecision: (input) => recordDecision(db, input.runId, input.approved, input.by),
    finishRun: (input) => finishReconcile(deps, input),
    deliverEmails: (input) => deps.notify.deliver(input),
    setRunStatus: (input) => setRunStatus(db, input.runId, input.status),
    approvalTimeoutHours: async () => config.policy.approvalTimeoutHours,
    applyConcurrency: async () => config.policy.concurrency,
  };
}
