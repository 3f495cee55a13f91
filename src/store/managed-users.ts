/**
 * The `managed_users` table: users zcc-sync manages (provisioned by a reconcile or an admin
 * assign, or adopted), with when they were deactivated as leavers or lost the license. A row is
 * kept after removal, for history.
 */
import type { StoreOrTx } from './db';
import type { AdoptionFacts } from './facts';
import { chunk } from '../util/chunk';

export interface ManagedUser {
  email: string;
  userId: string | null;
}

type ManagedColumn = 'user_id' | 'deactivated_at' | 'removed_at';

const row = (u: ManagedUser, runId: string, at: string) => ({ email: u.email, user_id: u.userId, provisioned_by: runId, provisioned_at: at, deactivated_at: null, removed_at: null });

/** Records users as managed; for users already recorded, only `refresh` columns are overwritten. */
export async function upsertManagedUsers(db: StoreOrTx, users: ManagedUser[], runId: string, at: string, refresh: ManagedColumn[]): Promise<void> {
  for (const part of chunk(users, 100)) {
    await db('managed_users').insert(part.map((u) => row(u, runId, at))).onConflict('email').merge(refresh);
  }
}

/** Sets a deactivation or removal time (or clears it with null) on managed users. */
export async function markManagedUsers(db: StoreOrTx, emails: string[], values: Partial<Record<'deactivated_at' | 'removed_at', string | null>>): Promise<void> {
  for (const part of chunk(emails, 500)) await db('managed_users').whereIn('email', part).update(values);
}

/** A completed reconcile's adoptions: adopted users become managed (with their ZCC id from the run's snapshot), reactivated-by-hand users lose their stale deactivation time. */
export async function recordAdoptions(db: StoreOrTx, runId: string, facts: AdoptionFacts): Promise<void> {
  const at = new Date().toISOString();
  for (const email of facts.adopt) {
    const snap = await db('cc_snapshot').where({ run_id: runId, email }).first();
    await db('managed_users').insert(row({ email, userId: snap?.user_id ?? null }, runId, at)).onConflict('email').ignore();
  }
  await markManagedUsers(db, facts.clearDeactivated, { deactivated_at: null });
}

/** Everything the store remembers of one managed user (`users explain`), removed ones included. */
export interface ManagedUserDetails {
  email: string;
  userId: string | null;
  /** The run (or admin job) that first recorded the user. */
  provisionedBy: string | null;
  provisionedAt: string | null;
  /** When zcc-sync deactivated them as a leaver (the grace clock); null when active. */
  deactivatedAt: string | null;
  /** When zcc-sync removed the license; a removed row no longer counts as managed. */
  removedAt: string | null;
}

/** One user's row (email lower-cased by the caller), or null when zcc-sync never managed them. */
export async function managedUser(db: StoreOrTx, email: string): Promise<ManagedUserDetails | null> {
  const r = await db('managed_users').where({ email }).first();
  if (!r) return null;
  return { email: r.email, userId: r.user_id ?? null, provisionedBy: r.provisioned_by ?? null, provisionedAt: r.provisioned_at ?? null, deactivatedAt: r.deactivated_at ?? null, removedAt: r.removed_at ?? null };
}

/** Users zcc-sync manages now (license not removed), active and deactivated as leavers (the metrics' gauge). */
export async function countManagedUsers(db: StoreOrTx): Promise<{ active: number; deactivated: number }> {
  const [row] = await db('managed_users')
    .whereNull('removed_at')
    .count<{ total: number | string; deactivated: number | string }[]>({ total: '*', deactivated: 'deactivated_at' });
  const total = Number(row?.total ?? 0);
  const deactivated = Number(row?.deactivated ?? 0);
  return { active: total - deactivated, deactivated };
}
