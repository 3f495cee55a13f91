/**
 * The directory mirror: the directory as the last applied run saw it (`directory_mirror`, one row
 * per provisioned email, as in a run's directory snapshot), and the users a delta or on-demand run
 * plans (`run_scope`).
 *
 * Why a mirror: a delta run re-reads only what changed in the directory and must know what the
 * users looked like before, to plan just those who differ. It moves only when a run that applied
 * completes — a held, rejected or failed run leaves it (and the change marker) where it was, so
 * the next delta sees the same changes again.
 */
import type { StoreOrTx } from './db';
import { insertInSlices } from './bulk';
import type { DirectoryUser } from '../domain/types';
import { chunk } from '../util/chunk';

/** A mirror row: a directory user with `disabled` always set. */
export type MirrorUser = DirectoryUser & { disabled: boolean };

const COLUMNS = ['email', 'display_name', 'unique_id', 'dn', 'groups', 'disabled'];

// SQLite answers 1/0 for a boolean column, PostgreSQL true/false.
const truthy = (v: unknown): boolean => v === true || Number(v) === 1;

/** Every mirror row (a delta compares the whole membership with it: ~100 bytes a user). */
export async function readMirror(db: StoreOrTx): Promise<MirrorUser[]> {
  return (await db('directory_mirror').select(COLUMNS)).map(mirrorUserOf);
}

/** The mirror rows of these emails or DNs (an on-demand sync needs no more). */
export async function mirrorUsersOf(db: StoreOrTx, emails: string[], dns: string[]): Promise<MirrorUser[]> {
  const rows = new Map<string, MirrorUser>();
  for (const part of chunk(emails, 500)) for (const r of await db('directory_mirror').whereIn('email', part).select(COLUMNS)) rows.set(r.email, mirrorUserOf(r));
  for (const part of chunk(dns, 500)) for (const r of await db('directory_mirror').whereIn('dn', part).select(COLUMNS)) rows.set(r.email, mirrorUserOf(r));
  return [...rows.values()];
}

function mirrorUserOf(r: Record<string, string | null>): MirrorUser {
  return {
    email: r.email as string, displayName: r.display_name ?? '', uniqueId: r.unique_id ?? '', dn: r.dn ?? '',
    groups: JSON.parse(r.groups ?? '[]'), disabled: truthy(r.disabled),
  };
}

/** Enabled users in the mirror: the directory size a delta run reports to the shrink guard. */
export async function countEnabledMirrorUsers(db: StoreOrTx): Promise<number> {
  const row = (await db('directory_mirror').where({ disabled: false }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** A completed full run: the mirror becomes its directory snapshot. */
export async function replaceMirror(trx: StoreOrTx, runId: string): Promise<void> {
  await trx('directory_mirror').delete();
  await copySnapshot(trx, runId);
}

/** A completed delta or on-demand run: its scope's rows become its directory snapshot's. */
export async function updateMirror(trx: StoreOrTx, runId: string): Promise<void> {
  await trx('directory_mirror').whereIn('email', trx('run_scope').where({ run_id: runId }).select('email')).delete();
  await copySnapshot(trx, runId);
}

/** One statement, in the database: a full run's snapshot is 100k rows. */
async function copySnapshot(trx: StoreOrTx, runId: string): Promise<void> {
  const cols = COLUMNS.join(', ');
  await trx.raw(`insert into directory_mirror (${cols}) select ${cols} from directory_snapshot where run_id = ?`, [runId]);
}

/** Users whose change failed: the next delta finds them missing from the mirror and plans them again. */
export async function forgetMirrorUsers(db: StoreOrTx, emails: string[]): Promise<void> {
  for (const part of chunk(emails, 500)) await db('directory_mirror').whereIn('email', part).delete();
}

export async function addRunScope(db: StoreOrTx, runId: string, emails: Iterable<string>): Promise<void> {
  const rows = [...new Set([...emails].map((e) => e.toLowerCase()))].map((email) => ({ run_id: runId, email }));
  await insertInSlices(db, 'run_scope', rows, 100, ['run_id', 'email']);
}

export async function runScope(db: StoreOrTx, runId: string): Promise<string[]> {
  return db('run_scope').where({ run_id: runId }).orderBy('email').pluck('email');
}

/** Drops the scope rows of runs whose snapshots are pruned. */
export async function deleteRunScopes(db: StoreOrTx, runIds: string[]): Promise<void> {
  for (const part of chunk(runIds, 500)) await db('run_scope').whereIn('run_id', part).delete();
}
