/**
 * The `outbox` table: the one place that knows its columns and statements. The delivery policy
 * (which row goes where, when, and why at most once) lives in src/mail/outbox.ts; each function
 * here is one statement, named after what it does to rows.
 *
 * What the statements themselves guarantee, and the policy relies on:
 *   - `dedupe_key` is unique and inserts ignore conflicts (`ON CONFLICT (dedupe_key) DO NOTHING`),
 *     so inserting the same row again (a retried activity, a replayed workflow) adds nothing,
 *     also when another enqueue races this one;
 *   - every status change is a conditional UPDATE (`WHERE id = ? AND status …`) whose affected
 *     row count says whether this caller made the change: two deliverers (a retried activity
 *     racing its predecessor, two workers) never both claim a row, and a row another deliverer
 *     already settled is not overwritten.
 */
import type { Knex } from 'knex';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';

export interface OutboxRow {
  id: number;
  dedupe_key: string;
  workflow_id: string;
  event: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  status: OutboxStatus;
  message_id: string | null;
  attempts: number;
  error: string | null;
  created_at: string;
  sent_at: string | null;
  claimed_at: string | null;
}

/** A row to insert: what enqueue decides; the store fills in `id` and leaves the rest NULL. */
export type NewOutboxRow = Pick<OutboxRow, 'dedupe_key' | 'workflow_id' | 'event' | 'recipient' | 'subject' | 'text' | 'html' | 'status' | 'attempts' | 'created_at'> & {
  error?: string;
};

/** Which rows a deliverer works on: one workflow's, or (no workflowId) every row. */
export interface OutboxScope {
  workflowId?: string;
}

export interface OutboxSummary {
  total: number;
  byStatus: Record<OutboxStatus, number>;
  /** Failed and unknown rows (first 100), for the admin report. */
  problems: Array<{ recipient: string; event: string; status: OutboxStatus; error: string | null }>;
}

const TABLE = 'outbox';
const INSERT_CHUNK = 50; // 10 columns a row: stays under SQLite's 999 bound parameters

function scoped(q: Knex.QueryBuilder, scope: OutboxScope): Knex.QueryBuilder {
  return scope.workflowId === undefined ? q : q.where('workflow_id', scope.workflowId);
}

/** `status = ?` for one status, `status in (…)` for several. */
function inStatus(q: Knex.QueryBuilder, from: OutboxStatus | readonly OutboxStatus[]): Knex.QueryBuilder {
  return typeof from === 'string' ? q.where('status', from) : q.whereIn('status', from);
}

/**
 * Inserts rows in chunks; a row whose dedupe key is already in the table adds nothing.
 * `duplicates` counts the keys that were already present (the rows must have distinct keys).
 */
export async function insertOutboxRows(db: Knex, rows: NewOutboxRow[]): Promise<{ inserted: number; duplicates: number }> {
  let inserted = 0;
  let duplicates = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    // Counting only: the unique key and the ignored conflict are what make this idempotent,
    // also against a concurrent enqueue between this read and the insert.
    const existing = await db(TABLE).whereIn('dedupe_key', chunk.map((r) => r.dedupe_key)).count<{ n: number | string }[]>({ n: '*' });
    const already = Number(existing[0]?.n ?? 0);
    await db(TABLE).insert(chunk).onConflict('dedupe_key').ignore();
    inserted += chunk.length - already;
    duplicates += already;
  }
  return { inserted, duplicates };
}

/** pending → skipped with this error, for every pending row in scope; returns how many. */
export async function skipPendingRows(db: Knex, scope: OutboxScope, error: string): Promise<number> {
  return scoped(db(TABLE).where('status', 'pending'), scope).update({ status: 'skipped', error });
}

/** Rows in one of these statuses whose claim is older than `claimedBefore` (ISO time), oldest first. */
export async function staleRows(db: Knex, scope: OutboxScope, statuses: readonly OutboxStatus[], claimedBefore: string): Promise<OutboxRow[]> {
  return scoped(db(TABLE).whereIn('status', statuses).where('claimed_at', '<', claimedBefore), scope).orderBy('id');
}

/** Up to `limit` pending rows with an id above `cursor`, by id. */
export async function pendingRowsAfter(db: Knex, scope: OutboxScope, cursor: number, limit: number): Promise<OutboxRow[]> {
  return scoped(db(TABLE).where('status', 'pending').where('id', '>', cursor), scope).orderBy('id').limit(limit);
}

