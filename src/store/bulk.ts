/**
 * Bulk inserts for the 100k-user hot paths (snapshots, ops, audit rows).
 */
import type { Knex } from 'knex';

/** Rows a JSON-bound insert carries: one bound value, so SQLite's variable cap does not apply. */
const JSON_ROWS_PER_STATEMENT = 1000;

/**
 * Inserts rows in slices: SQLite caps the number of bound variables per statement. With
 * `keepExisting` (a key), rows whose key is already there are skipped instead of failing.
 *
 * Rows of plain values that all have the same columns (snapshots, ops: the 100k-user hot path)
 * go as ONE JSON text per 1,000 rows, unpacked by the database (SQLite json_each, PostgreSQL
 * json_populate_recordset). Measured at 100k users: the ZCC snapshot's inserts took ~3.5 s of the
 * worker's CPU as knex-built 900-variable statements; building them also made most of its garbage.
 */
export async function insertInSlices(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[], slice = 200, keepExisting?: string[]): Promise<void> {
  const columns = rows.length > 0 ? sameColumnsOfPlainValues(rows) : null;
  if (columns) {
    const pg = db.client.config.client === 'pg';
    const conflict = keepExisting ? ` on conflict (${keepExisting.map(() => '??').join(', ')}) do nothing` : '';
    const names = columns.map(() => '??').join(', ');
    // SQLite: each row is an array; `value ->> i` is its i-th element as an SQL value. ("where
    // true" lets SQLite parse an upsert after a SELECT.) PostgreSQL: rows are objects cast by the
    // table's own row type.
    const sql = pg
      ? `insert into ?? (${names}) select ${names} from json_populate_recordset(null::??, ?::json)${conflict}`
      : `insert into ?? (${names}) select ${columns.map((_, i) => `value ->> ${i}`).join(', ')} from json_each(?) where true${conflict}`;
    for (let i = 0; i < rows.length; i += JSON_ROWS_PER_STATEMENT) {
      const part = rows.slice(i, i + JSON_ROWS_PER_STATEMENT);
      const json = JSON.stringify(pg ? part : part.map((r) => columns.map((c) => r[c])));
      const bindings = pg ? [table, ...columns, ...columns, table, json] : [table, ...columns, json];
      await db.raw(sql, [...bindings, ...(keepExisting ?? [])]);
    }
    return;
  }
  for (let i = 0; i < rows.length; i += slice) {
    const insert = db(table).insert(rows.slice(i, i + slice));
    await (keepExisting ? insert.onConflict(keepExisting).ignore() : insert);
  }
}

/**
 * The rows' columns when every row has the same ones, each a string, finite number, boolean or
 * null (what JSON carries without change); else null, and the rows go through knex as usual.
 */
function sameColumnsOfPlainValues(rows: Record<string, unknown>[]): string[] | null {
  const columns = Object.keys(rows[0]);
  for (const row of rows) {
    let n = 0;
    for (const key in row) {
      n++;
      const v = row[key];
      const plain = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!plain || !(key in rows[0])) return null;
    }
    if (n !== columns.length) return null;
  }
  return columns;
}
