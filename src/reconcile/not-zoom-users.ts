/**
 * Directory users who are not Zoom users (Zoom answers 1004 to their create). The CC API cannot
 * tell whether a Zoom user exists without trying, so the outcome is remembered and the create is
 * deferred for `policy.retryNotZoomUsersAfterHours`: an unchanged directory then plans no write.
 */
import type { Op, PlanSummary } from '../domain/types';
import type { Store } from '../store/db';
import { notZoomUsersSince } from '../store/facts';

/** Emails whose create failed with "not a Zoom user" less than `hours` ago. */
export function recentNotZoomUsers(db: Store, hours: number, now: Date): Promise<Map<string, string>> {
  return notZoomUsersSince(db, now.getTime() - hours * 3600 * 1000);
}

/** Drops the create (and queue add) ops of recently failed non-Zoom users; returns who was deferred. */
export function deferNotZoomUsers(ops: Op[], summary: PlanSummary, recent: Map<string, string>): { ops: Op[]; summary: PlanSummary; deferred: string[] } {
  if (recent.size === 0) return { ops, summary, deferred: [] };
  const deferred = new Set(ops.filter((op) => op.kind === 'create' && recent.has(op.email)).map((op) => op.email));
  if (deferred.size === 0) return { ops, summary, deferred: [] };
  const kept = ops.filter((op) => !deferred.has(op.email));
  const next: PlanSummary = { ...summary, create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0 };
  for (const op of kept) next[op.kind]++;
  return { ops: kept, summary: next, deferred: [...deferred].sort() };
}
