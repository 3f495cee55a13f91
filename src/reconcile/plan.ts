/**
 * The reconcile plan: a pure diff of desired state (directory) against actual state (ZCC),
 * limited to the users zcc-sync manages, under the leaver policy. No I/O, no clock (`now` is an
 * input), deterministic output — so it is unit-tested as a table and `plan` prints exactly what
 * `apply` would do.
 *
 * Decisions:
 * - Scope: a user is touched only when desired (in a mapped group) or in `managed` (provisioned
 *   by zcc-sync before). `exclude` always wins: an excluded user gets no op at all.
 * - Adoption: a desired user who already exists in ZCC but was not provisioned by zcc-sync is
 *   adopted — updated to match, and listed in `adopt` so the caller records them as managed even
 *   when no op was needed (otherwise they would never be deactivated when they leave).
 * - Granularity: one op per (user, queue) for queue changes, so apply can batch by queue (30 a
 *   call). A created user's queues are queueAdd ops too (create.after.queues is for display and
 *   audit only; the ZCC create call takes no queues).
 * - Leavers (managed, no longer desired — left the mapped groups or disabled in the directory —
 *   still in ZCC):
 *     policy.leaver = remove → one `remove` op (license removed; queues go with it);
 *     policy.leaver = deactivate → `deactivate` (access inactive) while active or not yet recorded
 *       as deactivated (that starts the grace clock), plus one `queueRemove` per remaining queue;
 *       once `removeAfterDays` (> 0) have passed since the recorded deactivation → `remove`.
 * - Re-joiners (desired again, inactive in ZCC, deactivated by zcc-sync) → `update` access
 *   active, plus queueAdd ops. A desired user who is inactive in ZCC but was NOT deactivated by
 *   zcc-sync (an admin did it in the portal) is left inactive with a warning: zcc-sync does not
 *   undo a deliberate admin action; the other fields are still kept in step.
 * - Names (roles, queues) compare case-insensitively, so "agent" vs "Agent" is not a perpetual
 *   update. Settings compare only the fields the mapping sets (leaf by leaf).
 * - Queue removal only touches queues zcc-sync manages: `mappedQueues` when given (all queues
 *   named in mappings); without it every queue in `actual` counts as mapped (the ZCC snapshot only
 *   reads the agents of mapped queues).
 */
import type { Policy, UserSettings } from '../config/schema';
import { OP_ORDER, type ActualUser, type DesiredUser, type ManagedRecord, type Op, type PlanSummary } from '../domain/types';

export interface PlanInput {
  desired: Map<string, DesiredUser>;
  actual: Map<string, ActualUser>;
  managed: Map<string, ManagedRecord>;
  policy: Policy;
  now: Date;
  /** Overrides `policy.exclude` (e.g. a precompiled matcher). */
  excluded?: (email: string) => boolean;
  /** Queue names zcc-sync manages; only these are ever removed from a user. */
  mappedQueues?: Iterable<string>;
  /** Warn about adopted and left-inactive users (default true; callers planning in slices warn once themselves). */
  scopeWarnings?: boolean;
  /**
   * Members of mapped groups disabled in the directory (not in `desired`): leavers like those who
   * left the groups, their ops marked `reason: 'disabled'`.
   */
  disabled?: ReadonlySet<string>;
}

export interface Plan {
  ops: Op[];
  summary: PlanSummary;
  warnings: string[];
  /** Desired users found in ZCC but not in `managed`: record them as managed after apply. */
  adopt: string[];
  /**
   * Managed, desired users whose store record says "deactivated" but who are active in ZCC again
   * (reactivated by hand): clear `deactivated_at` so an old grace clock is not reused later.
   */
  clearDeactivated: string[];
  /** Desired users inactive in ZCC whom zcc-sync did not deactivate: left so, with a warning. */
  leftInactive: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** `exclude` entries: exact emails or `*` glob patterns, case-insensitive. */
export function excludeMatcher(patterns: readonly string[]): (email: string) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const raw of patterns) {
    const p = raw.trim().toLowerCase();
    if (p === '') continue;
    if (p.includes('*')) {
      const body = p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
      globs.push(new RegExp(`^${body}$`));
    } else {
      exact.add(p);
    }
  }
  return (email) => {
    const e = email.trim().toLowerCase();
    return exact.has(e) || globs.some((g) => g.test(e));
  };
}

