/**
 * Plans a reconcile run from its snapshots in the store, a slice of users at a time.
 *
 * Why slices: the plan is per user (src/reconcile/plan.ts), so nothing needs every user at once.
 * Holding the directory snapshot, the ZCC snapshot, the managed users and every op of a 100k-user
 * run in memory together cost the worker ~400 MB; a slice of SLICE_USERS users costs a few MB,
 * whatever the directory's size.
 *
 * A slice is an email range (lo, hi]: the three sources (directory snapshot, ZCC snapshot with
 * its queue memberships, managed users) are read in email order, at most SLICE_USERS rows each;
 * hi is the smallest last email among the sources that filled their read, so no source has an
 * unread email inside the range. Ops are numbered as they are written (src/reconcile/chunks.ts)
 * and everything happens in one transaction: a retried activity starts from a clean slate and
 * nobody sees half a plan. `writeOps` writes a small list of ops at once (admin jobs).
 */
import type { Knex } from 'knex';
import type { Config } from '../src/config/schema';
import { desiredState } from '../src/reconcile/desired';
import { excludeMatcher, plan, scopeWarnings, type UserSample } from '../src/reconcile/plan';
import { assignChunks, OpNumbering, type ChunkMove, type NumberedOp } from '../src/reconcile/chunks';
import type { ActualUser, DirectoryUser, ManagedRecord, Op, OpKind, PlanSummary } from '../src/domain/types';
import { deferNotZoomUsers, recentNotZoomUsers } from './not-zoom-users';
import { insertInSlices } from './run-store';

export const SLICE_USERS = 2000;
const SAMPLE = 10;

export interface RunPlan {
  summary: PlanSummary;
  warnings: string[];
  chunks: Partial<Record<OpKind, number>>;
  /** Desired users found in ZCC but not managed yet: recorded as managed once the run completes. */
  adopt: string[];
  /** Managed users active again in ZCC (reactivated by hand): their old deactivation time goes. */
  clearDeactivated: string[];
  directoryUsers: number;
  managedUsers: number;
}

interface Slice {
  directory: DirectoryUser[];
  actual: Map<string, ActualUser>;
  managed: Map<string, ManagedRecord>;
  /** The slice's last email (inclusive); null when the sources are exhausted. */
  hi: string | null;
}

const sample = (): UserSample => ({ count: 0, first: [] });
function addTo(s: UserSample, emails: string[]): void {
  s.count += emails.length;
  for (const e of emails) if (s.first.length < SAMPLE) s.first.push(e);
}

export interface PlanRunOptions {
  /** Users a slice holds at most (default SLICE_USERS; tests use tiny slices). */
  sliceUsers?: number;
  /** Called after each slice with the directory users planned so far (heartbeats). */
  onSlice?: (users: number) => void;
}

export async function planRun(db: Knex, runId: string, config: Config, now: Date, opts: PlanRunOptions = {}): Promise<RunPlan> {
  const sliceUsers = opts.sliceUsers ?? SLICE_USERS;
  const { mappings, policy } = config;
  const excluded = excludeMatcher(policy.exclude);
  const mappedQueues = mappings.flatMap((m) => m.queues);
  const recent = await recentNotZoomUsers(db, policy.retryNotZoomUsersAfterHours, now);
  const numbering = new OpNumbering(policy.chunkSize);
  const summary: PlanSummary = { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0 };
  const warnings: string[] = [];
  const leftInactive = sample();
  const deferred = sample();
  const adopt: string[] = [];
  const clearDeactivated: string[] = [];
  let directoryUsers = 0;
  let managedUsers = 0;

  const chunks = await db.transaction(async (trx) => {
    await trx('ops').where({ run_id: runId }).delete();
    let lo = '';
    for (;;) {
      const slice = await readSlice(trx, runId, lo, sliceUsers);
      directoryUsers += slice.directory.length;
      managedUsers += slice.managed.size;
      const planned = plan({ desired: desiredState(slice.directory, mappings), actual: slice.actual, managed: slice.managed, policy, now, excluded, mappedQueues, scopeWarnings: false });
      const kept = deferNotZoomUsers(planned.ops, planned.summary, recent);
      for (const k of Object.keys(summary) as Array<keyof PlanSummary>) summary[k] += kept.summary[k];
      warnings.push(...planned.warnings);
      addTo(leftInactive, planned.leftInactive);
      addTo(deferred, kept.deferred);
      adopt.push(...planned.adopt);
      clearDeactivated.push(...planned.clearDeactivated);
      await insertInSlices(trx, 'ops', numbering.number(kept.ops).map((o) => opRow(runId, o)), 100);
      opts.onSlice?.(directoryUsers);
      if (slice.hi === null) break;
      lo = slice.hi;
    }
    const numbered = numbering.finish();
    await moveQueueChunks(trx, runId, numbered.queueChunkMoves);
    return numbered.chunks;
  });

  warnings.push(...scopeWarnings({ count: adopt.length, first: adopt }, leftInactive));
  if (deferred.count > 0) {
    warnings.push(
      `${deferred.count} directory user(s) are not Zoom users (Zoom answered 1004); their license is tried again ${policy.retryNotZoomUsersAfterHours} h after the last try: ${deferred.first.join(', ')}${deferred.count > SAMPLE ? ', …' : ''}`,
    );
  }
  return { summary, warnings, chunks, adopt, clearDeactivated, directoryUsers, managedUsers };
}

