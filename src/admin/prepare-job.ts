/**
 * An admin job's first step (`users assign|edit|remove`): resolve its role and queue names, read
 * its users from ZCC, plan its ops into the store. Can run again after a crash or retry and
 * converge: it rewrites the job's snapshot and ops (nothing was applied yet).
 */
import type { OpKind, PlanSummary } from '../domain/types';
import { InputError } from '../domain/errors';
import { metrics } from '../metrics/events';
import type { Heartbeat, RunServices } from '../runs/services';
import { writeOps } from '../reconcile/plan-run';
import { inTransaction } from '../store/db';
import { saveNames } from '../store/facts';
import { getJob, itemRequests, jobTrigger, jobItems, setItemOutcomes, setJobStatus, type Job } from '../store/jobs';
import { createRun, getRun, recordPlan } from '../store/runs';
import { addContactCenterUsers, clearContactCenterSnapshot } from '../store/snapshots';
import { ZoomInputError } from '../zoom';
import { planJob } from './job-ops';
import { readJobUsers } from './job-users';
import type { JobItemRequest, JobKind, JobParams } from './types';

export interface PrepareJobResult {
  kind: JobKind;
  actor: string;
  /** `ORIGIN:ACTOR` (cli or console): the audit actor of the job's ops. */
  trigger: string;
  summary: PlanSummary;
  /** Chunks per op kind, for the apply loop. */
  chunks: Partial<Record<OpKind, number>>;
  concurrency: number;
  /** Users in the job; users settled without any op (already so, or failed). */
  users: number;
  settled: number;
}

/** Where the job's workflow runs, for its run row. */
export interface JobExecution {
  workflowId: string;
  temporalRunId: string | null;
}

export async function loadJob(deps: Pick<RunServices, 'db'>, jobId: string): Promise<Job> {
  const job = await getJob(deps.db, jobId);
  if (!job) throw new InputError(`job ${jobId} is not in the store (the CLI stores it before starting the workflow; is the worker using the same store?)`);
  return job;
}

export async function prepareJob(deps: RunServices, jobId: string, execution: JobExecution, heartbeat: Heartbeat): Promise<PrepareJobResult> {
  const { db, config, logger } = deps;
  const job = await loadJob(deps, jobId);
  const rows = await jobItems(db, jobId);
  const items = itemRequests(rows);
  const isNew = !(await getRun(db, jobId)); // a retried prepare starts nothing new
  await createRun(db, { id: jobId, workflowId: execution.workflowId, temporalRunId: execution.temporalRunId, kind: job.kind, trigger: jobTrigger(job), status: 'planning' });
  if (isNew) metrics.runStarted(job.kind);
  await setJobStatus(db, jobId, 'preparing');

  const { queues } = await resolveJobNames(deps, jobId, job.params, items);
  const actual = await readJobUsers(deps, new Set(items.map((i) => i.email)), queues, heartbeat);
  await inTransaction(db, async (trx) => {
    await clearContactCenterSnapshot(trx, jobId);
    await addContactCenterUsers(trx, jobId, [...actual.values()]);
  });

  const plan = planJob(job.kind, job.params, items, actual);
  const chunks = await writeOps(db, jobId, plan.ops, config.policy.chunkSize);
  await inTransaction(db, async (trx) => {
    const settled = rows.flatMap((r) => {
      const s = plan.settled.get(r.email.toLowerCase());
      return s ? [{ seq: r.seq, outcome: s.outcome, error: s.note ?? null }] : [];
    });
    await setItemOutcomes(trx, jobId, settled, true);
    await recordPlan(trx, jobId, { summary: plan.summary, status: 'applying' });
    await setJobStatus(trx, jobId, 'applying');
  });
  logger.info({ jobId, kind: job.kind, users: items.length, found: actual.size, ...plan.summary }, 'admin job planned');
  return { kind: job.kind, actor: job.actor, trigger: jobTrigger(job), summary: plan.summary, chunks, concurrency: config.policy.concurrency, users: items.length, settled: plan.settled.size };
}

/**
 * Names → ids, as the apply engine needs them, saved for the job's chunks. A name deleted in ZCC
 * since the CLI checked it fails the job before any change.
 */
async function resolveJobNames(deps: Pick<RunServices, 'db' | 'zoom'>, jobId: string, params: JobParams, items: JobItemRequest[]): Promise<{ roles: Map<string, string>; queues: Map<string, string> }> {
  const roleNames = new Set<string>();
  const queueNames = new Set<string>();
  if (params.role) roleNames.add(params.role);
  for (const q of [...(params.queues ?? []), ...(params.addQueues ?? []), ...(params.removeQueues ?? [])]) queueNames.add(q);
  for (const i of items) {
    if (i.params?.role) roleNames.add(i.params.role);
    for (const q of i.params?.queues ?? []) queueNames.add(q);
  }
  let roles: Map<string, string>;
  let queues: Map<string, string>;
  try {
    roles = roleNames.size ? await deps.zoom.resolveRoles(roleNames) : new Map();
    queues = queueNames.size ? await deps.zoom.resolveQueues(queueNames) : new Map();
  } catch (err) {
    if (err instanceof ZoomInputError) throw new InputError(err.message);
    throw err;
  }
  await saveNames(deps.db, jobId, { roles: Object.fromEntries(roles), queues: Object.fromEntries(queues) });
  return { roles, queues };
}
