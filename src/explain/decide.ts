/**
 * What the next reconcile does to one user, and why. Pure: the inputs are what explain-user.ts
 * read (directory entry, ZCC user, store record, 1004 memory, held runs), `now` is an input.
 *
 * The ops are not re-derived here: they are the planner's own — `desiredState`, `plan` and
 * `deferNotZoomUsers` called exactly as a run's planner calls them (src/reconcile/plan-run.ts) on
 * this one user's slice — so what explain says a reconcile will do is what `plan` plans. The
 * reasons then only put those ops, and the inputs that led to them, in words.
 */
import type { Mapping, Policy } from '../config/schema';
import type { ActualUser, DesiredUser, DirectoryUser, ManagedRecord, Op } from '../domain/types';
import { normalizeDn } from '../ldap/dn';
import { desiredState } from '../reconcile/desired';
import { deferNotZoomUsers } from '../reconcile/not-zoom-users';
import { excludeMatcher, plan } from '../reconcile/plan';
import type { ManagedUserDetails } from '../store/managed-users';
import type { HeldRun, MatchedMapping, Reason } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface DecideInput {
  email: string;
  /** The user as the directory snapshot holds them; null when no mapped group reaches them. */
  user: DirectoryUser | null;
  actual: ActualUser | null;
  managed: ManagedUserDetails | null;
  mappings: Mapping[];
  policy: Policy;
  /** 1004 answers younger than retryNotZoomUsersAfterHours (what the planner defers by). */
  recentNotZoomUsers: Map<string, string>;
  /** When Zoom last answered 1004 for this user, however long ago; null when never. */
  lastNotZoomUser: string | null;
  held: HeldRun[];
  now: Date;
}

export interface Decision {
  mappings: MatchedMapping[];
  desired: DesiredUser | null;
  excluded: string | null;
  notZoomUser: { lastTry: string; nextTry: string; deferred: boolean } | null;
  ops: Op[];
  reasons: Reason[];
}

/** `2026-12-04T17:30:20.123Z` → `2026-12-04`. */
export const day = (iso: string): string => iso.slice(0, 10);
/** `2026-12-04T17:30:20.123Z` → `2026-12-04 17:30 UTC`. */
export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const plus = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

export function decide(input: DecideInput): Decision {
  const { email, user, actual, managed, policy, now } = input;
  const mappings = matchedMappings(user, input.mappings);

  // The planner's inputs for this user's slice, built as readPlanSlice and planRun build them.
  const enabled = user && !user.disabled ? [user] : [];
  const desiredMap = desiredState(enabled, input.mappings);
  const record: ManagedRecord | undefined = managed && !managed.removedAt ? { email, userId: managed.userId, deactivatedAt: managed.deactivatedAt } : undefined;
  const planned = plan({
    desired: desiredMap,
    actual: new Map(actual ? [[actual.email, actual]] : []),
    managed: new Map(record ? [[email, record]] : []),
    policy,
    now,
    excluded: excludeMatcher(policy.exclude),
    mappedQueues: input.mappings.flatMap((m) => m.queues),
    scopeWarnings: false,
    disabled: new Set(user?.disabled ? [user.email] : []),
  });
  const kept = deferNotZoomUsers(planned.ops, planned.summary, input.recentNotZoomUsers);
  const ops = kept.ops;
  const desired = desiredMap.get(email) ?? null;
  const excluded = policy.exclude.find((p) => excludeMatcher([p])(email)) ?? null;
  const deferred = kept.deferred.includes(email);
  const notZoomUser = input.lastNotZoomUser
    ? { lastTry: input.lastNotZoomUser, nextTry: plus(input.lastNotZoomUser, policy.retryNotZoomUsersAfterHours * HOUR_MS), deferred }
    : null;

  const reasons: Reason[] = [];
  if (excluded !== null) {
    reasons.push({ code: 'excluded', text: `excluded: policy.exclude matches "${excluded}"; zcc-sync never changes this user` });
  } else {
    if (managed?.removedAt) reasons.push({ code: 'removed', text: `zcc-sync removed the license on ${day(managed.removedAt)}; not managed since`, at: managed.removedAt });
    if (user?.disabled) {
      reasons.push({ code: 'disabled', text: record ? 'disabled in the directory: a leaver, whatever their groups' : 'disabled in the directory: never provisioned' });
    }
    if (desired) reasons.push(...desiredReasons(input, desired, record, ops, planned.leftInactive.includes(email), notZoomUser));
    else if (record) reasons.push(...leaverReasons(input, record, ops));
    else if (actual) reasons.push({ code: 'not-managed', text: 'not managed: a ZCC user zcc-sync did not provision (made by hand), in no mapped group; zcc-sync never changes this user' });
    else if (!user?.disabled) reasons.push({ code: 'not-in-scope', text: 'in no mapped group and not in ZCC: nothing to do' });
  }
  for (const run of input.held) {
    const theirs = run.ops.length ? `; once approved it applies ${run.ops.length} op(s) to this user` : '';
    reasons.push({
      code: 'held',
      text: `held by guard: run ${run.runId} waits for approval since ${when(run.since)} (${run.reasons.join('; ') || 'guard tripped'})${theirs}; no reconcile changes ZCC until it is approved or rejected (zcc-sync runs approve|reject ${run.runId})`,
      at: run.since,
    });
  }
  return { mappings, desired, excluded, notZoomUser, ops, reasons };
}

