/** Small store helpers shared by the run activities: runs rows, name maps, key-value facts. */
import type { Knex } from 'knex';
import type { RunStatus } from '../workflows/types';

/** Role and queue name → id maps resolved at the start of a run, used by every chunk. */
export interface NameMaps {
  roles: Record<string, string>;
  queues: Record<string, string>;
}

/** Looks a role or queue up by name, ignoring case (the planner compares names case-insensitively). */
export function idOf(map: Record<string, string>, name: string): string | undefined {
  if (map[name] !== undefined) return map[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(map)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export async function saveNames(db: Knex, runId: string, names: NameMaps): Promise<void> {
  await putKv(db, `names:${runId}`, names);
}

export async function loadNames(db: Knex, runId: string): Promise<NameMaps> {
  const names = await getKv<NameMaps>(db, `names:${runId}`);
  if (!names) throw new Error(`run ${runId}: role and queue names were not resolved (snapshot missing)`);
  return names;
}

export async function putKv(db: Knex, key: string, value: unknown): Promise<void> {
  await db('kv').insert({ key, value: JSON.stringify(value) }).onConflict('key').merge();
}

export async function getKv<T>(db: Knex, key: string): Promise<T | null> {
  const row = await db('kv').where({ key }).first();
  return row ? (JSON.parse(row.value) as T) : null;
}

export async function setRunStatus(db: Knex, runId: string, status: RunStatus, extra: Record<string, unknown> = {}): Promise<void> {
  await db('runs').where({ id: runId }).update({ status, updated_at: new Date().toISOString(), ...extra });
}

/**
 * Inserts rows in slices: SQLite caps the number of bound variables per statement. With
 * `keepExisting` (a key), rows whose key is already there are skipped instead of failing.
 */
export async function insertInSlices(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[], slice = 200, keepExisting?: string[]): Promise<void> {
  for (let i = 0; i < rows.length; i += slice) {
    const insert = db(table).insert(rows.slice(i, i + slice));
    await (keepExisting ? insert.onConflict(keepExisting).ignore() : insert);
  }
}

/** Snapshot tables: a run's working copy of the directory and of ZCC. */
const SNAPSHOT_TABLES = ['directory_snapshot', 'cc_snapshot', 'cc_queue_members'];

/**
 * Drops the snapshots of finished runs but the latest `keep`. Snapshots are a run's working data
 * (a 100k-user reconcile writes ~300k rows); ops, warnings, reports and the audit log stay.
 */
export async function pruneSnapshots(db: Knex, keep = 3): Promise<void> {
  const old = db('runs').whereNotNull('finished_at').orderBy('finished_at', 'desc').offset(keep).select('id');
  for (const table of SNAPSHOT_TABLES) await db(table).whereIn('run_id', old.clone()).delete();
}
