/**
 * An admin job's last step: each user's outcome from their ops (or from the plan, for users
 * settled without an op), the run's report, the users' and admins' emails queued. Runs again
 * after a crash and converges: outcomes are recomputed from op statuses, and the outbox's dedupe
 * key keeps every email single.
 */
import type { ChunkTally } from '../domain/runs';
import { countRunFinished } from '../metrics/runs';
import type { RunEnd } from '../runs/report';
import { runReportOf } from '../runs/report';
import type { RunServices } from '../runs/services';
import { inTransaction } from '../store/db';
import { jobItems, jobTrigger, setItemOutcomes, setJobStatus, type JobItem } from '../store/jobs';
import { opStatuses } from '../store/ops';
import { finishRunRow, getRun, parseSummary } from '../store/runs';
import { groupBy } from '../util/group-by';
import { itemOutcome, type OpStatus } from './job-ops';
import type { ItemOutcome, JobResult } from './types';
import { loadJob } from './prepare-job';

export interface FinishJobInput extends Omit<RunEnd, 'runId' | 'status'> {
  jobId: string;
  status: JobResult['status'];
}

export async function finishJob(deps: Pick<RunServices, 'db' | 'logger' | 'notify'>, input: FinishJobInput): Promise<JobResult> {
  const { db, logger } = deps;
  const { jobId } = input;
  const job = await loadJob(deps, jobId);
  const counts = await settleItems(deps, input);

  const run = await getRun(db, jobId);
  const report = runReportOf({ ...input, runId: jobId }, run ? parseSummary(run) : null, counts.failed + counts.not_zoom_user);
  await finishRunRow(db, { id: jobId, workflowId: input.workflowId, kind: job.kind, trigger: jobTrigger(job), status: input.status, report });
  countRunFinished(run, job.kind, report);
  await setJobStatus(db, jobId, input.status, true);

  // One email per user whose license or settings changed (from the ops that took effect), and
  // the admins' report, whose counts are per user (done / already so / failed) for this job.
  await deps.notify.userChanges({ runId: jobId });
  const perUser = { users: { ...counts } };
  await deps.notify.runReport({
    runId: jobId,
    workflowId: input.workflowId,
    // The report template accepts any row name; `users` is not an op kind, hence the cast.
    result: { ...report, outcomes: perUser as unknown as ChunkTally['outcomes'] },
    kind: job.kind,
    actor: job.actor,
  });
  logger.info({ jobId, status: input.status, ...counts }, 'admin job finished');
  return { jobId, workflowId: input.workflowId, kind: job.kind, status: input.status, counts, durationMs: report.durationMs, ...(input.error ? { error: input.error } : {}) };
}

/** Each user's outcome, written to the job's items; returns the counts per outcome. */
async function settleItems(deps: Pick<RunServices, 'db'>, input: FinishJobInput): Promise<Record<ItemOutcome, number>> {
  const items = await jobItems(deps.db, input.jobId);
  const opsByEmail = groupBy(await opStatuses(deps.db, input.jobId), (op) => op.email);
  const stopped = input.status === 'cancelled' ? 'the job was cancelled before this change was made' : `the job stopped before this change was made${input.error ? `: ${input.error}` : ''}`;
  const counts: Record<ItemOutcome, number> = { done: 0, already: 0, not_zoom_user: 0, failed: 0 };
  const changed: Array<{ seq: number; outcome: ItemOutcome; error: string | null }> = [];
  for (const item of items) {
    const { outcome, error } = outcomeOf(item, opsByEmail.get(item.email.toLowerCase()), stopped, input.error);
    counts[outcome]++;
    if (outcome !== item.outcome || error !== item.error) changed.push({ seq: item.seq, outcome, error });
  }
  await inTransaction(deps.db, (trx) => setItemOutcomes(trx, input.jobId, changed));
  return counts;
}

function outcomeOf(item: JobItem, ops: OpStatus[] | undefined, stopped: string, jobError: string | undefined): { outcome: ItemOutcome; error: string | null } {
  if (ops?.length) {
    const { outcome, error = null } = itemOutcome(ops, stopped);
    return { outcome, error };
  }
  if (item.outcome) return { outcome: item.outcome, error: item.error };
  return { outcome: 'failed', error: jobError ?? stopped };
}
