/**
 * The ops of an admin job: a pure function per kind, from the request and the ZCC state of the
 * job's users, in the reconcile's op vocabulary so the one apply engine runs both.
 *
 *   assign — users without a ZCC license get `create` (role, package, queues, settings) and one
 *            `queueAdd` per queue. Users who already have one are `already`: assign never changes
 *            an existing user (that is `edit`); where they differ from the request, the note says how.
 *   edit   — `update` of the fields that differ (role, package, access, settings leaf by leaf),
 *            `queueAdd` / `queueRemove` for the queue changes still needed. A user without a ZCC
 *            license is `failed` (nothing to edit). Nothing to change → `already`.
 *   remove — `remove` for licensed users; users without a license are `already` (the goal holds).
 *
 * `actual` holds the job's users found in ZCC; their `queues` list only the queues the job names.
 */
import type { UserSettings } from '../config/schema';
import { OP_ORDER, type ActualUser, type Op, type PlanSummary } from '../domain/types';
import { diffSettings } from '../reconcile/plan';
import type { JobItemRequest, JobKind, JobParams } from './types';

/** An item decided without any op. */
export interface Settlement {
  outcome: 'already' | 'failed';
  /** Why (failed), or what differs from the request (already). */
  note?: string;
}

export interface JobPlan {
  ops: Op[];
  /** Items that need no op, by email. */
  settled: Map<string, Settlement>;
  summary: PlanSummary;
}

export const NOT_LICENSED = 'not a ZCC user; assign a license first (zcc-sync users assign)';

const sameName = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
const hasQueue = (queues: string[], q: string) => queues.some((x) => sameName(x, q));

export function planJob(kind: JobKind, params: JobParams, items: JobItemRequest[], actual: Map<string, ActualUser>): JobPlan {
  const ops: Op[] = [];
  const settled = new Map<string, Settlement>();
  for (const item of items) {
    const email = item.email.toLowerCase();
    const have = actual.get(email);
    const before = ops.length;
    if (kind === 'assign') planAssign(email, item, params, have, ops, settled);
    else if (kind === 'edit') planEdit(email, item, params, have, ops, settled);
    else planRemove(email, have, ops, settled);
    if (ops.length === before && !settled.has(email)) settled.set(email, { outcome: 'already' });
  }
  const order = new Map(OP_ORDER.map((k, i) => [k, i]));
  const stable = ops.map((op, i) => ({ op, i }));
  stable.sort((a, b) => (order.get(a.op.kind) ?? 0) - (order.get(b.op.kind) ?? 0) || a.i - b.i);
  const sorted = stable.map((s) => s.op);
  const summary: PlanSummary = { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0 };
  for (const op of sorted) summary[op.kind]++;
  summary.unchanged = [...settled.values()].filter((s) => s.outcome === 'already').length;
  return { ops: sorted, settled, summary };
}