/** The mappings whose group the user is in, in config order; the winner as desiredState picks it. */
function matchedMappings(user: DirectoryUser | null, mappings: Mapping[]): MatchedMapping[] {
  const groups = new Set((user?.groups ?? []).map(normalizeDn));
  const matched = mappings.map((m, index) => ({ m, index })).filter(({ m }) => groups.has(normalizeDn(m.group)));
  if (matched.length === 0) return [];
  const winner = matched.reduce((best, x) => (x.m.priority > best.m.priority || (x.m.priority === best.m.priority && x.index < best.index) ? x : best));
  return matched.map(({ m, index }) => ({
    index, group: m.group, role: m.role, package: m.package, queues: [...m.queues], settings: m.settings ?? {}, priority: m.priority, wins: index === winner.index,
  }));
}

function desiredReasons(
  input: DecideInput,
  desired: DesiredUser,
  record: ManagedRecord | undefined,
  ops: Op[],
  leftInactive: boolean,
  notZoomUser: Decision['notZoomUser'],
): Reason[] {
  const { actual, policy } = input;
  const groups = input.user?.groups.length ?? 0;
  const out: Reason[] = [];
  if (!actual) {
    if (notZoomUser?.deferred) {
      out.push({
        code: 'not-zoom-user',
        text: `not a Zoom user: Zoom answered 1004 at ${when(notZoomUser.lastTry)}; next try at ${when(notZoomUser.nextTry)} (policy.retryNotZoomUsersAfterHours ${policy.retryNotZoomUsersAfterHours})`,
        at: notZoomUser.nextTry,
      });
    } else {
      const retry = notZoomUser ? ` (Zoom answered 1004 at ${when(notZoomUser.lastTry)}; tried again now)` : '';
      out.push({ code: 'create', text: `in ${groups} mapped group(s), no ZCC license: the license is created as ${desired.roleName}, ${desired.packageName}${desired.queues.length ? `, queues ${desired.queues.join(', ')}` : ''}${retry}` });
    }
    return out;
  }
  if (!record) out.push({ code: 'adopt', text: 'already in ZCC and in a mapped group: adopted (managed by zcc-sync from now on)' });
  if (record?.deactivatedAt && actual.access === 'inactive') {
    out.push({ code: 'reactivate', text: `deactivated by zcc-sync on ${day(record.deactivatedAt)} and in a mapped group again: reactivated`, at: record.deactivatedAt });
  }
  if (leftInactive) {
    out.push({ code: 'left-inactive', text: 'inactive in ZCC, but zcc-sync did not deactivate them (an admin did, in the portal): left inactive; reactivate them in ZCC, or remove them from the group' });
  }
  if (ops.length > 0) out.push({ code: 'update', text: `ZCC differs from the desired state: ${ops.length} change(s)` });
  else out.push({ code: 'in-step', text: 'ZCC matches the desired state: nothing to do' });
  return out;
}

function leaverReasons(input: DecideInput, record: ManagedRecord, ops: Op[]): Reason[] {
  const { actual, user, policy, now } = input;
  const out: Reason[] = [];
  if (!user?.disabled) out.push({ code: 'leaver', text: 'a leaver: managed by zcc-sync, in no mapped group any more' });
  if (!actual) {
    out.push({ code: 'gone', text: 'no longer in ZCC: nothing to do' });
    return out;
  }
  const days = policy.removeAfterDays;
  const kept = `the license is kept (policy.removeAfterDays is 0)`;
  if (ops.some((op) => op.kind === 'remove')) {
    const text = policy.leaver === 'remove'
      ? 'the license is removed now (policy.leaver is remove)'
      : `the license is removed now: deactivated on ${day(record.deactivatedAt as string)}, policy.removeAfterDays ${days} have passed`;
    out.push({ code: 'remove', text });
  } else if (ops.some((op) => op.kind === 'deactivate')) {
    const on = plus(now.toISOString(), days * DAY_MS);
    out.push({ code: 'deactivate', text: `deactivated now (access inactive, removed from the mapped queues); ${days > 0 ? `license removed on ${day(on)}` : kept}`, ...(days > 0 ? { at: on } : {}) });
  } else if (record.deactivatedAt) {
    const on = plus(record.deactivatedAt, days * DAY_MS);
    out.push({
      code: 'grace-period',
      text: `leaver in grace period: deactivated on ${day(record.deactivatedAt)}, ${days > 0 ? `license removed on ${day(on)}` : kept}${ops.length ? '' : '; nothing to do until then'}`,
      ...(days > 0 ? { at: on } : {}),
    });
  }
  return out;
}
