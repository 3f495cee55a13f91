/**
 * Every user change from the console is the CLI's admin job: checked exactly as the CLI checks it
 * (same messages), stored as a job with the signed-in user as its actor (the audit log's), then
 * run by `adminJobWorkflow`. Returns the job id (the run's id), or the problems and nothing started.
 */
import { randomUUID } from 'crypto';
import { checkJob } from '../../src/admin/check-job';
import { jobIdFor } from '../../src/admin/types';
import type { RawRequest } from '../../src/admin/validate';
import { setJobStatus, storeJob } from '../../src/store/jobs';
import { adminJobWorkflow } from '../../workflows/admin-job';
import type { ConsoleDeps, ConsoleUser } from '../deps';

export type Started = { jobId: string; problems: [] } | { jobId: null; problems: string[] };

export async function startJob(deps: ConsoleDeps, user: ConsoleUser, raw: RawRequest): Promise<Started> {
  let checked;
  try {
    checked = await checkJob(raw, deps.zoom);
  } catch (err) {
    return { jobId: null, problems: [`cannot read Zoom Contact Center to check the role and queue names: ${(err as Error).message} (fix: check contactCenter in the config)`] };
  }
  if (!checked.request) return { jobId: null, problems: checked.problems };
  const jobId = jobIdFor(raw.kind, randomUUID());
  await storeJob(deps.db, jobId, user.name, checked.request, 'console');
  try {
    await deps.temporal.workflow.start(adminJobWorkflow, { taskQueue: deps.config.temporal.taskQueue, workflowId: jobId, args: [{ jobId }] });
  } catch (err) {
    await setJobStatus(deps.db, jobId, 'not_started', true);
    return { jobId: null, problems: [`could not start the ${raw.kind} job on Temporal: ${(err as Error).message}`] };
  }
  return { jobId, problems: [] };
}
