/**
 * A complete zcc-sync environment for integration tests: a slapd directory, the ZCC emulator, a
 * config file pointing at them and at the shared test Temporal and SMTP servers, the store, and a
 * worker in the jest process running the real activities exactly as `zcc-sync worker` builds them
 * (createWorkerDeps + createActivities), with applyChunk calls recorded.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import type { Knex } from 'knex';
import { startEmulator } from '../../emulator';
import type { EmulatorHandle, Seed } from '../../emulator/types';
import { createActivities } from '../../activities';
import type { ApplyChunkInput } from '../../activities/apply';
import { createWorkerDeps, type WorkerDeps } from '../../worker/deps';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { createLogger } from '../../src/log/logger';
import type { DirectorySpec } from '../../devstack/ldif';
import type { SlapdHandle } from '../../devstack/slapd';
import { readMailbox, type StoredMail } from '../../devstack/smtp';
import { startTestWorker, testStack, uniqueId, withSlapd, type TestWorker } from './stack';
import { EMULATOR_CREDENTIALS } from './zoom-emulator';
import { runCli, type CliResult } from './cli';

export interface SyncEnvOptions {
  directory?: DirectorySpec;
  seed: Seed;
  /** Extra config (deep-merged over the defaults below): mappings, policy, … */
  config?: Record<string, unknown>;
  /** Start no worker (tests that run the worker as a child process). */
  noWorker?: boolean;
  emulator?: Parameters<typeof startEmulator>[0];
}

export interface SyncEnv {
  emu: EmulatorHandle;
  ldap: SlapdHandle | null;
  config: Config;
  configFile: string;
  dir: string;
  db: Knex;
  worker: TestWorker | null;
  chunkCalls: ApplyChunkInput[];
  taskQueue: string;
  /** Runs the compiled CLI with `--config <this env's file>` appended. */
  cli(args: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult>;
  startWorker(): Promise<TestWorker>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

export async function startSyncEnv(opts: SyncEnvOptions): Promise<SyncEnv> {
  const stack = testStack();
  const dir = path.join(stack.stateDir, uniqueId('sync'));
  fs.mkdirSync(dir, { recursive: true });
  const ldap = opts.directory ? await withSlapd(opts.directory) : null;
  const emu = await startEmulator({ port: 0, seed: opts.seed, rateLimits: false, ...(opts.emulator ?? {}) });
  const taskQueue = uniqueId('tq-sync');
  const base: Record<string, unknown> = {
    stateDir: dir,
    temporal: { address: stack.temporalAddress, namespace: stack.namespace, taskQueue },
    directory: ldap ? { url: ldap.url, bindDN: ldap.readerDN, bindPassword: ldap.readerPassword } : {},
    contactCenter: { baseUrl: emu.baseUrl, tokenUrl: emu.tokenUrl, ...EMULATOR_CREDENTIALS, plan: 'business', rateScale: 100 },
    store: { client: 'sqlite3', connection: path.join(dir, 'zcc-sync.sqlite') },
    email: { host: stack.smtpHost, port: stack.smtpPort, from: 'zcc-sync@example.com', admins: ['it-admin@example.com'] },
    policy: { chunkSize: 100, concurrency: 4 },
    log: { level: 'warn' },
  };
  const configFile = path.join(dir, 'zcc-sync.yaml');
  fs.writeFileSync(configFile, stringify(merge(base, opts.config ?? {})));
  const config = loadConfig({ path: configFile });
  const chunkCalls: ApplyChunkInput[] = [];
  let deps: WorkerDeps | null = null;
  let worker: TestWorker | null = null;

  const startWorker = async () => {
    deps ??= await createWorkerDeps(config, createLogger({ level: 'warn' }));
    const activities = createActivities(deps.deps);
    const applyChunk = activities.applyChunk;
    activities.applyChunk = (input: ApplyChunkInput) => {
      chunkCalls.push(input);
      return applyChunk(input);
    };
    worker = await startTestWorker({ activities, taskQueue });
    env.worker = worker;
    return worker;
  };
  const stopWorker = async () => {
    await worker?.shutdown();
    worker = null;
    env.worker = null;
  };

  // The store the test reads: the worker's own (same SQLite file) once it exists.
  const { openStore, closeStore } = await import('../../src/store/db');
  const db = await openStore(config);

  const env: SyncEnv = {
    emu, ldap, config, configFile, dir, db, worker: null, chunkCalls, taskQueue,
    cli: (args, o = {}) => runCli([...args, '--config', configFile], { timeoutMs: 120_000, ...o }),
    startWorker,
    stopWorker,
    async stop() {
      await stopWorker();
      await deps?.close();
      await closeStore(db);
      await emu.close();
      await ldap?.stop();
    },
  };
  if (!opts.noWorker) await startWorker();
  return env;
}

/** Calls that change something in ZCC (everything but GETs and the token endpoint). */
export function writeCalls(emu: EmulatorHandle): Record<string, number> {
  return Object.fromEntries(Object.entries(emu.stats().calls).filter(([k]) => !k.startsWith('GET ') && !k.includes('/oauth/token')));
}

export function totalWrites(emu: EmulatorHandle): number {
  return Object.values(writeCalls(emu)).reduce((a, b) => a + b, 0);
}

/** Mails whose outbox run id (X-ZCC-Sync-Workflow header) is runId. */
export async function mailsOfRun(runId: string): Promise<StoredMail[]> {
  return (await readMailbox(testStack().smtpDir)).filter((m) => m.headers['x-zcc-sync-workflow'] === runId);
}
