/** The `audit` table: every change and decision, who or what made it, before and after, result. */
import type { StoreOrTx } from './db';
import { insertInSlices } from './bulk';

export interface AuditEntry {
  runId: string;
  actor: string;
  email: string;
  op: string;
  before: string | null;
  after: string | null;
  result: string;
  error: string | null;
  at: string;
}

export async function addAuditEntries(db: StoreOrTx, entries: AuditEntry[]): Promise<void> {
  await insertInSlices(db, 'audit', entries.map((e) => ({
    run_id: e.runId, actor: e.actor, email: e.email, op: e.op, before: e.before, after: e.after, result: e.result, error: e.error, at: e.at,
  })), 100);
}

/** An approval or rejection of a held run. */
export async function recordDecision(db: StoreOrTx, runId: string, approved: boolean, by: string): Promise<void> {
  await addAuditEntries(db, [{ runId, actor: by, email: '-', op: approved ? 'approve' : 'reject', before: null, after: null, result: 'done', error: null, at: new Date().toISOString() }]);
}
