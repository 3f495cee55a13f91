/**
 * Delta and on-demand reconciles: the reconcile of a few users.
 *
 * deltaReconcileWorkflow (a Temporal Schedule starts one every `schedule.delta.every`): asks the
 *   directory what changed since the last applied run. Idle → ends (no run, no Zoom call); busy
 *   (another reconcile writes) → ends; cannot delta (no applied run yet, another domain
 *   controller) → runs a full reconcile as a child; else plans and applies the changed users.
 * syncUsersWorkflow (`zcc-sync users sync EMAIL...`): the same for the named users, which the CLI
 *   wrote to the run's scope before starting it.
 *
 * After the first step both are a reconcile with a small scope: the ZCC state of its users read
 * one by one, the same plan, guards (a held run waits for approve/reject), chunked apply, emails
 * and report. Payloads carry the run id and counts only.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { BOOKKEEPING, MAIL, READS } from './activity-options';
import type { ReconcileActivities, ScopedReconcileActivities } from '../src/domain/activities';
import { OP_ORDER } from '../src/domain/types';
import type { ChunkTally, RunResult, RunStatus } from '../src/domain/runs';
import { applyWithProgress, type ApplyCursor } from './apply-ops';
import { handleDecisions } from './approval';
import type { Progress } from './definitions';
import { reportThenDeliver, runToTheEnd } from './lifecycle';
import { reconcileWorkflow } from './reconcile';

const reads = proxyActivities<ScopedReconcileActivities>(READS);
const bookkeeping = proxyActivities<ReconcileActivities>(BOOKKEEPING);
const mail = proxyActivities<ReconcileActivities>(MAIL);

export interface DeltaInput {
  /** `schedule` or `cli:<user>`: written to the audit log. */
  trigger: string;
}

export interface DeltaResult {
  outcome: 'idle' | 'busy' | 'full' | 'run';
  detail: string;
  /** The delta run, or the full reconcile it fell back to; null when idle or busy. */
  run: RunResult | null;
}

export interface SyncUsersInput {
  /** Chosen by the CLI, which wrote the users to sync under it. */
  runId: string;
  trigger: string;
}

export interface SyncUsersResult {
  run: RunResult | null;
  /** Requested emails with no member entry in a mapped group (leavers, or unknown). */
  notFound: string[];
  detail: string;
}

/** `dlt-` + the time-ordered head of Temporal's run id (ids sort by start) + 6 of its random digits. */
function deltaRunId(temporalRunId: string): string {
  const hex = temporalRunId.replace(/-/g, '');
  return `dlt-${hex.slice(0, 10)}${hex.slice(-6)}`;
}

export async function deltaReconcileWorkflow(input: DeltaInput): Promise<DeltaResult> {
  const info = workflowInfo();
  const runId = deltaRunId(info.firstExecutionRunId);
  const poll = await reads.pollDirectoryChanges({ runId, workflowId: info.workflowId, temporalRunId: info.firstExecutionRunId, trigger: input.trigger });
  if (poll.outcome === 'idle' || poll.outcome === 'busy') return { outcome: poll.outcome, detail: poll.detail, run: null };
  if (poll.outcome === 'full') {
    const run = await executeChild(reconcileWorkflow, {
      args: [{ mode: 'apply', trigger: `${input.trigger} (delta: ${poll.detail})` }],
      workflowId: `${info.workflowId}-full`,
    });
    return { outcome: 'full', detail: poll.detail, run };
  }
  return { outcome: 'run', detail: `${poll.users} user(s) changed`, run: await reconcileScope(runId, input.trigger) };
}

export async function syncUsersWorkflow(input: SyncUsersInput): Promise<SyncUsersResult> {
  const info = workflowInfo();
  const prepared = await reads.prepareUserSync({ runId: input.runId, workflowId: info.workflowId, temporalRunId: info.firstExecutionRunId, trigger: input.trigger });
  if ('busy' in prepared) return { run: null, notFound: [], detail: prepared.busy };
  const run = await reconcileScope(input.runId, input.trigger);
  return { run, notFound: prepared.notFound, detail: `${prepared.users} user(s) synced` };
}

/** ZCC state of the scope → plan → guards (hold) → apply → report: a run row already exists. */
async function reconcileScope(runId: string, trigger: string): Promise<RunResult> {
  const info = workflowInfo();
  const startedAtMs = Date.now();
  const progress: Progress = { runId, phase: 'snapshots', total: {}, done: {}, heldReasons: [] };
  const decide = handleDecisions(progress, runId);
  const tally: ChunkTally = { outcomes: {}, calls: {} };

  const finish = async (status: RunStatus, error?: string): Promise<RunResult> => {
    progress.phase = 'reporting';
    const report = await reportThenDeliver(
      () => bookkeeping.finishRun({ runId, workflowId: info.workflowId, status, error, tally, startedAtMs, mode: 'apply' }),
      () => mail.deliverEmails({ runId }),
    );
    progress.phase = 'done';
    return { ...report, heldReasons: progress.heldReasons };
  };

  return runToTheEnd(`reconcile ${runId}`, finish, async () => {
    await reads.snapshotScopeInContactCenter({ runId });
    progress.phase = 'planning';
    const plan = await bookkeeping.computePlan({ runId, statusIfClear: 'applying' });
    for (const kind of OP_ORDER) progress.total[kind] = plan.summary[kind];
    if (plan.guard.tripped) {
      progress.phase = 'held';
      progress.heldReasons = plan.guard.reasons;
      await bookkeeping.holdRun({ runId, workflowId: info.workflowId, reasons: plan.guard.reasons });
      const hours = await bookkeeping.approvalTimeoutHours();
      const d = await decide(hours);
      if (!d) return await finish('expired', `no decision within ${hours} h`);
      await bookkeeping.recordDecision({ runId, approved: d.approved, by: d.by });
      if (!d.approved) return await finish('rejected', `rejected by ${d.by}`);
      await bookkeeping.setRunStatus({ runId, status: 'applying' });
    }
    progress.phase = 'applying';
    // A scope is small: no continue-as-new, the loop simply goes on from where a pause left it.
    let cursor: ApplyCursor | null = { kindIndex: 0, chunk: 0, createsStopped: false };
    while (cursor) {
      cursor = await applyWithProgress(progress, { runId, actor: trigger, adopt: true, chunks: plan.chunks, concurrency: plan.concurrency ?? 1, cursor, tally });
    }
    return await finish('completed');
  });
}
