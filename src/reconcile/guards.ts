/**
 * Guards: conditions under which a reconcile must not apply on its own but wait for an admin
 * (fail closed). They exist because the classic sync disaster is an outage, a bad filter or a
 * permission change read as "everyone left" (see provisioning-anchors §2.1).
 *
 * - 0 directory users always holds the run, whatever `minDirectoryUsers` says.
 * - `minDirectoryUsers`: fewer users than this holds the run.
 * - `maxShrinkPercent`: the directory shrank by more than this share since the last good run
 *   (skipped on the first run, when there is no last good run).
 * - `maxRemovals` (count) and `maxRemovalPercent` (of managed users): deactivations + removals
 *   beyond either limit hold the run. A limit of 0 means "no removal without approval".
 */
import type { Policy } from '../config/schema';
import type { PlanSummary } from '../domain/types';

export interface GuardInput {
  directoryUsers: number;
  /** Directory users of the last run that applied without being held; null on the first run. */
  lastGoodDirectoryUsers: number | null;
  summary: PlanSummary;
  /** Users zcc-sync manages before this run (the base of maxRemovalPercent). */
  managedCount: number;
  policy: Policy;
}

export interface GuardResult {
  tripped: boolean;
  reasons: string[];
}

/** 52 → "52%", 12.345 → "12.3%". */
function pct(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

const users = (n: number) => `${n} user${n === 1 ? '' : 's'}`;

export function evaluateGuards(input: GuardInput): GuardResult {
  const { directoryUsers, lastGoodDirectoryUsers: lastGood, summary, managedCount } = input;
  const { minDirectoryUsers, maxShrinkPercent, maxRemovals, maxRemovalPercent } = input.policy.guards;
  const reasons: string[] = [];

  if (directoryUsers === 0) {
    reasons.push('directory returned 0 users in the mapped groups; an empty directory is never taken to mean that everyone left');
  } else if (directoryUsers < minDirectoryUsers) {
    reasons.push(`directory returned ${users(directoryUsers)}, fewer than the minimum of ${minDirectoryUsers} (policy.guards.minDirectoryUsers)`);
  }

  if (lastGood !== null && lastGood > 0 && directoryUsers < lastGood) {
    const shrink = ((lastGood - directoryUsers) / lastGood) * 100;
    if (shrink > maxShrinkPercent) {
      reasons.push(`directory returned ${users(directoryUsers)}, ${pct(shrink)} fewer than the last good run (${lastGood}); limit ${pct(maxShrinkPercent)} (policy.guards.maxShrinkPercent)`);
    }
  }

  const removals = summary.deactivate + summary.remove;
  const detail = `${summary.deactivate} to deactivate, ${summary.remove} to remove`;
  if (removals > maxRemovals) {
    reasons.push(`the plan deactivates or removes ${users(removals)} (${detail}); limit ${maxRemovals} (policy.guards.maxRemovals)`);
  }
  if (removals > 0) {
    // With no managed users yet, any removal is 100% of them.
    const share = managedCount > 0 ? (removals / managedCount) * 100 : 100;
    if (share > maxRemovalPercent) {
      reasons.push(`the plan deactivates or removes ${users(removals)} (${detail}), ${pct(share)} of the ${managedCount} managed users; limit ${pct(maxRemovalPercent)} (policy.guards.maxRemovalPercent)`);
    }
  }

  return { tripped: reasons.length > 0, reasons };
}
