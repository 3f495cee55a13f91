/**
 * Step 3 of a reconcile: plan from both snapshots (src/reconcile/plan-run.ts), remember whom the
 * run adopts, evaluate the guards, and record the plan on the run. With `statusIfClear` the run
 * moves to that status when no guard trips (the workflow's choice: it saves a round trip before
 * the first write).
 */
import type { PlanResult, RunStatus } from '../domain/runs';
import { evaluateGuards } from './guards';
import { planRun } from './plan-run';
import type { Heartbeat, RunServices } from '../runs/services';
import { getFact, saveAdoptionFacts } from '../store/facts';
import { countManagedUsers } from '../store/managed-users';
import { getRun, recordPlan } from '../store/runs';
import { addRunWarnings, countRunWarnings } from '../store/warnings';

export async function computePlan(deps: Pick<RunServices, 'db' | 'config'>, runId: string, statusIfClear: RunStatus | undefined, heartbeat: Heartbeat): Promise<PlanResult> {
  const { db, config } = deps;
  const run = await getRun(db, runId);
  const scoped = run !== undefined && run.scope !== 'full';
  const result = await planRun(db, runId, config, new Date(), { onSlice: (users) => heartbeat({ users }), scoped });
  // Recorded once the run completes: adopted users become managed even when they needed no op.
  await saveAdoptionFacts(db, runId, { adopt: result.adopt, clearDeactivated: result.clearDeactivated });
  // A delta or on-demand run plans a few users, but the guards weigh them against the whole: the
  // directory as the mirror has it after this run's changes, and every managed user.
  const managed = scoped ? await countManagedUsers(db) : null;
  const guard = evaluateGuards({
    directoryUsers: scoped ? (run.directory_users ?? 0) : result.directoryUsers,
    lastGoodDirectoryUsers: await getFact(db, 'lastGoodDirectoryUsers'),
    summary: result.summary,
    managedCount: managed ? managed.active + managed.deactivated : result.managedUsers,
    policy: config.policy,
  });
  const snapshotWarnings = await countRunWarnings(db, runId);
  await addRunWarnings(db, runId, result.warnings.map((message) => ({ code: 'plan', message })));
  await recordPlan(db, runId, { summary: result.summary, guardReasons: guard.reasons, ...(statusIfClear && !guard.tripped ? { status: statusIfClear } : {}) });
  return {
    summary: result.summary,
    chunks: result.chunks,
    guard,
    directoryUsers: scoped ? (run.directory_users ?? 0) : result.directoryUsers,
    warnings: snapshotWarnings + result.warnings.length,
    concurrency: config.policy.concurrency,
  };
}
