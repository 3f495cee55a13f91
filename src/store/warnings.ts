/** The `run_warnings` table: problems a run found and reported instead of dropping silently. */
import type { StoreOrTx } from './db';
import { insertInSlices } from './bulk';

export interface RunWarning {
  code: string;
  subject?: string;
  message: string;
}

/** Replaces a run's warnings (a retried snapshot starts over). */
export async function replaceRunWarnings(db: StoreOrTx, runId: string, warnings: RunWarning[]): Promise<void> {
  await db('run_warnings').where({ run_id: runId }).delete();
  await addRunWarnings(db, runId, warnings);
}

export async function addRunWarnings(db: StoreOrTx, runId: string, warnings: RunWarning[]): Promise<void> {
  await insertInSlices(db, 'run_warnings', warnings.map((w) => ({ run_id: runId, code: w.code, subject: w.subject ?? null, message: w.message })));
}

export async function countRunWarnings(db: StoreOrTx, runId: string): Promise<number> {
  const rows = await db('run_warnings').where({ run_id: runId }).count<{ n: number }[]>({ n: '*' });
  return Number(rows[0]?.n ?? 0);
}

/** A run's warnings as lines, in the order found. */
export async function runWarnings(db: StoreOrTx, runId: string): Promise<string[]> {
  const rows: Array<{ subject: string | null; message: string }> = await db('run_warnings').where({ run_id: runId }).orderBy('id');
  return rows.map((r) => (r.subject ? `${r.message} (${r.subject})` : r.message));
}
