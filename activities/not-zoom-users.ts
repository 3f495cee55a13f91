/**
 * Directory users who are not Zoom users (Zoom answers 1004 to their create). The CC API cannot
 * tell whether a Zoom user exists without trying, so the outcome is remembered and the create is
 * deferred for `policy.retryNotZoomUsersAfterHours`: an unchanged directory then plans no write.
 */
import type { Knex } from 'knex';
import type { Op, PlanSummary } from '../src/domain/types';

const PREFIX = 'notZoomUser:';

export async function rememberNotZoomUser(db: Knex | Knex.Transaction, email: string, at: string): Promise<void> {
  await db('kv').insert({ key: PREFIX + email, value: JSON.stringify(at) }).onConflict('key').merge();
}

/** Emails whose create failed with "not a Zoom user" less than `hours` ago. */
export async function recentNotZoomUsers(db: Knex, hours: number, now: Date): Promise<Map<string, string>> {
  const since = now.getTime() - hours * 3600 * 1000;
  const out = new Map<string, string>();
  for (const r of await db('kv').where('key', 'like', `${PREFIX}%`)) {
    const at = JSON.parse(r.value) as string;
    if (Date.parse(at) > since) out.set(r.key.slice(PREFIX.length), at);
  }
  return out;
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