/**
 * Writes a whole list of planned ops with their chunk numbers in one go (admin jobs, whose ops
 * are few; see src/reconcile/chunks.ts). Replaces the run's ops.
 */
export async function writeOps(db: Knex, runId: string, ops: Op[], chunkSize: number): Promise<Partial<Record<OpKind, number>>> {
  const planned = assignChunks(ops, chunkSize);
  await db.transaction(async (trx) => {
    await trx('ops').where({ run_id: runId }).delete();
    await insertInSlices(trx, 'ops', planned.ops.map((o) => opRow(runId, o)), 100);
  });
  return planned.chunks;
}

/** A numbered op as an `ops` row, pending. */
function opRow(runId: string, { op, kind, seq, chunk }: NumberedOp): Record<string, unknown> {
  return {
    run_id: runId, seq, kind, chunk, email: op.email,
    before: op.before ? JSON.stringify(op.before) : null, after: op.after ? JSON.stringify(op.after) : null, status: 'pending',
  };
}

/** A row of a snapshot table or of managed_users (the columns the slice reads). */
type SnapshotRow = { email: string } & Record<string, string | null>;

/** The next slice after `lo` (exclusive), bounded as the file comment explains. */
async function readSlice(trx: Knex.Transaction, runId: string, lo: string, size: number): Promise<Slice> {
  const after = emailsAfter(trx, lo);
  // One after another: a transaction is one connection, and pg refuses overlapping queries on it.
  const dirRows: SnapshotRow[] = await after(trx('directory_snapshot').where('run_id', runId)).limit(size);
  const ccRows: SnapshotRow[] = await after(trx('cc_snapshot').where('run_id', runId)).limit(size);
  const managedRows: SnapshotRow[] = await after(trx('managed_users').whereNull('removed_at')).limit(size);
  let hi: string | null = null;
  for (const rows of [dirRows, ccRows, managedRows]) {
    if (rows.length === size) {
      const last = rows[rows.length - 1].email as string;
      if (hi === null || last < hi) hi = last;
    }
  }
  const inSlice = (r: { email: string }): boolean => hi === null || r.email <= hi;
  const directory: DirectoryUser[] = dirRows.filter(inSlice).map((r) => ({
    email: r.email, displayName: r.display_name ?? '', uniqueId: r.unique_id ?? '', dn: r.dn ?? '', groups: JSON.parse(r.groups ?? '[]'),
  }));
  const actual = new Map<string, ActualUser>();
  for (const r of ccRows.filter(inSlice)) {
    actual.set(r.email, {
      email: r.email, userId: r.user_id ?? '', displayName: r.display_name ?? '', roleName: r.role_name ?? '',
      packageName: (r.package_name ?? null) as ActualUser['packageName'], access: r.access === 'inactive' ? 'inactive' : 'active', queues: [], settings: JSON.parse(r.settings ?? '{}'),
    });
  }
  // Queue membership of the slice's ZCC users (see snapshotContactCenter), in queue-name order.
  for (const m of await after(trx('cc_queue_members').where('run_id', runId), hi).select('email', 'queue')) actual.get(m.email)?.queues.push(m.queue);
  for (const u of actual.values()) u.queues.sort();
  const managed = new Map<string, ManagedRecord>();
  for (const r of managedRows.filter(inSlice)) managed.set(r.email, { email: r.email, userId: r.user_id, deactivatedAt: r.deactivated_at });
  return { directory, actual, managed, hi };
}

/**
 * Rows after `lo` (up to `upTo`, inclusive) in email order, as JavaScript compares strings (the slice bounds are compared
 * here): SQLite's BINARY collation does; PostgreSQL's locale collations ignore punctuation, so
 * there the comparison is made bytewise ("C").
 */
function emailsAfter(trx: Knex.Transaction, lo: string) {
  const email = String(trx.client.config.client).startsWith('p') ? 'email collate "C"' : 'email';
  return (q: Knex.QueryBuilder, upTo: string | null = null) => {
    const bounded = q.whereRaw(`${email} > ?`, [lo]).orderByRaw(email);
    return upTo === null ? bounded : bounded.whereRaw(`${email} <= ?`, [upTo]);
  };
}

/** Gives queue-add chunks their final numbers (see OpNumbering). */
async function moveQueueChunks(trx: Knex.Transaction, runId: string, moves: ChunkMove[]): Promise<void> {
  for (const m of moves) {
    await trx('ops')
      .where({ run_id: runId, kind: 'queueAdd' })
      .where('chunk', '>=', m.from)
      .where('chunk', '<', m.from + m.count)
      .update({ chunk: trx.raw('chunk - ?', [m.from - m.to]) });
  }
}
