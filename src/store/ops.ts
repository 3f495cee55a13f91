/**
 * The `ops` table: a run's planned changes, one row per (user, op), numbered by `seq` and grouped
 * into chunks for the apply engine. Each op's status moves once from `pending` to its outcome.
 */
import type { Knex } from 'knex';
import type { StoreOrTx } from './db';
import { insertInSlices } from './bulk';
import type { Op, OpKind } from '../domain/types';
import type { ChunkMove, NumberedOp } from '../reconcile/chunks';
import { chunk } from '../util/chunk';

/** An op as stored: `before`/`after` are JSON texts. */
export interface OpRow {
  run_id: string;
  seq: number;
  kind: OpKind;
  chunk: number;
  email: string;
  before: string | null;
  after: string | null;
  /** pending | done | already | not_zoom_user | license_exhausted | failed | skipped */
  status: string;
  error: string | null;
  /** Why a leaver's op was planned (`disabled`), when not "left the mapped groups". */
  reason: string | null;
}

/** Statuses that count as a failure in reports. */
export const FAILED_STATUSES = ['failed', 'not_zoom_user', 'license_exhausted'];
/** Statuses of ops that took effect (or needed none). */
export const SUCCESS_STATUSES = ['done', 'already'];

export interface Failure {
  email: string;
  kind: string;
  outcome: string;
  error: string | null;
}

const now = () => new Date().toISOString();

/** A numbered op as a pending `ops` row. */
function opRow(runId: string, { op, kind, seq, chunk: c }: NumberedOp): Record<string, unknown> {
  return {
    run_id: runId, seq, kind, chunk: c, email: op.email,
    before: op.before ? JSON.stringify(op.before) : null, after: op.after ? JSON.stringify(op.after) : null, status: 'pending', reason: op.reason ?? null,
  };
}

export async function deleteOps(db: StoreOrTx, runId: string): Promise<void> {
  await db('ops').where({ run_id: runId }).delete();
}

export async function addOps(db: StoreOrTx, runId: string, ops: NumberedOp[]): Promise<void> {
  await insertInSlices(db, 'ops', ops.map((o) => opRow(runId, o)), 100);
}

/** Gives queue-add chunks their final numbers (see OpNumbering in src/reconcile/chunks.ts). */
export async function moveQueueChunks(db: StoreOrTx, runId: string, moves: ChunkMove[]): Promise<void> {
  for (const m of moves) {
    await db('ops')
      .where({ run_id: runId, kind: 'queueAdd' })
      .where('chunk', '>=', m.from)
      .where('chunk', '<', m.from + m.count)
      .update({ chunk: db.raw('chunk - ?', [m.from - m.to]) });
  }
}

/** The ops of one chunk in seq order. */
export async function chunkOps(db: StoreOrTx, runId: string, kind: OpKind, chunkNo: number): Promise<OpRow[]> {
  // Sorted here, not by SQL: with ORDER BY seq SQLite walks the run's primary key (every op of
  // the run, ~30 ms a chunk at 100k users) instead of the (run_id, kind, chunk) index.
  const rows: OpRow[] = await db('ops').where({ run_id: runId, kind, chunk: chunkNo });
  return rows.sort((a, b) => a.seq - b.seq);
}

/** Every op of a run in seq order, as planned. */
export async function runOps(db: StoreOrTx, runId: string): Promise<Op[]> {
  const rows: OpRow[] = await db('ops').where({ run_id: runId }).orderBy('seq');
  return rows.map((r) => ({
    email: r.email, kind: r.kind, before: r.before ? JSON.parse(r.before) : null, after: r.after ? JSON.parse(r.after) : null,
    ...(r.reason ? { reason: r.reason as Op['reason'] } : {}),
  }));
}

/** The ops of these users in a run, in seq order. */
export async function opsOfUsers(db: StoreOrTx, runId: string, emails: string[]): Promise<OpRow[]> {
  // Sorted here, not by SQL: ORDER BY seq makes SQLite walk the run's primary key instead of
  // the (run_id, email) index (42 ms instead of 8 ms a page at 100k users).
  const rows: OpRow[] = await db('ops').where('run_id', runId).whereIn('email', emails);
  return rows.sort((a, b) => a.seq - b.seq);
}

/** Statuses of a run's ops in seq order (admin jobs: outcomes per user). */
export async function opStatuses(db: StoreOrTx, runId: string): Promise<Array<Pick<OpRow, 'email' | 'kind' | 'status' | 'error'>>> {
  return db('ops').where({ run_id: runId }).orderBy('seq').select('email', 'kind', 'status', 'error');
}

/** Sets the status of ops by seq. */
export async function setOpStatus(db: StoreOrTx, runId: string, seqs: number[], status: string, error: string | null): Promise<void> {
  for (const part of chunk(seqs, 500)) await db('ops').where({ run_id: runId }).whereIn('seq', part).update({ status, error, updated_at: now() });
}

/** Marks the still-pending ops of a kind as skipped (e.g. creates after the license pool ran out). */
export async function skipPendingOps(db: StoreOrTx, runId: string, kind: OpKind, reason: string): Promise<number> {
  return db('ops').where({ run_id: runId, kind, status: 'pending' }).update({ status: 'skipped', error: reason, updated_at: now() });
}

