/**
 * Admin jobs (`users assign|edit|remove`): the request (`jobs`, params as JSON) and one row per
 * user (`job_items`), stored by the CLI before the workflow starts, so the workflow's payload is
 * the job id only; the job's per-user outcomes are written back here.
 */
import type { Store, StoreOrTx } from './db';
import { insertInSlices } from './bulk';
import type { ItemOutcome, ItemParams, JobItemRequest, JobKind, JobParams, JobRequest } from '../admin/types';

export interface Job {
  id: string;
  kind: JobKind;
  actor: string;
  /** Where the job was asked for; its run's trigger is `ORIGIN:ACTOR`. */
  origin: JobOrigin;
  params: JobParams;
  total: number;
  status: string;
}

export type JobOrigin = 'cli' | 'console';

/** The job's run trigger and audit actor: `cli:alice`, `console:alice`. */
export const jobTrigger = (job: Pick<Job, 'origin' | 'actor'>): string => `${job.origin}:${job.actor}`;

export interface JobItem {
  seq: number;
  /** As the CLI stored it (the job's users are matched lower-cased). */
  email: string;
  params: ItemParams | null;
  outcome: ItemOutcome | null;
  error: string | null;
}

/** The request, stored before the workflow starts. */
export async function storeJob(db: Store, jobId: string, actor: string, request: JobRequest, origin: JobOrigin = 'cli'): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction(async (trx) => {
    await trx('jobs').insert({ id: jobId, kind: request.kind, actor, origin, params: JSON.stringify(request.params), total: request.items.length, status: 'pending', created_at: now });
    await insertInSlices(trx, 'job_items', request.items.map((item, seq) => ({
      job_id: jobId, seq, email: item.email, params: item.params ? JSON.stringify(item.params) : null, outcome: null, error: null,
    })));
  });
}

export async function getJob(db: StoreOrTx, jobId: string): Promise<Job | null> {
  const row = await db('jobs').where({ id: jobId }).first();
  return row ? { id: row.id, kind: row.kind, actor: row.actor, origin: row.origin, params: JSON.parse(row.params), total: row.total, status: row.status } : null;
}

/** `finished`: the job ended (any status but a working one). */
export async function setJobStatus(db: StoreOrTx, jobId: string, status: string, finished = false): Promise<void> {
  await db('jobs').where({ id: jobId }).update({ status, ...(finished ? { finished_at: new Date().toISOString() } : {}) });
}

export async function jobItems(db: StoreOrTx, jobId: string): Promise<JobItem[]> {
  const rows = await db('job_items').where({ job_id: jobId }).orderBy('seq');
  return rows.map((r: { seq: number; email: string; params: string | null; outcome: ItemOutcome | null; error: string | null }) => ({
    seq: r.seq, email: r.email, params: r.params ? (JSON.parse(r.params) as ItemParams) : null, outcome: r.outcome, error: r.error,
  }));
}

/** The job's users as the planner takes them: emails lower-cased, with their row's overrides. */
export function itemRequests(items: JobItem[]): JobItemRequest[] {
  return items.map((i) => ({ email: i.email.toLowerCase(), ...(i.params ? { params: i.params } : {}) }));
}

/** Writes per-user outcomes (only rows that change); `reset` first clears every row's outcome. */
export async function setItemOutcomes(db: StoreOrTx, jobId: string, outcomes: Array<{ seq: number; outcome: ItemOutcome | null; error: string | null }>, reset = false): Promise<void> {
  if (reset) await db('job_items').where({ job_id: jobId }).update({ outcome: null, error: null });
  for (const o of outcomes) await db('job_items').where({ job_id: jobId, seq: o.seq }).update({ outcome: o.outcome, error: o.error });
}
