/**
 * The apply engine: runs the ops of one chunk (≤ chunkSize users of one op kind) against ZCC.
 *
 * Idempotent by construction: only ops still `pending` in the store are sent, each op's outcome
 * is written as soon as its API call returns, and Zoom's "already exists" / "does not exist"
 * answers count as success where that is the goal. A retried or replayed chunk therefore
 * repeats no write that already succeeded.
 *
 * A chunk ends by queueing the email of each of its users whose ops in the run are now all
 * settled (activities/notify.ts), so a user hears of their change when it is made.
 */
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { OpKind } from '../src/domain/types';
import { assignToQueue, chunk, countCalls, createUsers, deleteUsers, removeFromQueue, updateUsers, type CreateUserItem, type UpdateUserItem, type UserOutcome } from '../src/zoom';
import type { ActivityDeps } from './index';
import { idOf, loadNames, type NameMaps } from './run-store';
import { recordOutcomes, type OpRow } from './op-outcomes';
import type { ChunkResult } from '../src/domain/runs';

export interface ApplyChunkInput {
  runId: string;
  kind: OpKind;
  chunk: number;
  actor: string;
  /** Reconcile runs adopt the desired users they update; admin jobs do not. */
  adopt?: boolean;
}

export function createApplyActivities(deps: ActivityDeps) {
  const { db, zoom } = deps;

  async function applyChunk(input: ApplyChunkInput): Promise<ChunkResult> {
    const { runId, kind, chunk } = input;
    // Sorted here, not by SQL: with ORDER BY seq SQLite walks the run's primary key (every op of
    // the run, ~30 ms a chunk at 100k users) instead of the (run_id, kind, chunk) index.
    const rows: OpRow[] = (await db('ops').where({ run_id: runId, kind, chunk })).sort((a: OpRow, b: OpRow) => a.seq - b.seq);
    if (kind === 'queueAdd') await skipUsersNotCreated(db, runId, rows);
    const pending = rows.filter((r) => r.status === 'pending');
    const result: ChunkResult = { kind, chunk, ops: rows.length, outcomes: {}, calls: {}, licenseExhausted: false };
    // Ops finished by an earlier attempt still count in this chunk's tally.
    for (const r of rows) if (r.status !== 'pending') bump(result, r.status);
    // A retry of a chunk whose ops were all recorded: its users' emails may not be queued yet.
    if (pending.length === 0) {
      await deps.notify.usersSettled({ runId, emails: rows.map((r) => r.email) });
      return result;
    }

    const names = await loadNames(db, runId);
    const ids = await userIds(db, runId, pending.map((r) => r.email));
    const ctx = Context.current();
    const heartbeat = (done: number) => ctx.heartbeat({ kind, chunk, done, of: pending.length });
    heartbeat(0);
    // Beat while the calls run (the governor may make them wait), so a dead worker is noticed
    // within the heartbeat timeout and the chunk is retried elsewhere, not after minutes.
    const beat = setInterval(() => heartbeat(0), 5_000);

    // Calls are counted per chunk (not per process): other chunks may run at the same time.
    let outcomes: Map<number, UserOutcome>;
    let calls: Record<string, number>;
    try {
      ({ value: outcomes, calls } = await countCalls(() => runKind(kind, pending, names, ids)));
    } finally {
      clearInterval(beat);
    }
    await recordOutcomes(deps, { runId, actor: input.actor, kind, rows: pending, outcomes, ids, adoptOnUpdate: input.adopt ?? false });
    for (const o of outcomes.values()) {
      bump(result, o.outcome);
      if (o.outcome === 'license_exhausted') result.licenseExhausted = true;
    }
    result.calls = calls;
    // Users whose last op this was get their email now, while other chunks wait on the rate limit.
    await deps.notify.usersSettled({ runId, emails: rows.map((r) => r.email) });
    heartbeat(pending.length);
    return result;
  }

  /** Sends one kind of op; returns each op's outcome keyed by seq. */
  async function runKind(kind: OpKind, ops: OpRow[], names: NameMaps, ids: Map<string, string>): Promise<Map<number, UserOutcome>> {
    const out = new Map<number, UserOutcome>();
    const byEmail = (results: UserOutcome[]) => new Map(results.map((r) => [r.email.toLowerCase(), r]));
    const missingId = (op: OpRow): UserOutcome => failed(op.email, 'no ZCC user id known for this user');
    switch (kind) {
      case 'create': {
        const items = ops.map((op): CreateUserItem => {
          const after = JSON.parse(op.after ?? '{}');
          return { user_email: op.email, role_id: idOf(names.roles, after.role), package_name: after.package, ...(after.settings ?? {}) };
        });
        const res = byEmail(await createUsers(zoom, items));
        for (const op of ops) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from create'));
        break;
      }
      case 'update':
      case 'deactivate': {
        const items: UpdateUserItem[] = [];
        for (const op of ops) {
          const id = ids.get(op.email);
          if (!id) {
            out.set(op.seq, missingId(op));
            continue;
          }
          items.push({ email: op.email, userId: id, body: toUpdateBody(JSON.parse(op.after ?? '{}'), names) });
        }
        const res = byEmail(await updateUsers(zoom, items));
        for (const op of ops) if (!out.has(op.seq)) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from update'));
        break;
      }
      case 'queueAdd': {
        for (const [queue, group] of groupBy(ops, (op) => JSON.parse(op.after ?? '{}').queue as string)) {
          const queueId = idOf(names.queues, queue);
          if (!queueId) throw new Error(`queue "${queue}" has no id in this run's name map`);
          const res = byEmail(await assignToQueue(zoom, queueId, group.map((op) => ({ email: op.email, userId: ids.get(op.email) }))));
          for (const op of group) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from queue assign'));
        }
        break;
      }
      case 'queueRemove': {
        for (const [queue, group] of groupBy(ops, (op) => JSON.parse(op.before ?? '{}').queue as string)) {
          const queueId = idOf(names.queues, queue);
          if (!queueId) throw new Error(`queue "${queue}" has no id in this run's name map`);
          const withIds = group.filter((op) => ids.has(op.email));
          for (const op of group) if (!ids.has(op.email)) out.set(op.seq, missingId(op));
          const res = byEmail(await removeFromQueue(zoom, queueId, withIds.map((op) => ({ email: op.email, userId: ids.get(op.email) as string }))));
          for (const op of withIds) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from queue removal'));
        }
        break;
      }
      case 'remove': {
        const withIds = ops.filter((op) => ids.has(op.email));
        for (const op of ops) if (!ids.has(op.email)) out.set(op.seq, { email: op.email, outcome: 'already' });
        const res = byEmail(await deleteUsers(zoom, withIds.map((op) => ({ email: op.email, userId: ids.get(op.email) as string }))));
        for (const op of withIds) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from delete'));
        break;
      }
    }
    return out;
  }

  /** Marks the still-pending ops of a kind as skipped (e.g. creates after the license pool ran out). */
  async function skipPendingOps(input: { runId: string; kind: OpKind; reason: string }): Promise<number> {
    return db('ops')
      .where({ run_id: input.runId, kind: input.kind, status: 'pending' })
      .update({ status: 'skipped', error: input.reason, updated_at: new Date().toISOString() });
  }

  return { applyChunk, skipPendingOps };
}

