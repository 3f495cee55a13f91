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

/** An audit row as stored (`before`/`after`: JSON texts of the op's fields). */
export interface AuditRow {
  id: number;
  run_id: string;
  actor: string;
  email: string;
  op: string;
  before: string | null;
  after: string | null;
  result: string;
  error: string | null;
  at: string;
}

/** What `zcc-sync audit` searches by; every field optional, all given ones must match. */
export interface AuditFilters {
  email?: string;
  runId?: string;
  /** Any of these ops. */
  ops?: string[];
  /** Any of these actors (exact). */
  actors?: string[];
  /** ISO time: rows at or after it. */
  since?: string;
  /** ISO time: rows before it. */
  until?: string;
}

const AUDIT_PAGE_ROWS = 1000;

/**
 * The audit rows that match, oldest first (by id: the order they were written), one page at a
 * time: a year of history for 100k users is millions of rows, so at most two pages are held.
 * Keyset pagination (`id > last`), not OFFSET: every page is an index seek, so the last page of
 * a million rows costs what the first does. `--user`/`--run` use their columns' indexes, whose
 * entries are ordered by id within one value, so no page sorts. The next page is asked for
 * before this one is handed out: SQLite reads it on the driver's thread while the caller formats
 * and writes (the export waited on each query before: a fifth of its time idle). Two pages at most.
 */
export async function* streamAudit(db: StoreOrTx, filters: AuditFilters, pageRows = AUDIT_PAGE_ROWS): AsyncGenerator<AuditRow> {
  const pageAfter = (last: number): Promise<AuditRow[]> => {
    const q = db<AuditRow>('audit').where('id', '>', last);
    if (filters.email !== undefined) q.where({ email: filters.email });
    if (filters.runId !== undefined) q.where({ run_id: filters.runId });
    if (filters.ops?.length) q.whereIn('op', filters.ops);
    if (filters.actors?.length) q.whereIn('actor', filters.actors);
    // `at` is always toISOString() (UTC, milliseconds), so text order is time order.
    if (filters.since !== undefined) q.where('at', '>=', filters.since);
    if (filters.until !== undefined) q.where('at', '<', filters.until);
    return q.orderBy('id').limit(pageRows).then((rows) => rows as AuditRow[]);
  };
  let next: Promise<AuditRow[]> | null = pageAfter(0);
  try {
    while (next) {
      const page: AuditRow[] = await next;
      next = page.length === pageRows ? pageAfter(page[page.length - 1].id) : null;
      for (const row of page) yield row;
    }
  } finally {
    // A caller that stops early (the reader went away) leaves no query behind to fail unheard.
    await next?.catch(() => undefined);
  }
}

/** A console action that is no user change (schedule pause, resume, trigger): who did it, on what. */
export async function recordConsoleAction(db: StoreOrTx, action: { actor: string; op: string; target: string; result: string; error?: string }): Promise<void> {
  await addAuditEntries(db, [{ runId: action.target, actor: action.actor, email: '-', op: action.op, before: null, after: null, result: action.result, error: action.error ?? null, at: new Date().toISOString() }]);
}
