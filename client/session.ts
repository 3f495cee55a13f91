/**
 * A CLI session: the loaded config, a Temporal client and (lazily) the store, closed together.
 * The CLI reads run details from the store (read-only); every change goes through a workflow.
 */
import * as os from 'os';
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config/schema';
import { createTemporalClient } from '../src/temporal/connection';
import type { Store } from '../src/store/db';
import { EXIT_FAILED, fail, loadConfigOrExit, type ConfigOptions } from './common';

export interface Session {
  config: Config;
  client: Client;
  store(): Promise<Store>;
  close(): Promise<void>;
}

export async function openSession(opts: ConfigOptions): Promise<Session> {
  const { config } = loadConfigOrExit(opts);
  let temporal: Awaited<ReturnType<typeof createTemporalClient>>;
  try {
    temporal = await createTemporalClient(config);
  } catch (err) {
    fail(`cannot reach Temporal: ${(err as Error).message}`, EXIT_FAILED);
  }
  let db: Store | null = null;
  return {
    config,
    client: temporal.client,
    async store() {
      // Loaded on first use: knex and its driver cost ~150 ms, and many commands never read the store.
      db ??= await (await import('../src/store/db')).openStore(config);
      return db;
    },
    async close() {
      if (db) await (await import('../src/store/db')).closeStore(db);
      await temporal.connection.close();
    },
  };
}

/** Runs fn with a session and always closes it. */
export async function withSession<T>(opts: ConfigOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const s = await openSession(opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Who asked, for the audit log: `--as NAME`, else the OS user. */
export function actorName(as?: string): string {
  if (as && as.trim()) return as.trim();
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
