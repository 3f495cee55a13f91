/**
 * adminJobWorkflow: one `users assign|edit|remove` request, durably.
 *
 * prepare (read the job's users from ZCC, plan its ops into the store) → apply the ops with the
 * shared apply engine (chunks of 100 users, op kinds in dependency order) → finish (per-user
 * outcomes, run report, emails queued) → deliver the emails. The request itself was stored by the
 * CLI under the job id, which is also this workflow's id: the payload is `{ jobId }` only.
 */
import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { BOOKKEEPING, MAIL, READS } from './activity-options';
import type { AdminJobActivities } from '../src/domain/activities';
import type { JobResult } from '../src/admin/types';
import { OP_ORDER, type OpKind, type PlanSummary } from '../src/domain/types';
import { applyWithProgress, type ApplyCursor } from './apply-ops';
import { progressQuery, type Progress } from './definitions';
import { continueAsNewWhenIdle, reportThenDeliver, runToTheEnd } from './lifecycle';
import type { ChunkTally } from '../src/domain/runs';

export interface AdminJobInput {
  jobId: string;
  /** Set by the workflow itself when it continues as new. */
  resume?: AdminJobResume;
}

export interface AdminJobResume extends ApplyCursor {
  startedAtMs: number;
  actor: string;
  /** The ops' audit actor. Absent in runs prepared before jobs had an origin: those were `cli:ACTOR`. */
  trigger?: string;
  summary: PlanSummary;
  chunks: Partial<Record<OpKind, number>>;
  concurrency: number;
  tally: ChunkTally;
}

const reads = proxyActivities<AdminJobActivities>(READS);
const bookkeeping = proxyActivities<AdminJobActivities>(BOOKKEEPING);
const mail = proxyActivities<AdminJobActivities>(MAIL);

export async function adminJobWorkflow(input: AdminJobInput): Promise<JobResult> {
  const { jobId, resume } = input;
  const info = workflowInfo();
  const startedAtMs = resume?.startedAtMs ?? Date.now();
  const progress: Progress = { runId: jobId, phase: 'starting', total: {}, done: {}, heldReasons: [] };
  setHandler(progressQuery, () => progress);
  const tally: ChunkTally = resume?.tally ?? { outcomes: {}, calls: {} };

  const finish = async (status: JobResult['status'], error?: string): Promise<JobResult> => {
    progress.phase = 'reporting';
    const result = await reportThenDeliver(
      () => bookkeeping.finishJob({ jobId, workflowId: info.workflowId, status, error, tally, startedAtMs }),
      () => mail.deliverJobEmails({ jobId }),
    );
    progress.phase = 'done';
    return result;
  };

  return runToTheEnd(`job ${jobId}`, finish, async () => {
    let plan: AdminJobResume;
    if (resume) {
      plan = resume;
    } else {
      progress.phase = 'snapshot-contact-center';
      const prepared = await reads.prepareJob({ jobId });
      plan = { startedAtMs, actor: prepared.actor, trigger: prepared.trigger, summary: prepared.summary, chunks: prepared.chunks, concurrency: prepared.concurrency, tally, kindIndex: 0, chunk: 0, createsStopped: false };
    }
    for (const kind of OP_ORDER) progress.total[kind] = plan.summary[kind];

    progress.phase = 'applying';
    const next = await applyWithProgress(progress, {
      runId: jobId,
      actor: plan.trigger ?? `cli:${plan.actor}`,
      // Only an assign makes a user managed (the engine records creates); an edit adopts no one.
      adopt: false,
      chunks: plan.chunks,
      concurrency: plan.concurrency,
      cursor: { kindIndex: plan.kindIndex, chunk: plan.chunk, createsStopped: plan.createsStopped },
      tally,
    });
    if (next) return await continueAsNewWhenIdle<typeof adminJobWorkflow>({ jobId, resume: { ...plan, tally, ...next } });
    return await finish('completed');
  });
}
