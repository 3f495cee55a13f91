/**
 * reconcileWorkflow: make ZCC match the directory.
 *
 * snapshot directory ∥ snapshot ZCC → plan (+ guards) → [held: wait for approve/reject] →
 * apply in chunks → report. Every step is an activity that reads and writes the store by run id,
 * so the workflow's history holds ids and counts only, and a crashed worker resumes where it was.
 */
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { BOOKKEEPING, MAIL, READS } from './activity-options';
import type { ReconcileActivities } from '../src/domain/activities';
import { OP_ORDER } from '../src/domain/types';
import { applyWithProgress } from './apply-ops';
import { handleDecisions } from './approval';
import type { Progress } from './definitions';
import { continueAsNewWhenIdle, reportThenDeliver, runToTheEnd } from './lifecycle';
import { reconcileRunIdOf, type ChunkTally, type PlanResult, type ReconcileInput, type RunResult, type RunStatus } from '../src/domain/runs';

const reads = proxyActivities<ReconcileActivities>(READS);
const mail = proxyActivities<ReconcileActivities>(MAIL);
const bookkeeping = proxyActivities<ReconcileActivities>(BOOKKEEPING);

/**
 * Runs that began before this replay what they did: the snapshots one after the other, and two
 * small activities (status `applying`, the concurrency) between the plan and the first chunk.
 */
export const FAST_START = 'fast-start';

/**
 * Runs that began before it keep the id they were given: the first 10 hex digits of Temporal's
 * run id, which is time-ordered (UUIDv7), so two reconciles started within the same 256 ms got
 * the same run id — and the one-writer lock, which looks for *another* run id, saw none.
 */
export const UNIQUE_RUN_ID = 'unique-run-id';

/** Runs begun before the patch keep their shorter id on replay. */
function reconcileRunId(temporalRunId: string): string {
  return patched(UNIQUE_RUN_ID) ? reconcileRunIdOf(temporalRunId) : `rec-${temporalRunId.replace(/-/g, '').slice(0, 10)}`;
}

/** Waits for all; fails with the first failure only once none is still running (no stray writer). */
async function allOrFirstError(steps: Array<Promise<unknown>>): Promise<void> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function reconcileWorkflow(input: ReconcileInput): Promise<RunResult> {
  const info = workflowInfo();
  const resume = input.resume;
  const runId = resume?.runId ?? reconcileRunId(info.firstExecutionRunId);
  const startedAtMs = resume?.startedAtMs ?? Date.now();
  const progress: Progress = { runId, phase: 'starting', total: {}, done: {}, heldReasons: [] };
  const waitForDecision = handleDecisions(progress, runId);

  const tally: ChunkTally = resume?.tally ?? { outcomes: {}, calls: {} };
  let plan: PlanResult | null = resume
    ? { summary: resume.summary, chunks: resume.chunks, guard: { tripped: false, reasons: [] }, directoryUsers: 0, warnings: 0 }
    : null;

  const finish = async (status: RunStatus, error?: string): Promise<RunResult> => {
    progress.phase = 'reporting';
    const mailsUsers = input.mode === 'apply' && status !== 'skipped';
    const report = await reportThenDeliver(
      () => bookkeeping.finishRun({ runId, workflowId: info.workflowId, status, error, tally, startedAtMs, mode: input.mode }),
      mailsUsers ? () => mail.deliverEmails({ runId }) : null,
    );
    progress.phase = 'done';
    return { ...report, heldReasons: progress.heldReasons };
  };

  return runToTheEnd(`reconcile ${runId}`, finish, async () => {
    if (!resume) {
      const begun = await bookkeeping.beginRun({
        runId,
        workflowId: info.workflowId,
        temporalRunId: info.firstExecutionRunId,
        mode: input.mode,
        trigger: input.trigger,
      });
      if (!begun.proceed) return await finish('skipped', begun.reason);

      const fastStart = patched(FAST_START);
      if (fastStart) {
        // Both sides at once: they are independent reads, and every second before the first
        // write is a second the rate limit is not used.
        progress.phase = 'snapshots';
        await allOrFirstError([reads.snapshotDirectory({ runId }), reads.snapshotContactCenter({ runId })]);
      } else {
        progress.phase = 'snapshot-directory';
        await reads.snapshotDirectory({ runId });
        progress.phase = 'snapshot-contact-center';
        await reads.snapshotContactCenter({ runId });
      }
      progress.phase = 'planning';
      // A run that will apply and whose guards pass moves to `applying` with its plan (one round
      // trip less before the first write); a held run moves there once approved.
      plan = await bookkeeping.computePlan(fastStart ? { runId, statusIfClear: input.mode === 'apply' ? 'applying' : undefined } : { runId });
      for (const kind of OP_ORDER) progress.total[kind] = plan.summary[kind];
      if (input.mode === 'plan') return await finish('planned');

      if (plan.guard.tripped) {
        progress.phase = 'held';
        progress.heldReasons = plan.guard.reasons;
        await bookkeeping.holdRun({ runId, workflowId: info.workflowId, reasons: plan.guard.reasons });
        const hours = await bookkeeping.approvalTimeoutHours();
        const d = await waitForDecision(hours);
        if (!d) return await finish('expired', `no decision within ${hours} h`);
        await bookkeeping.recordDecision({ runId, approved: d.approved, by: d.by });
        if (!d.approved) return await finish('rejected', `rejected by ${d.by}`);
      }
      if (!fastStart || plan.guard.tripped) await bookkeeping.setRunStatus({ runId, status: 'applying' });
    } else {
      for (const kind of OP_ORDER) progress.total[kind] = resume.summary[kind];
    }

    progress.phase = 'applying';
    const p = plan as PlanResult;
    const concurrency = (resume ? resume.concurrency : p.concurrency) ?? (await bookkeeping.applyConcurrency());
    const next = await applyWithProgress(progress, {
      runId,
      actor: input.trigger,
      adopt: true,
      chunks: p.chunks,
      concurrency,
      cursor: resume ? { kindIndex: resume.kindIndex, chunk: resume.chunk, createsStopped: resume.createsStopped } : { kindIndex: 0, chunk: 0, createsStopped: false },
      tally,
    });
    if (next) {
      return await continueAsNewWhenIdle<typeof reconcileWorkflow>({
        ...input,
        resume: { runId, startedAtMs, summary: p.summary, chunks: p.chunks, tally, concurrency, ...next },
      });
    }
    return await finish('completed');
  });
}
