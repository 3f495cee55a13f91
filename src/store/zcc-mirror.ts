/**
 * The ZCC mirror: Zoom Contact Center's users as zcc-sync last saw them (`zcc_users`), with their
 * queue membership by queue name (`zcc_user_queues`), so the console pages, searches and filters
 * 100k users without listing ZCC live.
 *
 * Kept by the runs:
 *   - a full run (reconcile or plan), once it has read every ZCC user and the mapped queues'
 *     agents: the users are replaced by its snapshot; the memberships of the queues it read are
 *     replaced, those of other queues kept for users still there (`replaceZccMirrorFromSnapshot`);
 *   - every op that took effect, in the transaction that records its outcome (`applyOpsToZccMirror`,
 *     from src/store/outcomes.ts): create, update, deactivate, queue add/remove, remove;
 *   - a delta or on-demand run, once it has read its users one by one: their rows, and their
 *     membership of the queues it read (`updateZccMirrorFromScope`).
 *
 * What it knows of queues: the mapped queues (full and scoped runs read only those) plus the queue
 * changes zcc-sync itself made; a change made in the portal to another queue is not seen.
 */
import type { Knex } from 'knex';
import type { StoreOrTx } from './db';
import { getFact, putFact, type NameMaps } from './facts';
import { chunk } from '../util/chunk';

export interface MirrorFilters {
  search?: string;
  queue?: string;
  status?: 'active' | 'inactive';
  role?: string;
}

export interface MirrorUser {
  email: string;
  userId: string | null;
  displayName: string;
  role: string | null;
  package: string | null;
  access: 'active' | 'inactive' | null;
  queues: string[];
  /** zcc-sync manages the user (`managed_users`, license not removed). */
  managed: boolean;
  updatedAt: string;
}

interface UserRow {
  email: string;
  user_id: string | null;
  display_name: string | null;
  role_name: string | null;
  package_name: string | null;
  access: string | null;
  updated_at: string;
  managed: number | boolean | string | null;
}

const LIKE_ESCAPE = '!';
/** The user's text as a LIKE pattern: "contains", its own % _ and the escape character matched literally. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)}%`;
}

/** zcc_users (as u) with the filters applied; the managed flag comes from a left join. */
function filtered(db: StoreOrTx, filters: MirrorFilters): Knex.QueryBuilder {
  const q = db('zcc_users as u');
  const search = filters.search?.trim();
  if (search) {
    const pattern = containsPattern(search);
    // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's only for non-ASCII.
    q.where((w) => w
      .whereRaw(`lower(u.email) like ? escape '${LIKE_ESCAPE}'`, [pattern])
      .orWhereRaw(`lower(u.display_name) like ? escape '${LIKE_ESCAPE}'`, [pattern]));
  }
  if (filters.queue) q.whereIn('u.email', db('zcc_user_queues').where('queue', filters.queue).select('email'));
  if (filters.status) q.where('u.access', filters.status);
  if (filters.role) q.where('u.role_name', filters.role);
  return q;
}

function withManaged(db: StoreOrTx, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q
    .leftJoin('managed_users as m', (j) => j.on('m.email', '=', 'u.email').andOnNull('m.removed_at'))
    .select('u.email', 'u.user_id', 'u.display_name', 'u.role_name', 'u.package_name', 'u.access', 'u.updated_at', db.raw('case when m.email is null then 0 else 1 end as managed'));
}

async function queuesOf(db: StoreOrTx, emails: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const part of chunk(emails, 500)) {
    for (const r of await db('zcc_user_queues').whereIn('email', part).orderBy(['email', 'queue']).select('email', 'queue')) {
      const list = out.get(r.email) ?? [];
      list.push(r.queue);
      out.set(r.email, list);
    }
  }
  return out;
}

function userOf(r: UserRow, queues: string[]): MirrorUser {
  return {
    email: r.email,
    userId: r.user_id ?? null,
    displayName: r.display_name ?? '',
    role: r.role_name ?? null,
    package: r.package_name ?? null,
    access: r.access === 'active' || r.access === 'inactive' ? r.access : null,
    queues,
    managed: Number(r.managed) === 1,
    updatedAt: r.updated_at,
  };
}

