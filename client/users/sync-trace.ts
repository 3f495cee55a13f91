/**
 * `zcc-sync users sync`'s step-by-step trace, read from the store once the run has ended: for
 * each user of the run, (1) their directory entry and mapped groups (the run's directory
 * snapshot), (2) the mapping that won and why, (3) the desired state against ZCC before the run
 * (the run's ZCC snapshot), (4) each op planned and its outcome, and what it came to.
 *
 * The mappings and the desired state are users explain's own (src/explain/decide.ts, which runs
 * src/reconcile/desired.ts), so the trace, `users explain` and `plan` never disagree.
 */
import type { Config } from '../../src/config/schema';
import type { RunStatus } from '../../src/domain/runs';
import type { ActualUser, DesiredUser, DirectoryUser, Op, OpKind, PlanSummary } from '../../src/domain/types';
import { day, decide } from '../../src/explain/decide';
import type { MatchedMapping } from '../../src/explain/types';
import { unionQueues } from '../../src/reconcile/desired';
import { renderPlan } from '../../src/reconcile/render';
import type { Store } from '../../src/store/db';
import { managedUser } from '../../src/store/managed-users';
import { opsOfUsers, type OpRow } from '../../src/store/ops';
import { runDirectoryUsers, runZccUsersBefore } from '../../src/store/run-trace';

export interface TracedOp {
  kind: OpKind;
  /** pending (not applied: the run is held or stopped) | done | already | not_zoom_user | license_exhausted | failed | skipped */
  status: string;
  error: string | null;
  before: unknown;
  after: unknown;
  /** Why a leaver's op was planned when not "left the mapped groups": `disabled`. */
  reason: string | null;
}

export interface UserTrace {
  email: string;
  /** Named on the command line (else a former email of a named user's entry, also planned). */
  requested: boolean;
  /** Their entry as the run read it; null: no mapped group has a member with this email. */
  directory: { dn: string; displayName: string; uniqueId: string; disabled: boolean; groups: string[] } | null;
  /** The mapping that gives role, package and settings; null: in no mapped group. */
  mapping: {
    index: number;
    group: string;
    role: string;
    package: string;
    priority: number;
    /** Why this one wins (the only one; the highest priority; a tie, first in the file). */
    why: string;
    /** Every mapping whose group they are in, in config order (queues: the union of them all). */
    matched: MatchedMapping[];
  } | null;
  /** What zcc-sync wants in ZCC; null: not wanted (in no mapped group, or disabled in the directory). */
  desired: DesiredUser | null;
  /** ZCC before the run (mapped queues only); null: not a ZCC user then. */
  before: ActualUser | null;
  ops: TracedOp[];
  /** What it came to, in one sentence. */
  result: string;
}

export interface SyncTrace {
  runId: string;
  status: RunStatus;
  durationMs: number | null;
  users: UserTrace[];
  /** Named users that no mapped group has as a member (leavers, or unknown). */
  notFound: string[];
}

const SUCCESS = new Set(['done', 'already']);

/** The trace of `emails` (requested first) in run `runId`. */
export async function traceRun(db: Store, config: Config, run: { runId: string; status: RunStatus; durationMs: number | null }, requested: string[], scope: string[], notFound: string[]): Promise<SyncTrace> {
  const asked = new Set(requested);
  const emails = [...requested, ...scope.filter((e) => !asked.has(e)).sort()];
  const directory = await runDirectoryUsers(db, run.runId, emails);
  const before = await runZccUsersBefore(db, run.runId, emails);
  const opRows = await opsOfUsers(db, run.runId, emails);
  const users: UserTrace[] = [];
  for (const email of emails) {
    const ops = opRows.filter((r) => r.email === email);
    // Extra scope emails (an entry's former email) appear only when the run did something to them.
    if (!asked.has(email) && ops.length === 0 && !directory.has(email)) continue;
    users.push(await traceUser(db, config, run.status, email, asked.has(email), directory.get(email) ?? null, before.get(email) ?? null, ops));
  }
  return { runId: run.runId, status: run.status, durationMs: run.durationMs, users, notFound };
}