/** Users among `emails` whose create in this run settled without success (not a Zoom user, no license…). */
export async function usersNotCreated(db: StoreOrTx, runId: string, emails: string[]): Promise<Set<string>> {
  const notCreated = new Set<string>();
  for (const part of chunk(emails, 500)) {
    // Read by (run_id, email) and filtered here: with kind in the WHERE clause SQLite picks the
    // (run_id, kind, chunk) index and walks every create op of the run for each chunk (100k at 100k users).
    const ops: Array<Pick<OpRow, 'email' | 'kind' | 'status'>> = await db('ops').where('run_id', runId).whereIn('email', part).select('email', 'kind', 'status');
    for (const op of ops) if (op.kind === 'create' && op.status !== 'pending' && !SUCCESS_STATUSES.includes(op.status)) notCreated.add(op.email);
  }
  return notCreated;
}

/** Failed ops of a run in seq order (`limit`: the first few, for an email). */
export async function runFailures(db: StoreOrTx, runId: string, limit?: number): Promise<Failure[]> {
  const q = db('ops').where({ run_id: runId }).whereIn('status', FAILED_STATUSES).orderBy('seq');
  const rows: OpRow[] = await (limit === undefined ? q : q.limit(limit));
  return rows.map((r) => ({ email: r.email, kind: r.kind, outcome: r.status, error: r.error }));
}

/** Users with an op that failed or was skipped (a user Zoom does not know is not a failure to retry: it is deferred). */
export async function usersWithFailedOps(db: StoreOrTx, runId: string): Promise<string[]> {
  const rows: Array<{ email: string }> = await db('ops').where({ run_id: runId }).whereIn('status', ['failed', 'license_exhausted', 'skipped']).distinct('email');
  return rows.map((r) => r.email);
}

export async function countRunFailures(db: StoreOrTx, runId: string): Promise<number> {
  const rows = await db('ops').where({ run_id: runId }).whereIn('status', FAILED_STATUSES).count<{ n: number }[]>({ n: '*' });
  return Number(rows[0]?.n ?? 0);
}

/** Creates that found no license (or were skipped once the pool ran out). */
export async function createsWithoutLicense(db: StoreOrTx, runId: string): Promise<OpRow[]> {
  return db('ops').where({ run_id: runId, kind: 'create' }).whereIn('status', ['license_exhausted', 'skipped']);
}

/**
 * The next page of a run's users (by email, after `after`) with no email of `userEvents` in the
 * outbox yet: at the end of a run, the users no apply chunk mailed.
 */
export async function usersNotMailed(db: StoreOrTx, runId: string, userEvents: string[], after: string, limit: number): Promise<string[]> {
  const rows: Array<{ email: string }> = await db('ops')
    .where('run_id', runId)
    .where('email', '>', after)
    .whereNotExists(db('outbox').select(db.raw('1')).where('outbox.workflow_id', runId).whereIn('outbox.event', userEvents).whereRaw('?? = ??', ['outbox.recipient', 'ops.email']))
    .distinct('email')
    .orderBy('email')
    .limit(limit);
  return rows.map((r) => r.email);
}

/** Counts for the reconcile benchmark: ops per kind, queue adds per (chunk, queue), ops per (kind, chunk). */
export async function opShape(db: Knex, runId: string): Promise<{
  byKind: Array<{ kind: string; n: number }>;
  queueAddsByChunkAndQueue: Array<{ chunk: number; queue: string; n: number }>;
  byKindAndChunk: Array<{ kind: string; chunk: number; n: number }>;
}> {
  const queueOf = db.client.config.client === 'pg' ? db.raw("(after::json ->> 'queue') as queue") : db.raw("json_extract(after, '$.queue') as queue");
  const num = <T extends { n: unknown }>(rows: T[]) => rows.map((r) => ({ ...r, n: Number(r.n) }));
  return {
    byKind: num(await db('ops').where({ run_id: runId }).groupBy('kind').select('kind').count({ n: '*' }) as Array<{ kind: string; n: number }>),
    queueAddsByChunkAndQueue: num(await db('ops').where({ run_id: runId, kind: 'queueAdd' }).groupBy('chunk', 'queue').select('chunk', queueOf).count({ n: '*' }) as Array<{ chunk: number; queue: string; n: number }>),
    byKindAndChunk: num(await db('ops').where({ run_id: runId }).groupBy('kind', 'chunk').select('kind', 'chunk').count({ n: '*' }) as Array<{ kind: string; chunk: number; n: number }>),
  };
}

/** How many of a run's ops there are per kind and status (a run's totals and live progress). */
export async function opCounts(db: StoreOrTx, runId: string): Promise<Array<{ kind: OpKind; status: string; n: number }>> {
  const rows: Array<{ kind: OpKind; status: string; n: number | string }> = await db('ops').where({ run_id: runId }).groupBy('kind', 'status').select('kind', 'status').count({ n: '*' });
  return rows.map((r) => ({ kind: r.kind, status: r.status, n: Number(r.n) }));
}

/** One page of a run's ops in seq order (the console's plan diff). */
export async function opsPage(db: StoreOrTx, runId: string, page: { offset: number; limit: number }): Promise<OpRow[]> {
  return db('ops').where({ run_id: runId }).orderBy('seq').offset(page.offset).limit(page.limit);
}