/** One page of the mirror's users in email order, filtered (filters combine), and how many match. */
export async function listMirrorUsers(db: StoreOrTx, filters: MirrorFilters, page: { offset: number; limit: number }): Promise<{ users: MirrorUser[]; total: number }> {
  const offset = Math.max(0, Math.floor(page.offset));
  const limit = Math.max(0, Math.floor(page.limit));
  // One after another: on a transaction (one connection) pg refuses overlapping queries.
  const [{ n }] = await filtered(db, filters).count({ n: '*' });
  const total = Number(n);
  const rows: UserRow[] = limit === 0 ? [] : await withManaged(db, filtered(db, filters)).orderByRaw(emailOrder(db, filters, total, offset + limit)).offset(offset).limit(limit);
  const queues = await queuesOf(db, rows.map((r) => r.email));
  return { users: rows.map((r) => userOf(r, queues.get(r.email) ?? [])), total };
}

/**
 * Bytewise email order on both databases (PostgreSQL's locale collations ignore punctuation).
 * SQLite fills a page by walking the email index in order and testing each row: cheap when the
 * rows before the page's end are found early, but a search matching few rows (an exact email)
 * walks all 100k (~550 ms). When the walk would cross more than a quarter of the table, order by
 * `+u.email` — not the indexed column, so SQLite scans the table and sorts the matches instead
 * (~150 ms). Unfiltered, the walk visits only the rows up to the page.
 */
function emailOrder(db: StoreOrTx, filters: MirrorFilters, matches: number, pageEnd: number): string {
  if (db.client.config.client === 'pg') return 'u.email collate "C"';
  const filteredList = Boolean(filters.search?.trim() || filters.queue || filters.status || filters.role);
  return filteredList && pageEnd * 4 > matches ? '+u.email' : 'u.email';
}

/** One user of the mirror (any case of the email), or null when ZCC had no such user. */
export async function mirrorUser(db: StoreOrTx, email: string): Promise<MirrorUser | null> {
  const key = email.trim().toLowerCase();
  const row: UserRow | undefined = await withManaged(db, db('zcc_users as u').where('u.email', key)).first();
  if (!row) return null;
  return userOf(row, (await queuesOf(db, [key])).get(key) ?? []);
}

/** The roles and queues the mirror holds, distinct and sorted (the console's drop-downs). */
export async function mirrorFacets(db: StoreOrTx): Promise<{ roles: string[]; queues: string[] }> {
  const roles: string[] = await db('zcc_users').whereNotNull('role_name').distinct('role_name').orderBy('role_name').pluck('role_name');
  const queues: string[] = await db('zcc_user_queues').distinct('queue').orderBy('queue').pluck('queue');
  // Sorted here too: the database's collation may differ from JavaScript's order.
  const sorted = (a: string[]) => a.filter((x) => x !== '').sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { roles: sorted(roles), queues: sorted(queues) };
}

/** How many users the mirror holds, the full run that last replaced it, and when anything last changed it. */
export async function mirrorFreshness(db: StoreOrTx): Promise<{ users: number; fullAt: string | null; fullRunId: string | null; changedAt: string | null }> {
  const [{ n }] = await db('zcc_users').count({ n: '*' });
  const full = await getFact(db, 'zccMirrorFull');
  const changedAt = await getFact(db, 'zccMirrorChangedAt');
  return { users: Number(n), fullAt: full?.at ?? null, fullRunId: full?.runId ?? null, changedAt };
}

const USER_COLUMNS = 'email, user_id, display_name, role_name, package_name, access, updated_at, updated_by_run';

/**
 * A full run has read every ZCC user (`cc_snapshot`) and the agents of the queues it maps
 * (`cc_queue_members`, named by `names.queues`' keys): the mirror becomes that snapshot, in one
 * transaction of set-based statements (100k users, 150k memberships).
 */
export async function replaceZccMirrorFromSnapshot(db: Knex, runId: string, names: NameMaps, at = new Date().toISOString()): Promise<void> {
  const readQueues = Object.keys(names.queues).map((q) => q.toLowerCase());
  await db.transaction(async (trx) => {
    const present = trx('cc_snapshot').where('run_id', runId).select('email');
    // Users gone from ZCC lose their rows and memberships; the queues read are replaced whole.
    await trx('zcc_user_queues').whereNotIn('email', present.clone()).delete();
    for (const part of chunk(readQueues, 200)) await trx('zcc_user_queues').whereRaw(`lower(queue) in (${part.map(() => '?').join(', ')})`, part).delete();
    await trx.raw(
      `insert into zcc_user_queues (email, queue) select distinct m.email, m.queue from cc_queue_members m
       where m.run_id = ? and m.email in (select s.email from cc_snapshot s where s.run_id = ?)
         and not exists (select 1 from zcc_user_queues z where z.email = m.email and z.queue = m.queue)`,
      [runId, runId],
    );
    await trx('zcc_users').delete();
    await trx.raw(
      `insert into zcc_users (${USER_COLUMNS}) select email, user_id, display_name, role_name, package_name, access, ?, ? from cc_snapshot where run_id = ?`,
      [at, runId, runId],
    );
    await putFact(trx, 'zccMirrorFull', { runId, at });
    await putFact(trx, 'zccMirrorChangedAt', at);
  });
}