async function traceUser(db: Store, config: Config, status: RunStatus, email: string, requested: boolean, dir: (DirectoryUser & { disabled: boolean }) | null, before: ActualUser | null, rows: OpRow[]): Promise<UserTrace> {
  // Only the mappings and the desired state are taken from decide: the ops are the run's own.
  const d = decide({
    email, user: dir, actual: before, managed: null, mappings: config.mappings, policy: config.policy,
    recentNotZoomUsers: new Map(), lastNotZoomUser: null, held: [], now: new Date(),
  });
  const winner = d.mappings.find((m) => m.wins);
  const ops: TracedOp[] = rows.map((r) => ({
    kind: r.kind, status: r.status, error: r.error, before: parse(r.before), after: parse(r.after), reason: r.reason ?? null,
  }));
  const trace: UserTrace = {
    email,
    requested,
    directory: dir && { dn: dir.dn, displayName: dir.displayName, uniqueId: dir.uniqueId, disabled: dir.disabled, groups: dir.groups },
    mapping: winner ? { index: winner.index, group: winner.group, role: winner.role, package: winner.package, priority: winner.priority, why: whyWins(winner, d.mappings), matched: d.mappings } : null,
    desired: d.desired,
    before,
    ops,
    result: '',
  };
  trace.result = await resultOf(db, config, status, trace);
  return trace;
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** desiredState's rule in words: the highest priority; ties: the first mapping in the file. */
function whyWins(winner: MatchedMapping, all: MatchedMapping[]): string {
  const others = all.filter((m) => !m.wins);
  if (others.length === 0) return 'the only mapping whose group they are in';
  const tied = others.filter((m) => m.priority === winner.priority);
  const lower = others.filter((m) => m.priority < winner.priority);
  const parts: string[] = [];
  if (lower.length) parts.push(`highest priority (${winner.priority} over ${lower.map((m) => `mappings[${m.index}]'s ${m.priority}`).join(', ')})`);
  if (tied.length) parts.push(`same priority ${winner.priority} as ${tied.map((m) => `mappings[${m.index}]`).join(', ')}, and first in the file`);
  return `${parts.join('; ')}; queues are the union of all ${all.length}`;
}

/** What the run did to the user, in one sentence. */
async function resultOf(db: Store, config: Config, status: RunStatus, t: UserTrace): Promise<string> {
  const failed = t.ops.filter((o) => !SUCCESS.has(o.status) && o.status !== 'pending');
  const pending = t.ops.filter((o) => o.status === 'pending');
  const why = t.directory?.disabled ? 'disabled in the directory' : 'in no mapped group';
  if (t.ops.length === 0) {
    if (t.desired && t.before) return 'ZCC already matches the desired state: nothing to do';
    if (t.desired) return 'no license created: nothing was planned (Zoom answered "not a Zoom user" recently, or the run stopped early; see `zcc-sync users explain`)';
    if (!t.before) return t.directory?.disabled ? 'disabled in the directory and not a ZCC user: never provisioned, nothing to do' : 'not in a mapped group and not a ZCC user: nothing to do';
    const managed = await managedUser(db, t.email);
    if (!managed || managed.removedAt) return `${why}, and a ZCC user zcc-sync does not manage (made by hand): never changed`;
    if (managed.deactivatedAt) return `a leaver (${why}), deactivated on ${day(managed.deactivatedAt)}: ${licenseFate(config, managed.deactivatedAt)}`;
    return `${why}: nothing planned`;
  }
  if (pending.length === t.ops.length) return status === 'held' ? `${t.ops.length} change(s) wait for the held run's approval` : `${t.ops.length} change(s) not applied (run ${status})`;
  if (failed.length) return `${failed.length} of ${t.ops.length} change(s) did not take effect: ${failed.map((o) => `${o.kind} ${o.status.replace(/_/g, ' ')}${o.error ? ` (${o.error})` : ''}`).join('; ')}`;
  const kinds = new Set(t.ops.map((o) => o.kind));
  if (kinds.has('remove')) return `a leaver (${why}): the ZCC license was removed`;
  if (kinds.has('deactivate')) {
    const managed = await managedUser(db, t.email);
    const at = managed?.deactivatedAt ?? new Date().toISOString();
    return `a leaver (${why}): deactivated (access inactive, removed from the mapped queues); ${licenseFate(config, at)}`;
  }
  const want = t.desired;
  const target = want ? `role ${want.roleName}, package ${want.packageName}, queues ${want.queues.join(', ') || '(none)'}` : '';
  if (kinds.has('create')) return `license created: ${target}`;
  if (t.before?.access === 'inactive' && t.ops.some((o) => o.kind === 'update' && (o.after as { access?: string } | null)?.access === 'active')) return `reactivated: ${target}`;
  return `updated to the desired state: ${target}`;
}

function licenseFate(config: Config, deactivatedAt: string): string {
  const days = config.policy.removeAfterDays;
  if (days <= 0) return 'the license is kept (policy.removeAfterDays is 0)';
  return `the license is removed on ${day(new Date(Date.parse(deactivatedAt) + days * 86_400_000).toISOString())} (policy.removeAfterDays ${days}) unless they come back before`;
}

// ---------------------------------------------------------------------------------------------
// Text

const show = (v: unknown): string => (v === null || v === undefined || v === '' ? '-' : Array.isArray(v) ? v.join(', ') || '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));

const NO_CHANGES: PlanSummary = { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0 };

/** One op as `plan` prints it (src/reconcile/render.ts), with its outcome. */
function opLine(email: string, op: TracedOp): string {
  const planned: Op = { email, kind: op.kind, before: op.before as Op['before'], after: op.after as Op['after'], ...(op.reason ? { reason: op.reason as Op['reason'] } : {}) };
  const text = renderPlan([planned], NO_CHANGES, []).split('\n').find((l) => l.startsWith('  '))?.trim() ?? `${op.kind} ${email}`;
  const outcome = op.status === 'pending' ? 'not applied' : op.status.replace(/_/g, ' ');
  return `${text}  → ${outcome}${op.error ? ` (${op.error})` : ''}`;
}

export function renderTrace(t: SyncTrace, detail: string): string[] {
  const took = t.durationMs === null ? '' : ` in ${(t.durationMs / 1000).toFixed(1)} s`;
  const lines = [`Run ${t.runId} (users sync) ${t.status}${took}: ${detail}.`];
  for (const u of t.users) lines.push('', ...userLines(u));
  if (t.notFound.length) lines.push('', `Not in any mapped group: ${t.notFound.join(', ')} (leavers, or not members: see each user above).`);
  return lines;
}

function userLines(u: UserTrace): string[] {
  const lines = [`${u.email}${u.requested ? '' : '  (a former email of a synced entry)'}`];
  const pad = '                ';
  // 1. the directory
  if (u.directory) {
    lines.push(`  1. directory  ${u.directory.dn} — ${u.directory.disabled ? 'DISABLED in the directory (a leaver, whatever the groups)' : 'enabled'}`);
    lines.push(`${pad}mapped groups: ${u.directory.groups.length ? u.directory.groups.join('; ') : '(none)'}`);
  } else {
    lines.push('  1. directory  not found in any mapped group (no member entry with this email)');
  }
  // 2. the mapping
  if (u.mapping) {
    const m = u.mapping;
    lines.push(`  2. mapping    mappings[${m.index}] ${m.group} (priority ${m.priority}) wins: ${m.why}`);
    lines.push(`${pad}→ role ${m.role}, package ${m.package}, queues ${show(unionQueues(m.matched.map((x) => x.queues)))}`);
    for (const o of m.matched.filter((x) => !x.wins)) lines.push(`${pad}  also mappings[${o.index}] ${o.group} (priority ${o.priority}): role ${o.role}, package ${o.package}, queues ${show(o.queues)}`);
  } else {
    lines.push('  2. mapping    none (in no mapped group)');
  }
  // 3. desired against ZCC before
  const want = u.desired;
  const had = u.before;
  const rows: Array<[string, string, string]> = [
    ['role', show(want?.roleName), show(had?.roleName)],
    ['package', show(want?.packageName), show(had?.packageName)],
    ['access', want ? 'active' : '-', show(had?.access)],
    ['queues', show(want?.queues), show(had?.queues)],
  ];
  const w = Math.max(20, ...rows.map((r) => r[1].length));
  lines.push(`  3. state      ${'desired'.padEnd(w)}  ZCC before${had ? '' : ': not a ZCC user'}`);
  for (const [name, a, b] of rows) lines.push(`     ${name.padEnd(11)}${a.padEnd(w)}  ${b}`);
  if (!want) lines.push(`${pad}(desired: none — ${u.directory?.disabled ? 'disabled in the directory' : 'in no mapped group'})`);
  // 4. the ops
  if (u.ops.length === 0) lines.push('  4. ops        none');
  else u.ops.forEach((op, i) => lines.push(`${i === 0 ? '  4. ops        ' : pad}${opLine(u.email, op)}`));
  lines.push(`  ⇒ ${u.result}`);
  return lines;
}