/** Code-unit order: stable across machines and ICU versions (unlike localeCompare). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sameName = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The fields of `desired` (leaf by leaf) whose value differs in `actual`; null when none do.
 * Fields the mapping does not set are never compared.
 */
export function diffSettings(desired: Record<string, unknown>, actual: Record<string, unknown> | undefined): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [key, want] of Object.entries(desired)) {
    if (want === undefined) continue;
    const have = actual?.[key];
    if (isPlainObject(want)) {
      const sub = diffSettings(want, isPlainObject(have) ? have : undefined);
      if (sub) {
        before[key] = sub.before;
        after[key] = sub.after;
      }
    } else if (have !== want) {
      before[key] = have ?? null;
      after[key] = want;
    }
  }
  return Object.keys(after).length > 0 ? { before, after } : null;
}

/** Re-keys a map by lower-cased email; a second key differing only in case is reported and dropped. */
function byLowerEmail<T>(map: Map<string, T>, what: string, warnings: string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const [key, value] of map) {
    const email = key.trim().toLowerCase();
    if (out.has(email)) {
      warnings.push(`${what}: "${key}" and another entry differ only in letter case; only the first is used`);
      continue;
    }
    out.set(email, value);
  }
  return out;
}

export function plan(input: PlanInput): Plan {
  const warnings: string[] = [];
  const desired = byLowerEmail(input.desired, 'directory', warnings);
  const actual = byLowerEmail(input.actual, 'ZCC', warnings);
  const managed = byLowerEmail(input.managed, 'managed users', warnings);
  const excluded = input.excluded ?? excludeMatcher(input.policy.exclude);
  const mapped = input.mappedQueues ? new Set([...input.mappedQueues].map((q) => q.toLowerCase())) : null;
  const isMappedQueue = (q: string) => mapped === null || mapped.has(q.toLowerCase());
  const { leaver, removeAfterDays } = input.policy;

  const ops: Op[] = [];
  const adopt: string[] = [];
  const clearDeactivated: string[] = [];
  const leftInactive: string[] = [];
  let unchanged = 0;

  const candidates = new Set<string>([...desired.keys(), ...managed.keys()]);
  for (const email of candidates) {
    if (excluded(email)) continue;
    const want = desired.get(email);
    const have = actual.get(email);
    const record = managed.get(email);
    const before = ops.length;

    if (want && !have) {
      ops.push({ email, kind: 'create', before: null, after: { role: want.roleName, package: want.packageName, queues: want.queues, settings: want.settings } });
      for (const queue of want.queues) ops.push({ email, kind: 'queueAdd', before: null, after: { queue } });
      continue;
    }
    if (!have) continue; // a managed user already gone from ZCC: nothing to do
    if (want) {
      if (!record) adopt.push(email);
      planDesired(email, want, have, record, ops, isMappedQueue, { clearDeactivated, leftInactive });
    } else if (record) {
      const from = ops.length;
      planLeaver(email, have, record, ops, isMappedQueue, leaver, removeAfterDays, input.now);
      if (input.disabled?.has(email)) for (let i = from; i < ops.length; i++) ops[i].reason = 'disabled';
    }
    if (ops.length === before) unchanged++;
  }

  adopt.sort(cmp);
  leftInactive.sort(cmp);
  if (input.scopeWarnings !== false) warnings.push(...scopeWarnings({ count: adopt.length, first: adopt }, { count: leftInactive.length, first: leftInactive }));

  const order = new Map(OP_ORDER.map((k, i) => [k, i]));
  const queueOf = (op: Op) => String((op.after ?? op.before ?? {}).queue ?? '');
  ops.sort((a, b) => (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0) || cmp(a.email, b.email) || cmp(queueOf(a), queueOf(b)));

  const summary: PlanSummary = { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged };
  for (const op of ops) summary[op.kind]++;
  return { ops, summary, warnings, adopt, clearDeactivated: clearDeactivated.sort(cmp), leftInactive };
}

