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
import type { Config } from '../config/schema';
import { desiredState } from './desired';
import { excludeMatcher, plan, scopeWarnings, type UserSample } from './plan';
import { assignChunks, OpNumbering } from './chunks';
import type { Op, OpKind, PlanSummary } from '../domain/types';
import { deferNotZoomUsers, recentNotZoomUsers } from './not-zoom-users';
import { inTransaction, type Store } from '../store/db';
import { addOps, deleteOps, moveQueueChunks } from '../store/ops';
import { readPlanSlice } from '../store/snapshots';

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
  /** A delta or on-demand run: only the managed users in the run's scope are planned. */
  scoped?: boolean;
}

export async function planRun(db: Store, runId: string, config: Config, now: Date, opts: PlanRunOptions = {}): Promise<RunPlan> {
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
  const disabled = sample();
  const adopt: string[] = [];
  const clearDeactivated: string[] = [];
  let directoryUsers = 0;
  let managedUsers = 0;

  const chunks = await inTransaction(db, async (trx) => {
    await deleteOps(trx, runId);
    let lo = '';
    for (;;) {
      const slice = await readPlanSlice(trx, runId, lo, sliceUsers, opts.scoped);
      directoryUsers += slice.directory.length;
      managedUsers += slice.managed.size;
      // Disabled accounts are leavers: not desired, whatever their groups.
      const enabled = slice.directory.filter((u) => !u.disabled);
      const disabledHere = slice.directory.filter((u) => u.disabled).map((u) => u.email);
      addTo(disabled, disabledHere);
      directoryUsers -= disabledHere.length;
      const planned = plan({ desired: desiredState(enabled, mappings), actual: slice.actual, managed: slice.managed, policy, now, excluded, mappedQueues, scopeWarnings: false, disabled: new Set(disabledHere) });
      const kept = deferNotZoomUsers(planned.ops, planned.summary, recent);
      for (const k of Object.keys(summary) as Array<keyof PlanSummary>) summary[k] += kept.summary[k];
      warnings.push(...planned.warnings);
      addTo(leftInactive, planned.leftInactive);
      addTo(deferred, kept.deferred);
      adopt.push(...planned.adopt);
      clearDeactivated.push(...planned.clearDeactivated);
      await addOps(trx, runId, numbering.number(kept.ops));
      opts.onSlice?.(directoryUsers);
      if (slice.hi === null) break;
      lo = slice.hi;
    }
    const numbered = numbering.finish();
    await moveQueueChunks(trx, runId, numbered.queueChunkMoves);
    return numbered.chunks;
  });

  warnings.push(...scopeWarnings({ count: adopt.length, first: adopt }, leftInactive));
  if (disabled.count > 0) {
    warnings.push(
      `${disabled.count} member(s) of mapped groups are disabled in the directory: treated as leavers (${policy.leaver === 'remove' ? 'license removed' : 'deactivated, license removed after the grace period'}) and never provisioned: ${disabled.first.join(', ')}${disabled.count > SAMPLE ? ', …' : ''}`,
    );
  }
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
export async function writeOps(db: Store, runId: string, ops: Op[], chunkSize: number): Promise<Partial<Record<OpKind, number>>> {
  const planned = assignChunks(ops, chunkSize);
  await inTransaction(db, async (trx) => {
    await deleteOps(trx, runId);
    await addOps(trx, runId, planned.ops);
  });
  return planned.chunks;
}
