/**
 * A run's working copy of both sides: the directory snapshot (`directory_snapshot`), the ZCC
 * snapshot (`cc_snapshot`) and the mapped queues' agents (`cc_queue_members`, apart from the users
 * so that users and agents are read at the same time and written page by page).
 *
 * The planner reads them back in email-ordered slices (`readPlanSlice`), so no run ever holds a
 * whole snapshot in memory.
 */
import type { Knex } from 'knex';
import type { StoreOrTx } from './db';
import { insertInSlices } from './bulk';
import type { ActualUser, DirectoryUser, ManagedRecord } from '../domain/types';
import { chunk } from '../util/chunk';

const SNAPSHOT_TABLES = ['directory_snapshot', 'cc_snapshot', 'cc_queue_members', 'run_scope'];

export async function clearDirectorySnapshot(db: StoreOrTx, runId: string): Promise<void> {
  await db('directory_snapshot').where({ run_id: runId }).delete();
}

export async function addDirectoryUsers(db: StoreOrTx, runId: string, users: DirectoryUser[]): Promise<void> {
  await insertInSlices(db, 'directory_snapshot', users.map((u) => ({
    run_id: runId, email: u.email, display_name: u.displayName, unique_id: u.uniqueId, dn: u.dn, groups: JSON.stringify(u.groups), disabled: u.disabled === true,
  })));
}

export async function clearContactCenterSnapshot(db: StoreOrTx, runId: string): Promise<void> {
  await db('cc_snapshot').where({ run_id: runId }).delete();
  await db('cc_queue_members').where({ run_id: runId }).delete();
}

/** ZCC users of a run; a user listed twice (the list moved while paging) is kept once. */
export async function addContactCenterUsers(db: StoreOrTx, runId: string, users: ActualUser[]): Promise<void> {
  const rows = users.map((u) => ({
    run_id: runId, email: u.email, user_id: u.userId, display_name: u.displayName, role_name: u.roleName,
    package_name: u.packageName, access: u.access, queues: JSON.stringify(u.queues), settings: JSON.stringify(u.settings),
  }));
  await insertInSlices(db, 'cc_snapshot', rows, 100, ['run_id', 'email']);
}

/** Agents of one mapped queue (emails lower-cased), each kept once. */
export async function addQueueMembers(db: StoreOrTx, runId: string, queue: string, emails: string[]): Promise<void> {
  await insertInSlices(db, 'cc_queue_members', emails.map((email) => ({ run_id: runId, email, queue })), 100, ['run_id', 'email', 'queue']);
}

/**
 * Drops the snapshots of finished runs but the latest `keep`. Snapshots are a run's working data
 * (a 100k-user reconcile writes ~300k rows); ops, warnings, reports and the audit log stay.
 */
export async function pruneSnapshots(db: StoreOrTx, keep = 3): Promise<void> {
  const old = db('runs').whereNotNull('finished_at').orderBy('finished_at', 'desc').offset(keep).select('id');
  for (const table of SNAPSHOT_TABLES) await db(table).whereIn('run_id', old.clone()).delete();
}

/** ZCC user ids of the given users: from this run's ZCC snapshot, else what zcc-sync recorded. */
export async function knownUserIds(db: StoreOrTx, runId: string, emails: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const part of chunk(emails, 500)) {
    const managed = await db('managed_users').whereIn('email', part).whereNotNull('user_id').select('email', 'user_id');
    for (const r of managed) ids.set(r.email, r.user_id);
    const snap = await db('cc_snapshot').where('run_id', runId).whereIn('email', part).select('email', 'user_id');
    for (const r of snap) ids.set(r.email, r.user_id);
  }
  return ids;
}

/** Greeting names of a run's users: the directory's, else ZCC's (admin jobs have no directory snapshot). */
export async function displayNames(db: StoreOrTx, runId: string, emails: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const table of ['cc_snapshot', 'directory_snapshot']) {
    for (const r of await db(table).where('run_id', runId).whereIn('email', emails).select('email', 'display_name')) {
      if (r.display_name) names.set(r.email, r.display_name);
    }
  }
  return names;
}

