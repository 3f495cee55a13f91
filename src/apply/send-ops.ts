/**
 * One chunk's ops as ZCC API calls, one op kind at a time, through the client's batch helpers
 * (create/update/delete 20 a call, queue assignment 30 a call). Returns each op's outcome by seq.
 */
import type { OpKind } from '../domain/types';
import type { NameMaps } from '../store/facts';
import type { OpRow } from '../store/ops';
import { groupBy } from '../util/group-by';
import { assignToQueue, createUsers, deleteUsers, removeFromQueue, updateUsers, type CreateUserItem, type UpdateUserItem, type UserOutcome, type ZoomCcClient } from '../zoom';

type Outcomes = Map<number, UserOutcome>;

export async function sendOps(zoom: ZoomCcClient, kind: OpKind, ops: OpRow[], names: NameMaps, ids: Map<string, string>): Promise<Outcomes> {
  const out: Outcomes = new Map();
  switch (kind) {
    case 'create':
      await sendCreates(zoom, ops, names, out);
      break;
    case 'update':
    case 'deactivate':
      await sendUpdates(zoom, ops, names, ids, out);
      break;
    case 'queueAdd':
      await sendQueueAdds(zoom, ops, names, ids, out);
      break;
    case 'queueRemove':
      await sendQueueRemovals(zoom, ops, names, ids, out);
      break;
    case 'remove':
      await sendRemovals(zoom, ops, ids, out);
      break;
  }
  return out;
}

async function sendCreates(zoom: ZoomCcClient, ops: OpRow[], names: NameMaps, out: Outcomes): Promise<void> {
  const items = ops.map((op): CreateUserItem => {
    const after = JSON.parse(op.after ?? '{}');
    return { user_email: op.email, role_id: idOf(names.roles, after.role), package_name: after.package, ...(after.settings ?? {}) };
  });
  const res = byEmail(await createUsers(zoom, items));
  for (const op of ops) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from create'));
}

async function sendUpdates(zoom: ZoomCcClient, ops: OpRow[], names: NameMaps, ids: Map<string, string>, out: Outcomes): Promise<void> {
  const items: UpdateUserItem[] = [];
  for (const op of ops) {
    const id = ids.get(op.email);
    if (!id) out.set(op.seq, missingId(op));
    else items.push({ email: op.email, userId: id, body: toUpdateBody(JSON.parse(op.after ?? '{}'), names) });
  }
  const res = byEmail(await updateUsers(zoom, items));
  for (const op of ops) if (!out.has(op.seq)) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from update'));
}

async function sendQueueAdds(zoom: ZoomCcClient, ops: OpRow[], names: NameMaps, ids: Map<string, string>, out: Outcomes): Promise<void> {
  for (const [queue, group] of groupBy(ops, (op) => JSON.parse(op.after ?? '{}').queue as string)) {
    const queueId = queueIdOf(names, queue);
    const res = byEmail(await assignToQueue(zoom, queueId, group.map((op) => ({ email: op.email, userId: ids.get(op.email) }))));
    for (const op of group) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from queue assign'));
  }
}

async function sendQueueRemovals(zoom: ZoomCcClient, ops: OpRow[], names: NameMaps, ids: Map<string, string>, out: Outcomes): Promise<void> {
  for (const [queue, group] of groupBy(ops, (op) => JSON.parse(op.before ?? '{}').queue as string)) {
    const queueId = queueIdOf(names, queue);
    const withIds = group.filter((op) => ids.has(op.email));
    for (const op of group) if (!ids.has(op.email)) out.set(op.seq, missingId(op));
    const res = byEmail(await removeFromQueue(zoom, queueId, withIds.map((op) => ({ email: op.email, userId: ids.get(op.email) as string }))));
    for (const op of withIds) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from queue removal'));
  }
}

async function sendRemovals(zoom: ZoomCcClient, ops: OpRow[], ids: Map<string, string>, out: Outcomes): Promise<void> {
  const withIds = ops.filter((op) => ids.has(op.email));
  // No ZCC id known: the user has no license to remove.
  for (const op of ops) if (!ids.has(op.email)) out.set(op.seq, { email: op.email, outcome: 'already' });
  const res = byEmail(await deleteUsers(zoom, withIds.map((op) => ({ email: op.email, userId: ids.get(op.email) as string }))));
  for (const op of withIds) out.set(op.seq, res.get(op.email) ?? failed(op.email, 'no result from delete'));
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

/** Looks a role or queue up by name, ignoring case (the planner compares names case-insensitively). */
export function idOf(map: Record<string, string>, name: string): string | undefined {
  if (map[name] !== undefined) return map[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(map)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function queueIdOf(names: NameMaps, queue: string): string {
  const queueId = idOf(names.queues, queue);
  if (!queueId) throw new Error(`queue "${queue}" has no id in this run's name map`);
  return queueId;
}

const byEmail = (results: UserOutcome[]) => new Map(results.map((r) => [r.email.toLowerCase(), r]));
const failed = (email: string, message: string): UserOutcome => ({ email, outcome: 'failed', error: { message } });
const missingId = (op: OpRow): UserOutcome => failed(op.email, 'no ZCC user id known for this user');
