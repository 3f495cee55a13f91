/**
 * The store: knex over a SQLite file in the state directory by default, or PostgreSQL
 * (`store.client: pg`) when several workers share one store. Opening it runs the migrations, so
 * a new worker brings the schema up to date itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config/schema';
import { migrationSource } from './migrations';

export const SQLITE_FILE = 'zcc-sync.sqlite';

/** How long a SQLite writer waits for another process's lock before failing (worker + CLI share the file). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/** How long to wait for another process that holds the migration lock. */
const MIGRATION_LOCK_WAIT_MS = 30_000;

export interface OpenStoreOptions {
  /** Run the migrations (default true). */
  migrate?: boolean;
}

/** The SQLite file a config uses: `store.connection` (string or { filename }), else <stateDir>/zcc-sync.sqlite. */
export function sqliteFilename(config: Config): string {
  const c = config.store.connection;
  if (typeof c === 'string') return c;
  if (c && typeof c.filename === 'string') return c.filename;
  return path.join(config.stateDir, SQLITE_FILE);
}

/** The knex configuration for a config's store section. */
export function storeKnexConfig(config: Config): Knex.Config {
  if (config.store.client === 'pg') {
    if (config.store.connection === undefined) {
      throw new Error('store.connection: got nothing — expected a PostgreSQL connection string or object when store.client is pg (fix: set store.connection, e.g. postgres://zcc:${PGPASSWORD}@db.example.com/zcc)');
    }
    return { client: 'pg', connection: config.store.connection as Knex.StaticConnectionConfig | string, pool: { min: 0, max: 10 } };
  }
  const filename = sqliteFilename(config);
  const extra = typeof config.store.connection === 'object' ? config.store.connection : {};
  return {
    client: 'sqlite3',
    connection: { ...extra, filename },
    useNullAsDefault: true,
    pool: {
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        prepareSqliteConnection(conn).then(
          () => done(null, conn),
          (err: Error) => done(err, conn),
        );
      },
    },
  };
}

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
}

/**
 * busy_timeout first, so every later statement waits for another process's lock instead of failing
 * with SQLITE_BUSY; then WAL (the CLI reads while the worker writes). Switching a fresh file to WAL
 * does not wait on the busy handler, so it is retried while another process holds the file.
 */
async function prepareSqliteConnection(conn: SqliteConnection): Promise<void> {
  const exec = (sql: string) => new Promise<void>((resolve, reject) => conn.exec(sql, (err) => (err ? reject(err) : resolve())));
  await exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`);
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return await exec('PRAGMA journal_mode = WAL;');
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 50));
    }
  }
}

/** Opens the store (creating the SQLite file's directory) and, by default, runs the migrations. */
export async function openStore(config: Config, opts: OpenStoreOptions = {}): Promise<Knex> {
  const cfg = storeKnexConfig(config);
  if (cfg.client === 'sqlite3') {
    const filename = (cfg.connection as { filename: string }).filename;
    if (filename !== ':memory:' && !filename.startsWith('file:')) fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  }
  let db: Knex;
  try {
    db = knex(cfg);
  } catch (err) {
    const msg = (err as Error).message;
    if (/Cannot find module 'pg'/.test(msg)) throw new Error('store.client is pg, but the PostgreSQL driver "pg" is not installed (fix: npm ci)');
    throw err;
  }
  if (opts.migrate !== false) {
    try {
      await migrateStore(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  return db;
}

/** Any fixed number: the PostgreSQL advisory lock that serialises creating knex's migration tables. */
const PG_MIGRATION_TABLES_LOCK = 7_262_201;

/**
 * Creates knex's two migration tables and the lock table's one row, race-free. knex's own set-up
 * checks for them and then creates them: two processes starting on a fresh store (worker + CLI,
 * several workers) could both insert a lock row, and with two rows knex's "lock the migrations"
 * update touches two rows and reports "already locked" forever. Here each step is one atomic
 * statement on SQLite (busy_timeout makes the others wait) and runs under an advisory lock on
 * PostgreSQL; a store that already has extra lock rows is repaired.
 */
async function ensureMigrationTables(db: Knex): Promise<void> {
  const create = async (q: Knex | Knex.Transaction) => {
    // The same columns knex creates (table-creator.js), so knex finds them and goes on.
    const createIfMissing = (table: string, columns: (t: Knex.CreateTableBuilder) => void) =>
      q.raw(q.schema.createTable(table, columns).toString().replace(/^create table /i, 'create table if not exists '));
    await createIfMissing('knex_migrations', (t) => {
      t.increments();
      t.string('name');
      t.integer('batch');
      t.timestamp('migration_time');
    });
    await createIfMissing('knex_migrations_lock', (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    });
    await q.raw('insert into knex_migrations_lock (is_locked) select 0 where not exists (select 1 from knex_migrations_lock)');
    await q.raw('delete from knex_migrations_lock where "index" <> (select min("index") from knex_migrations_lock)');
  };
  if (db.client.config.client === 'pg') {
    await db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [PG_MIGRATION_TABLES_LOCK]);
      await create(trx);
    });
  } else {
    await create(db);
  }
}

/**
 * Runs the pending migrations. Two processes may start at once (worker + CLI, or several workers):
 * one takes knex's migration lock and the other waits for it.
 */
export async function migrateStore(db: Knex): Promise<string[]> {
  await ensureMigrationTables(db);
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (;;) {
    try {
      const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
      return applied;
    } catch (err) {
      if ((err as Error).name !== 'MigrationLocked' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

export async function closeStore(db: Knex | undefined): Promise<void> {
  await db?.destroy();
}

/**
 * The store handle as the rest of the product sees it: code outside src/store/ passes it to the
 * store's functions and never builds queries itself (a lint rule keeps knex inside src/store/).
 */
export type Store = Knex;
/** A store handle or a transaction on it: every store function takes either. */
export type StoreOrTx = Knex | Knex.Transaction;

/** Runs fn in one transaction: all of its writes happen, or none. */
export function inTransaction<T>(db: Store, fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(fn);
}
