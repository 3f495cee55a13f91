/**
 * Leavers whose change failed: ZCC users a run meant to deactivate, remove or take off queues
 * because the directory no longer provisions their email (the entry was deleted, left every mapped
 * group, or its email changed), where a Zoom call failed.
 *
 * A failed joiner or mover is retried through the mirror: its row is forgotten, so the next delta
 * finds the directory entry differing from the mirror. A leaver has no entry to find and, once the
 * run completes, no mirror row either — so it is kept here, and every delta run adds these emails
 * to its scope until a run settles them (its ops succeed, or the email is provisioned again).
 * Without this a failed leave waited for the next full reconcile.
 */
import type { StoreOrTx } from './db';
import { insertInSlices } from './bulk';
import type { RunScope } from './runs';
import { chunk } from '../util/chunk';

export async function pendingLeavers(db: StoreOrTx): Promise<string[]> {
  return db('pending_leavers').orderBy('email').pluck('email');
}

export async function hasPendingLeavers(db: StoreOrTx): Promise<boolean> {
  return (await db('pending_leavers').first('email')) !== undefined;
}

/**
 * After a completed apply: the emails this run planned are settled (a full run plans everyone),
 * then its failed emails that its directory snapshot does not hold become pending.
 */
export async function updatePendingLeavers(trx: StoreOrTx, runId: string, scope: RunScope, failed: string[]): Promise<void> {
  if (scope === 'full') await trx('pending_leavers').delete();
  else await trx('pending_leavers').whereIn('email', trx('run_scope').where({ run_id: runId }).select('email')).delete();
  const provisioned = new Set<string>();
  for (const part of chunk(failed, 500)) {
    for (const email of await trx('directory_snapshot').where({ run_id: runId }).whereIn('email', part).pluck('email')) provisioned.add(email);
  }
  const rows = failed.filter((email) => !provisioned.has(email)).map((email) => ({ email, run_id: runId }));
  await insertInSlices(trx, 'pending_leavers', rows, 100, ['email']);
}
