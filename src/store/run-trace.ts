/**
 * What one run saw of a few users, read back after it ended (`zcc-sync users sync`'s trace): their
 * row of the run's directory snapshot, and their ZCC state before the run (the run's ZCC snapshot
 * with their mapped queues). A run's snapshots are kept for the newest runs only (pruneSnapshots):
 * read them right after the run.
 */
import type { StoreOrTx } from './db';
import type { ActualUser, DirectoryUser } from '../domain/types';
import { chunk } from '../util/chunk';

// SQLite answers 1/0 for a boolean column, PostgreSQL true/false.
const truthy = (v: unknown): boolean => v === true || Number(v) === 1;

/** The run's directory snapshot rows of these users (lower-cased emails), `disabled` always set. */
export async function runDirectoryUsers(db: StoreOrTx, runId: string, emails: string[]): Promise<Map<string, DirectoryUser & { disabled: boolean }>> {
  const out = new Map<string, DirectoryUser & { disabled: boolean }>();
  for (const part of chunk(emails, 500)) {
    const rows = await db('directory_snapshot').where('run_id', runId).whereIn('email', part)
      .select('email', 'display_name', 'unique_id', 'dn', 'groups', 'disabled');
    for (const r of rows) {
      out.set(r.email, { email: r.email, displayName: r.display_name ?? '', uniqueId: r.unique_id ?? '', dn: r.dn ?? '', groups: JSON.parse(r.groups ?? '[]'), disabled: truthy(r.disabled) });
    }
  }
  return out;
}

/** These users as the run read them in ZCC before it changed anything; absent: no ZCC license then. */
export async function runZccUsersBefore(db: StoreOrTx, runId: string, emails: string[]): Promise<Map<string, ActualUser>> {
  const out = new Map<string, ActualUser>();
  for (const part of chunk(emails, 500)) {
    const rows = await db('cc_snapshot').where('run_id', runId).whereIn('email', part);
    for (const r of rows) {
      out.set(r.email, {
        email: r.email, userId: r.user_id ?? '', displayName: r.display_name ?? '', roleName: r.role_name ?? '',
        packageName: r.package_name ?? null, access: r.access === 'inactive' ? 'inactive' : 'active', queues: [], settings: JSON.parse(r.settings ?? '{}'),
      });
    }
    const members: Array<{ email: string; queue: string }> = await db('cc_queue_members').where('run_id', runId).whereIn('email', part).select('email', 'queue');
    for (const m of members) out.get(m.email)?.queues.push(m.queue);
  }
  for (const u of out.values()) u.queues.sort();
  return out;
}