/**
 * pending → sending, counting the attempt and stamping the claim time and Message-ID. True when
 * this caller took the row; false when another deliverer had it already.
 */
export async function claimRow(db: Knex, id: number, claim: { attempts: number; messageId: string }): Promise<boolean> {
  const claimed = await db(TABLE)
    .where({ id, status: 'pending' })
    .update({ status: 'sending', attempts: claim.attempts, claimed_at: new Date().toISOString(), message_id: claim.messageId });
  return claimed === 1;
}

/**
 * The row becomes `sent` (now, error cleared) if it is still in one of `from`; returns the rows
 * changed (0 or 1). A single statement: nothing is awaited before the UPDATE is issued, which
 * keeps the at-most-once window of src/mail/outbox.ts as small as it can be.
 */
export function markSent(db: Knex, id: number, from: OutboxStatus | readonly OutboxStatus[]): Promise<number> {
  return settleRow(db, id, from, { status: 'sent', sent_at: new Date().toISOString(), error: null });
}

/** Sets the row's status (and error) if it is still in `from`; returns the rows changed (0 or 1). */
export async function settleRow(
  db: Knex,
  id: number,
  from: OutboxStatus | readonly OutboxStatus[],
  values: { status: OutboxStatus; error: string | null; sent_at?: string },
): Promise<number> {
  return inStatus(db(TABLE).where({ id }), from).update(values);
}

/** Rows in scope that are in `sending` right now. */
export async function countSending(db: Knex, scope: OutboxScope): Promise<number> {
  const [{ n }] = await scoped(db(TABLE).where('status', 'sending'), scope).count<{ n: number | string }[]>({ n: '*' });
  return Number(n);
}

/** Counts of a workflow's rows by status (only these events, if given) and the first 100 failed or unknown rows. */
export async function summarizeOutbox(db: Knex, workflowId: string, options: { events?: string[] } = {}): Promise<OutboxSummary> {
  const base = () => {
    const q = db(TABLE).where('workflow_id', workflowId);
    return options.events ? q.whereIn('event', options.events) : q;
  };
  const counts = await base().select('status').count<{ status: OutboxStatus; n: number | string }[]>({ n: '*' }).groupBy('status');
  const byStatus: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, skipped: 0 };
  let total = 0;
  for (const c of counts) {
    byStatus[c.status] = Number(c.n);
    total += Number(c.n);
  }
  const problems = await base().whereIn('status', ['failed', 'unknown']).orderBy('id').limit(100).select('recipient', 'event', 'status', 'error');
  return { total, byStatus, problems };
}

/** Rows in each of these statuses, over the whole outbox (the metrics' pending and failed gauges). */
export async function outboxCounts(db: Knex, statuses: readonly OutboxStatus[]): Promise<Record<OutboxStatus, number>> {
  const rows = await db(TABLE).whereIn('status', statuses).select('status').count<{ status: OutboxStatus; n: number | string }[]>({ n: '*' }).groupBy('status');
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<OutboxStatus, number>;
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

/** Which of these workflow ids have a row of this event (the workflow id index: no table scan). */
export async function workflowsWithEvent(db: Knex, workflowIds: readonly string[], event: string): Promise<string[]> {
  if (workflowIds.length === 0) return [];
  const rows: Array<{ workflow_id: string }> = await db(TABLE).whereIn('workflow_id', workflowIds).where({ event }).distinct('workflow_id');
  return rows.map((r) => r.workflow_id);
}

/** The emails of one workflow, oldest first (the console's run page): who, what, and whether it went. */
export async function outboxOfWorkflow(db: Knex, workflowId: string, limit: number): Promise<Array<Pick<OutboxRow, 'event' | 'recipient' | 'subject' | 'status' | 'sent_at'>>> {
  return db('outbox').where({ workflow_id: workflowId }).orderBy('id').limit(limit).select('event', 'recipient', 'subject', 'status', 'sent_at');
}

/** How many emails a workflow has in the outbox. */
export async function countOutboxOfWorkflow(db: Knex, workflowId: string): Promise<number> {
  const row = await db('outbox').where({ workflow_id: workflowId }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
