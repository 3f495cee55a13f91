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
      afterCreate(conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        // WAL lets the CLI read while the worker writes; busy_timeout makes a second writer wait
        // instead of failing with SQLITE_BUSY.
        conn.exec(
          `PRAGMA journal_mode = WAL; PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`,
          (err) => done(err, conn),
        );
      },
    },
  };
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

/**
 * Runs the pending migrations. Two processes may start at once (worker + CLI, or several workers):
 * one takes knex's migration lock and the other waits for it; and when both find the migration
 * tables missing, one loses the race to create them ("already exists") and simply tries again.
 */
export async function migrateStore(db: Knex): Promise<string[]> {
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
      return applied;
    } catch (err) {
      const e = err as Error;
      const locked = e.name === 'MigrationLocked';
      const lostCreateRace = /knex_migrations(_lock)?\b.*already exists|already exists.*knex_migrations|duplicate key value violates unique constraint "pg_type_typname_nsp_index"/.test(e.message);
      if (!(locked || (lostCreateRace && attempt < 5)) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

export async function closeStore(db: Knex | undefined): Promise<void> {
  await db?.destroy();
}
