/**
 * The admin job's activities (`users assign|edit|remove`): prepare (read the job's users from
 * ZCC, plan its ops into the store) and finish (per-user outcomes, run report, emails). The ops in
 * between are applied by the shared apply engine, exactly as a reconcile's. Everything is read
 * and written by job id (= workflow id = run id).
 */
import { Context } from '@temporalio/activity';
import { finishJob } from '../src/admin/finish-job';
import { prepareJob } from '../src/admin/prepare-job';
import type { AdminJobActivities } from '../src/domain/activities';
import { failFastOnBadInput, heartbeat } from './context';
import type { ActivityDeps } from './deps';

export function createAdminActivities(deps: ActivityDeps): AdminJobActivities {
  return {
    prepareJob: (input) =>
      failFastOnBadInput(() => {
        const execution = Context.current().info.workflowExecution;
        return prepareJob(deps, input.jobId, { workflowId: execution?.workflowId ?? input.jobId, temporalRunId: execution?.runId ?? null }, heartbeat);
      }),
    finishJob: (input) => failFastOnBadInput(() => finishJob(deps, input)),
    deliverJobEmails: (input) => deps.notify.deliver({ runId: input.jobId }),
  };
}
