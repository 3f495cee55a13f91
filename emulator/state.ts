/**
 * The emulated Zoom account and its Contact Center, in SQLite: data access and seeding.
 * Business rules (what is an error, what changes) live in routes/*; they run their writes through
 * `write()`, one knex transaction each, so a rejected batch leaves nothing behind and the
 * per-user change counters only count what was committed.
 *
 * Roles, queues and the region never change through the API, so they are cached in memory
 * (refreshed on seed) and lookups by id cost nothing.
 */
import type { Knex } from 'knex';
import type { Db } from './db';
import type { IdFactory } from './ids';
import { defaultRoleName, type NormalizedSeed } from './seed';
import type { ChangeKind, StatsRecorder } from './stats';
import { PACKAGES, type PackageName, type StateSnapshot, type UserAccess } from './types';

export interface UserRow {
  seq: number;
  user_id: string;
  email: string;
  display_name: string;
  role_seq: number;
  package: PackageName;
  user_access: UserAccess;
  country_iso_code: string | null;
  client_integration: string | null;
  client_integration_name: string | null;
  status_id: string;
  sub_status_id: string | null;
  channel_settings: string;
  add_ons_plan: string;
  modified_at: string;
}

export interface AccountUser {
  seq: number;
  user_id: string;
  email: string;
  name: string;
}

export interface RoleRec {
  seq: number;
  roleId: string;
  name: string;
  description: string;
}

export interface QueueRec {
  seq: number;
  queueId: string;
  ccQueueId: string;
  name: string;
  channel: string;
}

export interface License {
  capacity: number | null;
  used: number;
}

/** A write in progress: the transaction, plus change counts that count only once committed. */
export interface Tx {
  trx: Knex.Transaction;
  change(email: string, kind: ChangeKind, n?: number): void;
  /** Licenses taken (+) or freed (−), applied to the in-memory counts when the write succeeds. */
  license(delta: Partial<Record<PackageName, number>>): void;
}

export const REGION_NAME = 'Main Region';
const CHUNK = 400; // rows per multi-row insert: well under SQLite's bound-variable limit

export class State {
  roles: RoleRec[] = [];
  queues: QueueRec[] = [];
  readonly regionId: string;
  /** Bumped by seed/reset: page tokens of an older epoch are refused. */
  epoch = 0;
  /** Bumped by every write: cached counts of an older version are stale. */
  version = 0;
  /** License capacity and use per package, in memory (writes are serialised, see write()). */
  private licenseCounts = emptyLicenses();
  private countCache = new Map<string, { version: number; value: number }>();
  private roleById = new Map<string, RoleRec>();
  private roleBySeq = new Map<number, RoleRec>();
  private queueByAnyId = new Map<string, QueueRec>();
  private queueBySeq = new Map<number, QueueRec>();

  constructor(
    readonly db: Db,
    readonly ids: IdFactory,
    private readonly stats: StatsRecorder,
    private readonly clock: () => number,
  ) {
    this.regionId = ids.region(REGION_NAME);
  }

  /** Loads the caches from the database (an existing `db` file keeps its state). */
  async load(): Promise<void> {
    await this.loadLicenses();
    const roles = await this.db('roles').orderBy('seq');
    const queues = await this.db('queues').orderBy('seq');
    this.setCaches(
      roles.map((r: { seq: number; role_id: string; name: string; description: string | null }) => ({
        seq: r.seq,
        roleId: r.role_id,
        name: r.name,
        description: r.description ?? '',
      })),
      queues.map((q: { seq: number; queue_id: string; cc_queue_id: string; name: string; channel: string }) => ({
        seq: q.seq,
        queueId: q.queue_id,
        ccQueueId: q.cc_queue_id,
        name: q.name,
        channel: q.channel,
      })),
    );
  }

  private setCaches(roles: RoleRec[], queues: QueueRec[]): void {
    this.roles = roles;
    this.queues = queues;
    this.roleById = new Map(roles.map((r) => [r.roleId, r]));
    this.roleBySeq = new Map(roles.map((r) => [r.seq, r]));
    this.queueBySeq = new Map(queues.map((q) => [q.seq, q]));
    this.queueByAnyId = new Map();
    for (const q of queues) {
      this.queueByAnyId.set(q.queueId, q);
      this.queueByAnyId.set(q.ccQueueId, q);
    }
  }

  role(roleId: string): RoleRec | undefined {
    return this.roleById.get(roleId);
  }

  roleOf(seq: number): RoleRec {
    const r = this.roleBySeq.get(seq);
    if (!r) throw new Error(`emulator state: user has unknown role seq ${seq}`);
    return r;
  }

  defaultRole(): RoleRec | undefined {
    const name = defaultRoleName(this.roles);
    return this.roles.find((r) => r.name === name);
  }

  /** Either id: the legacy task-queue id (`queue_id`) or the Contact Center one (`cc_queue_id`). */
  queue(queueId: string): QueueRec | undefined {
    return this.queueByAnyId.get(queueId);
  }