/**
 * A delta or on-demand run has read its users one by one (`run_scope` → `cc_snapshot`, and their
 * membership of the queues named by `names.queues`' keys into `cc_queue_members`): their rows
 * become what it read; a user of the scope that ZCC does not have loses the row.
 */
export async function updateZccMirrorFromScope(db: Knex, runId: string, names: NameMaps, at = new Date().toISOString()): Promise<void> {
  const readQueues = Object.keys(names.queues).map((q) => q.toLowerCase());
  await db.transaction(async (trx) => {
    const scope = trx('run_scope').where('run_id', runId).select('email');
    const found = trx('cc_snapshot').where('run_id', runId).select('email');
    // Users without a license: no row, no memberships.
    const gone = () => trx('run_scope').where('run_id', runId).whereNotIn('email', found.clone()).select('email');
    await trx('zcc_user_queues').whereIn('email', gone()).delete();
    await trx('zcc_users').whereIn('email', gone()).delete();
    // Their membership of the queues read is replaced; other queues are kept.
    for (const part of chunk(readQueues, 200)) {
      await trx('zcc_user_queues').whereIn('email', scope.clone()).whereRaw(`lower(queue) in (${part.map(() => '?').join(', ')})`, part).delete();
    }
    await trx.raw(
      `insert into zcc_user_queues (email, queue) select distinct m.email, m.queue from cc_queue_members m
       where m.run_id = ? and m.email in (select s.email from cc_snapshot s where s.run_id = ?)
         and not exists (select 1 from zcc_user_queues z where z.email = m.email and z.queue = m.queue)`,
      [runId, runId],
    );
    await trx('zcc_users').whereIn('email', found.clone()).delete();
    await trx.raw(
      `insert into zcc_users (${USER_COLUMNS}) select email, user_id, display_name, role_name, package_name, access, ?, ? from cc_snapshot where run_id = ?`,
      [at, runId, runId],
    );
    await putFact(trx, 'zccMirrorChangedAt', at);
  });
}

/** An op that took effect, as the mirror needs it (src/store/outcomes.ts). */
export interface MirrorOp {
  kind: 'create' | 'update' | 'queueAdd' | 'queueRemove' | 'deactivate' | 'remove';
  email: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  userId: string | null;
  /** ZCC's display name from the create call's answer, when it gave one. */
  displayName?: string | null;
}

/**
 * Ops of one chunk that took effect (done, already), applied to the mirror in the caller's
 * transaction. Ops name roles and queues as the config or the admin spelled them (ZCC matches
 * them ignoring case): the mirror keeps the spelling it already holds.
 */