/** How many users, and the first of them in email order (at least the first 10 when there are more). */
export interface UserSample {
  count: number;
  first: string[];
}

/**
 * The plan's notes on its scope: desired users adopted, desired users left inactive. Separate from
 * `plan` so a caller planning in slices can count across slices and warn once.
 */
export function scopeWarnings(adopted: UserSample, leftInactive: UserSample): string[] {
  const warnings: string[] = [];
  if (adopted.count > 0) {
    warnings.push(`${adopted.count} user(s) already in ZCC and in a mapped group are adopted (managed by zcc-sync from now on): ${listSome(adopted)}`);
  }
  if (leftInactive.count > 0) {
    warnings.push(`${leftInactive.count} user(s) in a mapped group are inactive in ZCC but were not deactivated by zcc-sync; left inactive (reactivate them in ZCC, or remove them from the group): ${listSome(leftInactive)}`);
  }
  return warnings;
}

function listSome({ count, first }: UserSample, n = 10): string {
  return count <= n ? first.slice(0, n).join(', ') : `${first.slice(0, n).join(', ')}, … (+${count - n} more)`;
}

/** A desired user present in ZCC: role, package, settings, access, queues. */
function planDesired(
  email: string,
  want: DesiredUser,
  have: ActualUser,
  record: ManagedRecord | undefined,
  ops: Op[],
  isMappedQueue: (q: string) => boolean,
  notes: { clearDeactivated: string[]; leftInactive: string[] },
): void {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  if (!sameName(have.roleName, want.roleName)) {
    before.role = have.roleName;
    after.role = want.roleName;
  }
  if (have.packageName !== want.packageName) {
    before.package = have.packageName;
    after.package = want.packageName;
  }
  const settings = diffSettings(want.settings as Record<string, unknown>, have.settings as UserSettings as Record<string, unknown>);
  if (settings) {
    before.settings = settings.before;
    after.settings = settings.after;
  }
  if (have.access === 'inactive') {
    if (record?.deactivatedAt) {
      before.access = 'inactive'; // a re-joiner: zcc-sync deactivated them, so it reactivates them
      after.access = 'active';
    } else {
      notes.leftInactive.push(email);
    }
  } else if (record?.deactivatedAt) {
    notes.clearDeactivated.push(email);
  }
  if (Object.keys(after).length > 0) ops.push({ email, kind: 'update', before, after });

  const wanted = new Set(want.queues.map((q) => q.toLowerCase()));
  const present = new Set(have.queues.map((q) => q.toLowerCase()));
  for (const queue of want.queues) if (!present.has(queue.toLowerCase())) ops.push({ email, kind: 'queueAdd', before: null, after: { queue } });
  for (const queue of have.queues) {
    if (!wanted.has(queue.toLowerCase()) && isMappedQueue(queue)) ops.push({ email, kind: 'queueRemove', before: { queue }, after: null });
  }
}

/** A managed user no longer in any mapped group, still in ZCC. */
function planLeaver(
  email: string,
  have: ActualUser,
  record: ManagedRecord,
  ops: Op[],
  isMappedQueue: (q: string) => boolean,
  leaver: Policy['leaver'],
  removeAfterDays: number,
  now: Date,
): void {
  const deactivatedAt = record.deactivatedAt ? Date.parse(record.deactivatedAt) : NaN;
  const graceOver = removeAfterDays > 0 && Number.isFinite(deactivatedAt) && now.getTime() - deactivatedAt >= removeAfterDays * DAY_MS;
  if (leaver === 'remove' || graceOver) {
    ops.push({
      email,
      kind: 'remove',
      before: { role: have.roleName, package: have.packageName, access: have.access, queues: have.queues, ...(record.deactivatedAt ? { deactivatedAt: record.deactivatedAt } : {}) },
      after: null,
    });
    return;
  }
  // Deactivate while active, or while the store has no deactivation time (which starts the grace clock).
  if (have.access === 'active' || !record.deactivatedAt) {
    ops.push({ email, kind: 'deactivate', before: { access: have.access }, after: { access: 'inactive' } });
  }
  for (const queue of have.queues) if (isMappedQueue(queue)) ops.push({ email, kind: 'queueRemove', before: { queue }, after: null });
}