  queueOf(seq: number): QueueRec | undefined {
    return this.queueBySeq.get(seq);
  }

  private async loadLicenses(): Promise<void> {
    const counts = emptyLicenses();
    for (const r of (await this.db('licenses')) as { package: PackageName; capacity: number | null }[]) counts[r.package].capacity = r.capacity;
    const used: { package: PackageName; n: number }[] = await this.db('cc_users').groupBy('package').select('package').count({ n: '*' });
    for (const u of used) counts[u.package].used = Number(u.n);
    this.licenseCounts = counts;
  }

  /** A copy of the license counts (callers may change it while planning). */
  licenses(): Record<PackageName, License> {
    const out = emptyLicenses();
    for (const p of PACKAGES) out[p] = { ...this.licenseCounts[p] };
    return out;
  }

  /**
   * A count that only changes when the data does (total_records, users per role, agents per
   * queue): cached until the next write, so paging through 100k users counts them once.
   */
  async count(key: string, compute: () => Promise<number>): Promise<number> {
    const hit = this.countCache.get(key);
    if (hit && hit.version === this.version) return hit.value;
    const version = this.version; // taken before the query: a write meanwhile makes the entry stale, never wrong
    const value = await compute();
    if (this.countCache.size > 10_000) this.countCache.clear();
    this.countCache.set(key, { version, value });
    return value;
  }

  now(): string {
    return new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * Runs one write transaction; change counts reach the stats only after it commits.
   * Transactions are serialised by the single pooled connection, and the in-memory license
   * counts and version are updated inside the transaction, after its last statement, so the next
   * write (which cannot start before this one ends) always sees them current.
   */
  async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const changes: [string, ChangeKind, number][] = [];
    const result = await this.db.transaction(async (trx) => {
      const delta: Partial<Record<PackageName, number>> = {};
      const r = await fn({
        trx,
        change: (e, k, n = 1) => void changes.push([e, k, n]),
        license: (d) => {
          for (const [p, n] of Object.entries(d) as [PackageName, number][]) delta[p] = (delta[p] ?? 0) + n;
        },
      });
      for (const [p, n] of Object.entries(delta) as [PackageName, number][]) this.licenseCounts[p].used += n;
      this.version += 1;
      return r;
    });
    for (const [e, k, n] of changes) this.stats.change(e, k, n);
    return result;
  }

  // ---- lookups (pass the transaction when inside write()) ----

  /** A ZCC user by user id or, when the key holds an '@', by email. */
  async ccUser(key: string, q: Knex = this.db): Promise<UserRow | undefined> {
    return key.includes('@') ? q('cc_users').where({ email: key.toLowerCase() }).first() : q('cc_users').where({ user_id: key }).first();
  }

  /** Many ZCC users by ids or emails, in one query per kind. Returns a map keyed by the given key. */
  async ccUsers(keys: string[], q: Knex = this.db): Promise<Map<string, UserRow>> {
    const emails = keys.filter((k) => k.includes('@')).map((k) => k.toLowerCase());
    const ids = keys.filter((k) => !k.includes('@'));
    const rows: UserRow[] = [];
    for (let i = 0; i < emails.length; i += CHUNK) rows.push(...(await q('cc_users').whereIn('email', emails.slice(i, i + CHUNK))));
    for (let i = 0; i < ids.length; i += CHUNK) rows.push(...(await q('cc_users').whereIn('user_id', ids.slice(i, i + CHUNK))));
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    const byId = new Map(rows.map((r) => [r.user_id, r]));
    const out = new Map<string, UserRow>();
    for (const k of keys) {
      const r = k.includes('@') ? byEmail.get(k.toLowerCase()) : byId.get(k);
      if (r) out.set(k, r);
    }
    return out;
  }

  // ---- seeding ----

