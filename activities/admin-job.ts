/**
 * The admin job's activities (`users assign|edit|remove`): prepare (read the job's users from
 * ZCC, plan its ops into the store) and finish (per-user outcomes, run report, emails). The ops in
 * between are applied by the shared apply engine (activities/apply.ts), exactly as a reconcile's.
 *
 * Everything is read and written by job id (= workflow id = run id): the workflow passes ids and
 * counts only. Both activities can run again after a crash or retry and converge: prepare rewrites
 * the job's snapshot and ops (nothing was applied yet), finish recomputes outcomes from op statuses,
 * and the outbox's dedupe key keeps every email single.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Config } from '../src/config/schema';
import type { Logger } from '../src/log/logger';
import type { ActualUser, OpKind, PlanSummary } from '../src/domain/types';
import { itemOutcome, planJob, type OpStatus } from '../src/admin/job-ops';
import { actualUserOf } from '../src/reconcile/actual';
import type { ItemOutcome, ItemParams, JobItemRequest, JobKind, JobParams, JobResult } from '../src/admin/types';
import { ZoomInputError, itemsOf, type ZoomCcClient } from '../src/zoom';
import type { Notifier } from './notify';
import { writeOps } from './plan-run';
import { getKv, insertInSlices, putKv, saveNames } from './run-store';
import type { ChunkTally, RunResult, RunStatus } from '../src/domain/runs';

/** The ZCC reads a job needs (the apply engine does the writes with the same client). */
export type AdminZoomReads = Pick<ZoomCcClient, 'allUsers' | 'listQueueAgents' | 'resolveRoles' | 'resolveQueues'>;

export interface AdminJobDeps {
  db: Knex;
  config: Config;
  logger: Logger;
  zoom: AdminZoomReads;
  notify: Pick<Notifier, 'userChanges' | 'runReport' | 'deliver'>;
}

export interface PrepareJobResult {
  kind: JobKind;
  actor: string;
  summary: PlanSummary;
  /** Chunks per op kind, for the apply loop. */
  chunks: Partial<Record<OpKind, number>>;
  concurrency: number;
  /** Users in the job; users settled without any op (already so, or failed). */
  users: number;
  settled: number;
}

export interface FinishJobInput {
  jobId: string;
  workflowId: string;
  status: JobResult['status'];
  error?: string;
  tally: ChunkTally;
  startedAtMs: number;
}

/** kv key: ZCC users in the account at the last full listing (decides search vs listing). */
export const ACCOUNT_USERS_KEY = 'zccAccountUsers';
/** Without a known account size, jobs of at most this many users search user by user. */
export const SEARCH_MAX_UNKNOWN = 20;
const LIST_PAGE = 300;

interface JobRow {
  id: string;
  kind: JobKind;
  actor: string;
  params: string;
  total: number;
  status: string;
}

interface ItemRow {
  job_id: string;
  seq: number;
  email: string;
  params: string | null;
  outcome: ItemOutcome | null;
  error: string | null;
}