/** One slice of a run's snapshots and the managed users, for the planner (src/reconcile/plan-run.ts). */
export interface PlanSlice {
  directory: DirectoryUser[];
  actual: Map<string, ActualUser>;
  managed: Map<string, ManagedRecord>;
  /** The slice's last email (inclusive); null when the sources are exhausted. */
  hi: string | null;
}

/** A row of a snapshot table or of managed_users (the columns the slice reads). */
type SnapshotRow = { email: string } & Record<string, string | null>;

/**
 * The slice after `lo` (exclusive): each of the three sources (directory snapshot, ZCC snapshot
 * with its queue memberships, managed users) is read in email order, at most `size` rows; hi is
 * the smallest last email among the sources that filled their read, so no source has an unread
 * email inside the range.
 */
export async function readPlanSlice(tx: Knex.Transaction, runId: string, lo: string, size: number, scoped = false): Promise<PlanSlice> {
  const after = emailsAfter(tx, lo);
  // One after another: a transaction is one connection, and pg refuses overlapping queries on it.
  const dirRows: SnapshotRow[] = await after(tx('directory_snapshot').where('run_id', runId)).limit(size);
  const ccRows: SnapshotRow[] = await after(tx('cc_snapshot').where('run_id', runId)).limit(size);
  // A delta or on-demand run plans its scope only: the other managed users are outside it, not leavers.
  const managed = tx('managed_users').whereNull('removed_at');
  if (scoped) managed.whereIn('email', tx('run_scope').where('run_id', runId).select('email'));
  const managedRows: SnapshotRow[] = await after(managed).limit(size);
  let hi: string | null = null;
  for (const rows of [dirRows, ccRows, managedRows]) {
    if (rows.length === size) {
      const last = rows[rows.length - 1].email as string;
      if (hi === null || last < hi) hi = last;
    }
  }
  const inSlice = (r: { email: string }): boolean => hi === null || r.email <= hi;
  // SQLite answers 1/0 for a boolean column, PostgreSQL true/false.
  const directory: DirectoryUser[] = dirRows.filter(inSlice).map((r) => ({
    email: r.email, displayName: r.display_name ?? '', uniqueId: r.unique_id ?? '', dn: r.dn ?? '', groups: JSON.parse(r.groups ?? '[]'),
    ...(Number(r.disabled) === 1 || (r.disabled as unknown) === true ? { disabled: true } : {}),
  }));
  const actual = new Map<string, ActualUser>();
  for (const r of ccRows.filter(inSlice)) {
    actual.set(r.email, {
      email: r.email, userId: r.user_id ?? '', displayName: r.display_name ?? '', roleName: r.role_name ?? '',
      packageName: (r.package_name ?? null) as ActualUser['packageName'], access: r.access === 'inactive' ? 'inactive' : 'active', queues: [], settings: JSON.parse(r.settings ?? '{}'),
    });
  }
  // Queue membership of the slice's ZCC users, in queue-name order.
  for (const m of await after(tx('cc_queue_members').where('run_id', runId), hi).select('email', 'queue')) actual.get(m.email)?.queues.push(m.queue);
  for (const u of actual.values()) u.queues.sort();
  const managedUsers = new Map<string, ManagedRecord>();
  for (const r of managedRows.filter(inSlice)) managedUsers.set(r.email, { email: r.email, userId: r.user_id, deactivatedAt: r.deactivated_at });
  return { directory, actual, managed: managedUsers, hi };
}

/**
 * Rows after `lo` (up to `upTo`, inclusive) in email order, as JavaScript compares strings (the
 * slice bounds are compared here): SQLite's BINARY collation does; PostgreSQL's locale collations
 * ignore punctuation, so there the comparison is made bytewise ("C").
 */
function emailsAfter(tx: Knex.Transaction, lo: string) {
  const email = String(tx.client.config.client).startsWith('p') ? 'email collate "C"' : 'email';
  return (q: Knex.QueryBuilder, upTo: string | null = null) => {
    const bounded = q.whereRaw(`${email} > ?`, [lo]).orderByRaw(email);
    return upTo === null ? bounded : bounded.whereRaw(`${email} <= ?`, [upTo]);
  };
}