  /** Replaces everything with the seed, in one transaction. */
  async applySeed(seed: NormalizedSeed, raw: unknown): Promise<void> {
    const ids = this.ids;
    const now = this.now();
    const roles: RoleRec[] = seed.roles.map((r, i) => ({ seq: i + 1, roleId: ids.role(r.name), name: r.name, description: r.description }));
    const queues: QueueRec[] = seed.queues.map((q, i) => ({
      seq: i + 1,
      queueId: ids.queue(q.name),
      ccQueueId: ids.ccQueue(q.name),
      name: q.name,
      channel: q.channel,
    }));
    const roleSeq = new Map(roles.map((r) => [r.name, r.seq]));
    const queueSeq = new Map(queues.map((q) => [q.name, q.seq]));
    await this.db.transaction(async (trx) => {
      for (const t of ['account_users', 'roles', 'queues', 'licenses', 'cc_users', 'queue_agents']) await trx(t).del();
      // Restart the seq counters so the same seed gives the same order.
      await trx.raw("DELETE FROM sqlite_sequence WHERE name IN ('account_users','roles','queues','cc_users','queue_agents')").catch(() => undefined);
      await insertChunks(trx, 'account_users', seed.accountUsers.map((u) => ({ user_id: ids.user(u.email), email: u.email, name: u.name })));
      await insertChunks(trx, 'roles', roles.map((r) => ({ seq: r.seq, role_id: r.roleId, name: r.name, description: r.description })));
      await insertChunks(trx, 'queues', queues.map((q) => ({ seq: q.seq, queue_id: q.queueId, cc_queue_id: q.ccQueueId, name: q.name, channel: q.channel })));
      await trx('licenses').insert(PACKAGES.map((p) => ({ package: p, capacity: seed.licenses[p] })));
      const names = new Map(seed.accountUsers.map((u) => [u.email, u.name]));
      await insertChunks(
        trx,
        'cc_users',
        seed.ccUsers.map((u, i) => ({
          seq: i + 1,
          user_id: ids.user(u.email),
          email: u.email,
          display_name: names.get(u.email) ?? u.email,
          role_seq: roleSeq.get(u.role)!,
          package: u.package,
          user_access: u.access,
          status_id: '0',
          channel_settings: '{}',
          add_ons_plan: '[]',
          modified_at: now,
        })),
      );
      const agents: { queue_seq: number; user_seq: number; opt_in_out_status: number }[] = [];
      seed.ccUsers.forEach((u, i) => u.queues.forEach((q) => agents.push({ queue_seq: queueSeq.get(q)!, user_seq: i + 1, opt_in_out_status: 0 })));
      await insertChunks(trx, 'queue_agents', agents);
      await trx('meta').insert({ key: 'seed', value: JSON.stringify(raw ?? {}) }).onConflict('key').merge();
      // Inside the transaction, like write(): a write queued behind the seed must see the new caches.
      this.setCaches(roles, queues);
      const counts = emptyLicenses();
      for (const p of PACKAGES) counts[p].capacity = seed.licenses[p];
      for (const u of seed.ccUsers) counts[u.package].used += 1;
      this.licenseCounts = counts;
      this.epoch += 1;
      this.version += 1;
    });
  }

  async lastSeed(): Promise<unknown> {
    const row = await this.db('meta').where({ key: 'seed' }).first();
    return row ? JSON.parse(row.value as string) : undefined;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.db('roles').first()) === undefined && (await this.db('meta').where({ key: 'seed' }).first()) === undefined;
  }

  // ---- admin view ----

  async snapshot(): Promise<StateSnapshot> {
    const rows: UserRow[] = await this.db('cc_users').orderBy('seq');
    const memberships: { user_seq: number; queue_seq: number }[] = await this.db('queue_agents').select('user_seq', 'queue_seq').orderBy('seq');
    const queuesOf = new Map<number, string[]>();
    const agents = new Map<number, number>();
    for (const m of memberships) {
      const name = this.queueOf(m.queue_seq)?.name;
      if (!name) continue;
      const list = queuesOf.get(m.user_seq) ?? [];
      list.push(name);
      queuesOf.set(m.user_seq, list);
      agents.set(m.queue_seq, (agents.get(m.queue_seq) ?? 0) + 1);
    }
    const perRole = new Map<number, number>();
    for (const r of rows) perRole.set(r.role_seq, (perRole.get(r.role_seq) ?? 0) + 1);
    const accountUsers = Number(((await this.db('account_users').count({ n: '*' })) as { n: number }[])[0]!.n);
    return {
      users: rows.map((r) => ({
        email: r.email,
        userId: r.user_id,
        role: this.roleOf(r.role_seq).name,
        package: r.package,
        access: r.user_access,
        queues: queuesOf.get(r.seq) ?? [],
        name: r.display_name,
        settings: {
          ...(r.country_iso_code ? { country_iso_code: r.country_iso_code } : {}),
          ...(r.client_integration ? { client_integration: r.client_integration } : {}),
          ...(r.client_integration_name ? { client_integration_name: r.client_integration_name } : {}),
          channel_settings: JSON.parse(r.channel_settings) as Record<string, unknown>,
          add_ons_plan: JSON.parse(r.add_ons_plan) as string[],
          status_id: r.status_id,
          ...(r.sub_status_id ? { sub_status_id: r.sub_status_id } : {}),
        },
      })),
      roles: this.roles.map((r) => ({ roleId: r.roleId, name: r.name, users: perRole.get(r.seq) ?? 0 })),
      queues: this.queues.map((q) => ({ queueId: q.queueId, ccQueueId: q.ccQueueId, name: q.name, agents: agents.get(q.seq) ?? 0 })),
      licenses: this.licenses(),
      accountUsers,
    };
  }
}

function emptyLicenses(): Record<PackageName, License> {
  return { essentials: { capacity: null, used: 0 }, premium: { capacity: null, used: 0 }, elite: { capacity: null, used: 0 } };
}

async function insertChunks(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await trx(table).insert(rows.slice(i, i + CHUNK));
}