function planAssign(email: string, item: JobItemRequest, params: JobParams, have: ActualUser | undefined, ops: Op[], settled: Map<string, Settlement>): void {
  const role = item.params?.role ?? params.role ?? '';
  const askedPackage = item.params?.package ?? params.package;
  const queues = item.params?.queues ?? params.queues ?? [];
  const settings = params.settings ?? {};
  if (!have) {
    ops.push({ email, kind: 'create', before: null, after: { role, package: askedPackage ?? 'essentials', queues, settings } });
    for (const queue of queues) ops.push({ email, kind: 'queueAdd', before: null, after: { queue } });
    return;
  }
  const diffs: string[] = [];
  if (!sameName(have.roleName, role)) diffs.push(`role ${have.roleName || '(none)'} (asked ${role})`);
  if (askedPackage && have.packageName !== askedPackage) diffs.push(`package ${have.packageName ?? '(none)'} (asked ${askedPackage})`);
  const missing = queues.filter((q) => !hasQueue(have.queues, q));
  if (missing.length) diffs.push(`not in queue${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const { user_access: access, ...rest } = settings;
  if (access && have.access !== access) diffs.push(`access ${have.access} (asked ${access})`);
  const changed = diffSettings(rest as Record<string, unknown>, have.settings as Record<string, unknown>);
  if (changed) for (const [field, to] of leaves(changed.after)) diffs.push(`${field} ${String(leafAt(changed.before, field) ?? '(unset)')} (asked ${String(to)})`);
  settled.set(email, {
    outcome: 'already',
    ...(diffs.length ? { note: `already has a ZCC license; differs from the request: ${diffs.join(', ')}; left unchanged (use zcc-sync users edit to change it)` } : {}),
  });
}

function planEdit(email: string, item: JobItemRequest, params: JobParams, have: ActualUser | undefined, ops: Op[], settled: Map<string, Settlement>): void {
  if (!have) {
    settled.set(email, { outcome: 'failed', note: NOT_LICENSED });
    return;
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const role = item.params?.role ?? params.role;
  if (role && !sameName(have.roleName, role)) {
    before.role = have.roleName;
    after.role = role;
  }
  const pkg = item.params?.package ?? params.package;
  if (pkg && have.packageName !== pkg) {
    before.package = have.packageName;
    after.package = pkg;
  }
  if (params.access && have.access !== params.access) {
    before.access = have.access;
    after.access = params.access;
  }
  const settings = params.settings ? diffSettings(params.settings as Record<string, unknown>, have.settings as UserSettings as Record<string, unknown>) : null;
  if (settings) {
    before.settings = settings.before;
    after.settings = settings.after;
  }
  if (Object.keys(after).length) ops.push({ email, kind: 'update', before, after });
  for (const queue of params.addQueues ?? []) if (!hasQueue(have.queues, queue)) ops.push({ email, kind: 'queueAdd', before: null, after: { queue } });
  for (const queue of params.removeQueues ?? []) if (hasQueue(have.queues, queue)) ops.push({ email, kind: 'queueRemove', before: { queue }, after: null });
}

function planRemove(email: string, have: ActualUser | undefined, ops: Op[], settled: Map<string, Settlement>): void {
  if (!have) {
    settled.set(email, { outcome: 'already', note: 'has no ZCC license' });
    return;
  }
  ops.push({ email, kind: 'remove', before: { role: have.roleName, package: have.packageName, access: have.access, queues: have.queues }, after: null });
}

/** Leaf paths of a nested object: [["channel_settings.x.y", value], …]. */
function leaves(obj: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(obj).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return v && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, path) : [[path, v] as [string, unknown]];
  });
}

function leafAt(obj: Record<string, unknown>, path: string): unknown {
  let node: unknown = obj;
  for (const k of path.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
  return node;
}

/** One op's stored result, as `finishJob` reads it. */
export interface OpStatus {
  kind: string;
  status: string;
  error: string | null;
}

const RANK: Record<'failed' | 'not_zoom_user' | 'done' | 'already', number> = { failed: 3, not_zoom_user: 2, done: 1, already: 0 };

/**
 * A user's outcome from the ops of the job that concern them: failed beats not_zoom_user beats
 * done beats already, and the error is the first error of the outcome that won.
 */
export function itemOutcome(ops: OpStatus[], stopped = 'the job stopped before this change was made'): { outcome: 'done' | 'already' | 'not_zoom_user' | 'failed'; error?: string } {
  let best: { outcome: 'done' | 'already' | 'not_zoom_user' | 'failed'; error?: string } = { outcome: 'already' };
  for (const op of ops) {
    const outcome = op.status === 'done' || op.status === 'already' || op.status === 'not_zoom_user' ? op.status : 'failed';
    let error: string | undefined;
    if (outcome === 'failed') error = `${op.kind}: ${op.status === 'pending' ? stopped : op.status === 'license_exhausted' || op.error === 'license_exhausted' ? `no license left${op.error && op.error !== 'license_exhausted' ? ` (${op.error})` : ''}` : op.error ?? op.status}`;
    else if (outcome === 'not_zoom_user') error = op.error ?? 'not a user of the Zoom account (a license can only be given to an existing Zoom user)';
    if (RANK[outcome] > RANK[best.outcome]) best = error ? { outcome, error } : { outcome };
  }
  return best;
}