export function createAdminActivities(deps: AdminJobDeps) {
  const { db, config, logger, zoom } = deps;
  const heartbeat = (details: unknown) => Context.current().heartbeat(details);

  async function loadJob(jobId: string): Promise<JobRow> {
    const job: JobRow | undefined = await db('jobs').where({ id: jobId }).first();
    if (!job) throw ApplicationFailure.nonRetryable(`job ${jobId} is not in the store (the CLI stores it before starting the workflow; is the worker using the same store?)`, 'InputError');
    return job;
  }

  async function prepareJob(input: { jobId: string }): Promise<PrepareJobResult> {
    const { jobId } = input;
    const job = await loadJob(jobId);
    const params: JobParams = JSON.parse(job.params);
    const rows: ItemRow[] = await db('job_items').where({ job_id: jobId }).orderBy('seq');
    const items: JobItemRequest[] = rows.map((r) => ({ email: r.email.toLowerCase(), ...(r.params ? { params: JSON.parse(r.params) as ItemParams } : {}) }));
    const now = new Date().toISOString();
    const info = Context.current().info;
    await db('runs')
      .insert({
        id: jobId, workflow_id: info.workflowExecution?.workflowId ?? jobId, temporal_run_id: info.workflowExecution?.runId ?? null, kind: job.kind,
        trigger: `cli:${job.actor}`, status: 'planning', created_at: now, updated_at: now,
      })
      .onConflict('id')
      .ignore();
    await db('jobs').where({ id: jobId }).update({ status: 'preparing' });

    // Names → ids, as the apply engine needs them. A name deleted in ZCC since the CLI checked it
    // fails the job before any change.
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
      roles = roleNames.size ? await zoom.resolveRoles(roleNames) : new Map();
      queues = queueNames.size ? await zoom.resolveQueues(queueNames) : new Map();
    } catch (err) {
      if (err instanceof ZoomInputError) throw ApplicationFailure.nonRetryable(err.message, 'InputError');
      throw err;
    }
    await saveNames(db, jobId, { roles: Object.fromEntries(roles), queues: Object.fromEntries(queues) });

    const actual = await readUsers(new Set(items.map((i) => i.email)));
    // Queue membership of the job's users, for the queues the job names only.
    for (const [name, id] of queues) {
      for await (const agent of itemsOf(zoom.listQueueAgents(id))) {
        const u = actual.get((agent.user_email ?? '').toLowerCase());
        if (u && !u.queues.includes(name)) u.queues.push(name);
      }
    }
    await db.transaction(async (trx) => {
      await trx('cc_snapshot').where({ run_id: jobId }).delete();
      await insertInSlices(trx, 'cc_snapshot', [...actual.values()].map((u) => ({
        run_id: jobId, email: u.email, user_id: u.userId, display_name: u.displayName, role_name: u.roleName,
        package_name: u.packageName, access: u.access, queues: JSON.stringify(u.queues), settings: JSON.stringify(u.settings),
      })));
    });

    const plan = planJob(job.kind, params, items, actual);
    const chunks = await writeOps(db, jobId, plan.ops, config.policy.chunkSize);
    await db.transaction(async (trx) => {
      await trx('job_items').where({ job_id: jobId }).update({ outcome: null, error: null });
      for (const r of rows) {
        const s = plan.settled.get(r.email.toLowerCase());
        if (s) await trx('job_items').where({ job_id: jobId, seq: r.seq }).update({ outcome: s.outcome, error: s.note ?? null });
      }
      await trx('runs').where({ id: jobId }).update({ summary: JSON.stringify(plan.summary), status: 'applying', updated_at: new Date().toISOString() });
      await trx('jobs').where({ id: jobId }).update({ status: 'applying' });
    });
    logger.info({ jobId, kind: job.kind, users: items.length, found: actual.size, ...plan.summary }, 'admin job planned');
    return { kind: job.kind, actor: job.actor, summary: plan.summary, chunks, concurrency: config.policy.concurrency, users: items.length, settled: plan.settled.size };
  }

  /**
   * The job's users as ZCC has them. A search is one call per user; a full listing is one call per
   * 300 users of the account. Search when the job has fewer users than the account has pages (the
   * account size is remembered from the last full listing); with no size known yet, search only
   * for small jobs (≤ 20 users) and otherwise list, which records the size for next time.
   */
  async function readUsers(emails: Set<string>): Promise<Map<string, ActualUser>> {
    const found = new Map<string, ActualUser>();
    const known = await getKv<number>(db, ACCOUNT_USERS_KEY);
    const bySearch = known === null ? emails.size <= SEARCH_MAX_UNKNOWN : emails.size < Math.ceil(known / LIST_PAGE);
    if (bySearch) {
      const list = [...emails];
      let next = 0;
      const lane = async () => {
        while (next < list.length) {
          const email = list[next++];
          for await (const u of zoom.allUsers({ search_key: email })) {
            if (u.user_email?.toLowerCase() === email) found.set(email, actualUserOf(u));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, list.length) }, lane));
      heartbeat({ searched: list.length });
      return found;
    }
    let seen = 0;
    for await (const u of zoom.allUsers()) {
      seen++;
      const email = (u.user_email ?? '').toLowerCase();
      if (emails.has(email)) found.set(email, actualUserOf(u));
      if (seen % 3000 === 0) heartbeat({ listed: seen });
    }
    await putKv(db, ACCOUNT_USERS_KEY, seen);
    return found;
  }

  async function finishJob(input: FinishJobInput): Promise<JobResult> {
    const { jobId } = input;
    const job = await loadJob(jobId);
    const rows: ItemRow[] = await db('job_items').where({ job_id: jobId }).orderBy('seq');
    const opsByEmail = new Map<string, OpStatus[]>();
    for (const op of await db('ops').where({ run_id: jobId }).orderBy('seq').select('email', 'kind', 'status', 'error')) {
      const list = opsByEmail.get(op.email) ?? [];
      list.push(op);
      opsByEmail.set(op.email, list);
    }
    const counts: Record<ItemOutcome, number> = { done: 0, already: 0, not_zoom_user: 0, failed: 0 };
    const stopped = input.status === 'cancelled' ? 'the job was cancelled before this change was made' : `the job stopped before this change was made${input.error ? `: ${input.error}` : ''}`;
    await db.transaction(async (trx) => {
      for (const r of rows) {
        const ops = opsByEmail.get(r.email.toLowerCase());
        let outcome: ItemOutcome;
        let error: string | null;
        if (ops?.length) ({ outcome, error = null } = itemOutcome(ops, stopped));
        else if (r.outcome) [outcome, error] = [r.outcome, r.error];
        else [outcome, error] = ['failed', input.error ?? stopped];
        counts[outcome]++;
        if (outcome !== r.outcome || error !== r.error) await trx('job_items').where({ job_id: jobId, seq: r.seq }).update({ outcome, error });
      }
    });

    const finishedAt = new Date().toISOString();
    const failures = counts.failed + counts.not_zoom_user;
    const run = await db('runs').where({ id: jobId }).first();
    const result: Omit<RunResult, 'heldReasons'> = {
      runId: jobId,
      workflowId: input.workflowId,
      status: input.status as RunStatus,
      summary: run?.summary ? JSON.parse(run.summary) : null,
      outcomes: input.tally.outcomes,
      failures,
      apiCalls: input.tally.calls,
      durationMs: Date.now() - input.startedAtMs,
      ...(input.error ? { error: input.error } : {}),
    };
    if (run) await db('runs').where({ id: jobId }).update({ status: input.status, report: JSON.stringify(result), updated_at: finishedAt, finished_at: finishedAt });
    else {
      await db('runs').insert({
        id: jobId, workflow_id: input.workflowId, temporal_run_id: null, kind: job.kind, trigger: `cli:${job.actor}`, status: input.status,
        report: JSON.stringify(result), created_at: finishedAt, updated_at: finishedAt, finished_at: finishedAt,
      }).onConflict('id').ignore();
    }
    await db('jobs').where({ id: jobId }).update({ status: input.status, finished_at: finishedAt });

    // One email per user whose license or settings changed (from the ops that took effect), and
    // the admins' report, whose counts are per user (done / already so / failed) for this job.
    await deps.notify.userChanges({ runId: jobId });
    const perUser = { users: { done: counts.done, already: counts.already, not_zoom_user: counts.not_zoom_user, failed: counts.failed } };
    await deps.notify.runReport({
      runId: jobId,
      workflowId: input.workflowId,
      // The report template accepts any row name; `users` is not an op kind, hence the cast.
      result: { ...result, outcomes: perUser as unknown as ChunkTally['outcomes'] },
      kind: job.kind,
      actor: job.actor,
    });
    logger.info({ jobId, status: input.status, ...counts }, 'admin job finished');
    return { jobId, workflowId: input.workflowId, kind: job.kind, status: input.status, counts, durationMs: result.durationMs, ...(input.error ? { error: input.error } : {}) };
  }

  return {
    prepareJob,
    finishJob,
    deliverJobEmails: (input: { jobId: string }) => deps.notify.deliver({ runId: input.jobId }),
  };
}

export type AdminActivities = ReturnType<typeof createAdminActivities>;