function failed(email: string, message: string): UserOutcome {
  return { email, outcome: 'failed', error: { message } };
}

/** Translates an op's `after` (config vocabulary) into a ZCC update body. */
export function toUpdateBody(after: Record<string, unknown>, names: NameMaps): UpdateUserItem['body'] {
  const body: Record<string, unknown> = {};
  if (typeof after.role === 'string') body.role_id = idOf(names.roles, after.role);
  if (typeof after.package === 'string') body.package_name = after.package;
  if (typeof after.access === 'string') body.user_access = after.access;
  if (after.settings && typeof after.settings === 'object') Object.assign(body, after.settings);
  return body as UpdateUserItem['body'];
}

/**
 * A user whose create failed in this run (not a Zoom user, no license left) has no ZCC profile to
 * add to a queue: their queue ops are skipped rather than sent to fail (or to fail a whole batch).
 */
async function skipUsersNotCreated(db: Knex, runId: string, rows: OpRow[]): Promise<void> {
  const emails = [...new Set(rows.filter((r) => r.status === 'pending').map((r) => r.email))];
  if (emails.length === 0) return;
  const notCreated = new Set<string>();
  for (const part of chunk(emails, 500)) {
    const creates = await db('ops').where({ run_id: runId, kind: 'create' }).whereIn('email', part).whereNotIn('status', ['done', 'already']).select('email', 'status');
    for (const c of creates) if (c.status !== 'pending') notCreated.add(c.email);
  }
  if (notCreated.size === 0) return;
  const now = new Date().toISOString();
  for (const r of rows) {
    if (r.status !== 'pending' || !notCreated.has(r.email)) continue;
    r.status = 'skipped';
    r.error = 'no ZCC license: the create of this user failed in this run';
    await db('ops').where({ run_id: runId, seq: r.seq }).update({ status: r.status, error: r.error, updated_at: now });
  }
}

/** ZCC user ids of the given users: from this run's ZCC snapshot, else what zcc-sync recorded. */
async function userIds(db: Knex, runId: string, emails: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const part of chunk(emails, 500)) {
    const managed = await db('managed_users').whereIn('email', part).whereNotNull('user_id').select('email', 'user_id');
    for (const r of managed) ids.set(r.email, r.user_id);
    const snap = await db('cc_snapshot').where('run_id', runId).whereIn('email', part).select('email', 'user_id');
    for (const r of snap) ids.set(r.email, r.user_id);
  }
  return ids;
}

function bump(result: ChunkResult, outcome: string) {
  const key = outcome as keyof ChunkResult['outcomes'];
  result.outcomes[key] = (result.outcomes[key] ?? 0) + 1;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