export async function applyOpsToZccMirror(trx: Knex.Transaction, runId: string, ops: MirrorOp[], at: string): Promise<void> {
  if (ops.length === 0) return;
  const roleName = spellingIn(trx, 'zcc_users', 'role_name');
  const queueName = spellingIn(trx, 'zcc_user_queues', 'queue');
  const stamp = { updated_at: at, updated_by_run: runId };
  const byKind = (k: MirrorOp['kind']) => ops.filter((o) => o.kind === k);

  // create: the user as the op asked (queues follow as queueAdd ops). ZCC's display name comes
  // from the create's answer; without one ("already exists") a row already there keeps its name.
  const creates = byKind('create');
  if (creates.length > 0) {
    const fallback = await fallbackNames(trx, runId, creates.filter((o) => !o.displayName).map((o) => o.email));
    const rows: Array<Record<string, string | null> & { email: string }> = [];
    for (const o of creates) {
      const settings = (o.after.settings ?? {}) as Record<string, unknown>;
      rows.push({
        email: o.email,
        user_id: o.userId,
        display_name: o.displayName || fallback.get(o.email) || o.email,
        role_name: typeof o.after.role === 'string' ? await roleName(o.after.role) : null,
        package_name: typeof o.after.package === 'string' ? o.after.package : null,
        access: settings.user_access === 'inactive' ? 'inactive' : 'active',
        ...stamp,
      });
    }
    const named = new Set(creates.filter((o) => o.displayName).map((o) => o.email));
    const merged = ['user_id', 'role_name', 'package_name', 'access', 'updated_at', 'updated_by_run'];
    for (const [withName, part] of [[true, rows.filter((r) => named.has(r.email))], [false, rows.filter((r) => !named.has(r.email))]] as const) {
      for (const slice of chunk(part, 50)) await trx('zcc_users').insert(slice).onConflict('email').merge(withName ? [...merged, 'display_name'] : merged);
    }
  }

  // update and deactivate: the fields the op changed, one statement per distinct change.
  const changes = new Map<string, { values: Record<string, string>; emails: string[] }>();
  for (const o of [...byKind('update'), ...byKind('deactivate')]) {
    const values: Record<string, string> = {};
    if (typeof o.after.role === 'string') values.role_name = await roleName(o.after.role);
    if (typeof o.after.package === 'string') values.package_name = o.after.package;
    if (o.after.access === 'active' || o.after.access === 'inactive') values.access = o.after.access;
    if (Object.keys(values).length === 0) continue; // settings only: nothing the mirror keeps
    const key = JSON.stringify(values);
    const change = changes.get(key) ?? { values, emails: [] };
    change.emails.push(o.email);
    changes.set(key, change);
  }
  for (const { values, emails } of changes.values()) {
    for (const part of chunk(emails, 500)) await trx('zcc_users').whereIn('email', part).update({ ...values, ...stamp });
  }

  // queueAdd: one insert per queue, for users the mirror has.
  for (const [queue, emails] of group(byKind('queueAdd'), (o) => o.after.queue)) {
    const name = await queueName(queue);
    for (const part of chunk(emails, 500)) {
      await trx.raw(
        `insert into zcc_user_queues (email, queue) select u.email, ? from zcc_users u
         where u.email in (${part.map(() => '?').join(', ')})
           and not exists (select 1 from zcc_user_queues z where z.email = u.email and z.queue = ?)`,
        [name, ...part, name],
      );
      await trx('zcc_users').whereIn('email', part).update(stamp);
    }
  }
  // queueRemove: by name, ignoring case (as ZCC matched it).
  for (const [queue, emails] of group(byKind('queueRemove'), (o) => o.before.queue)) {
    for (const part of chunk(emails, 500)) {
      await trx('zcc_user_queues').whereIn('email', part).whereRaw('lower(queue) = ?', [queue.toLowerCase()]).delete();
      await trx('zcc_users').whereIn('email', part).update(stamp);
    }
  }
  // remove: the license is gone.
  for (const part of chunk(byKind('remove').map((o) => o.email), 500)) {
    await trx('zcc_user_queues').whereIn('email', part).delete();
    await trx('zcc_users').whereIn('email', part).delete();
  }
  await putFact(trx, 'zccMirrorChangedAt', at);
}

/** The ops' emails grouped by a string field (queue names), skipping ops without one. */
function group(ops: MirrorOp[], field: (o: MirrorOp) => unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of ops) {
    const v = field(o);
    if (typeof v !== 'string' || v === '') continue;
    out.set(v, [...(out.get(v) ?? []), o.email]);
  }
  return out;
}

/** A name as the mirror already spells it (exact first, then ignoring case), else as given; memoised per chunk. */
function spellingIn(trx: Knex.Transaction, table: string, column: string): (name: string) => Promise<string> {
  const seen = new Map<string, string>();
  return async (name) => {
    const known = seen.get(name);
    if (known !== undefined) return known;
    const exact = await trx(table).where(column, name).first(column);
    const found = exact ?? (await trx(table).whereRaw(`lower(${column}) = ?`, [name.toLowerCase()]).first(column));
    const spelled = (found?.[column] as string | undefined) ?? name;
    seen.set(name, spelled);
    return spelled;
  };
}

/** Names for created users the create call did not name: the run's directory snapshot, else the directory mirror. */
async function fallbackNames(trx: Knex.Transaction, runId: string, emails: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunk(emails, 500)) {
    for (const r of await trx('directory_mirror').whereIn('email', part).whereNotNull('display_name').select('email', 'display_name')) if (r.display_name) out.set(r.email, r.display_name);
    for (const r of await trx('directory_snapshot').where('run_id', runId).whereIn('email', part).select('email', 'display_name')) if (r.display_name) out.set(r.email, r.display_name);
  }
  return out;
}
