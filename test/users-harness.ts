/**
 * Set-up for the `users …` integration tests: an emulated Zoom account, a config file pointing at
 * the test stack (Temporal, SMTP capture) and the emulator, a worker in the jest process running
 * the real activities (apply engine + admin job + notifier) with applyChunk counted, and helpers
 * to read the emulator's write calls and the mails of one job.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import type { Knex } from 'knex';
import { startEmulator } from '../emulator';
import type { EmulatorHandle, Seed } from '../emulator/types';
import { loadConfig } from '../src/config/load';
import type { Config } from '../src/config/schema';
import { createLogger } from '../src/log/logger';
import { readMailbox, type StoredMail } from '../devstack/smtp';
import { createActivities, type ActivityDeps } from '../activities';
import type { ApplyChunkInput } from '../activities/apply';
import { createWorkerDeps } from '../worker/deps';
import { startTestWorker, testStack, uniqueId, type TestWorker } from './support/stack';
import { EMULATOR_CREDENTIALS } from './support/zoom-emulator';

export interface UsersTestEnv {
  emu: EmulatorHandle;
  config: Config;
  configFile: string;
  dir: string;
  db: Knex;
  /** Absent with `noWorker` (tests that run worker processes themselves). */
  worker?: TestWorker;
  /** Every applyChunk activity the worker ran. */
  chunkCalls: ApplyChunkInput[];
  stop(): Promise<void>;
}

export const DOMAIN = 'users-cli.example';
export const emailOf = (i: number) => `u${String(i).padStart(4, '0')}@${DOMAIN}`;

/** Writes the config file the CLI and the worker share. */
export function writeConfig(dir: string, emu: EmulatorHandle, taskQueue: string, smtpPort?: number): string {
  const stack = testStack();
  const file = path.join(dir, 'zcc-sync.yaml');
  fs.writeFileSync(file, stringify({
    stateDir: dir,
    temporal: { address: stack.temporalAddress, namespace: stack.namespace, taskQueue },
    contactCenter: { baseUrl: emu.baseUrl, tokenUrl: emu.tokenUrl, ...EMULATOR_CREDENTIALS, plan: 'business', rateScale: 100 },
    store: { client: 'sqlite3', connection: path.join(dir, 'zcc-sync.sqlite') },
    email: { host: stack.smtpHost, port: smtpPort ?? stack.smtpPort, from: `zcc-sync@${DOMAIN}`, admins: [`admin@${DOMAIN}`] },
    policy: { chunkSize: 100, concurrency: 4 },
    log: { level: 'warn' },
  }));
  return file;
}

/** The worker's real activities (worker/deps.ts + activities/index.ts), with applyChunk counted. */
export function countingActivities(deps: ActivityDeps, chunkCalls: ApplyChunkInput[]) {
  const activities = createActivities(deps);
  return {
    ...activities,
    applyChunk: (input: ApplyChunkInput) => {
      chunkCalls.push(input);
      return activities.applyChunk(input);
    },
  };
}

export interface UsersEnvOptions {
  /** No worker in this process: the test starts worker processes (`zcc-sync worker`). */
  noWorker?: boolean;
  /** Send mail to this port instead of the capture server's (e.g. a slow proxy in front of it). */
  smtpPort?: number;
}

export async function startUsersEnv(seed: Seed, opts: UsersEnvOptions = {}): Promise<UsersTestEnv> {
  const stack = testStack();
  const dir = path.join(stack.stateDir, uniqueId('users'));
  fs.mkdirSync(dir, { recursive: true });
  const emu = await startEmulator({ port: 0, seed, rateLimits: false });
  const taskQueue = uniqueId('tq-users');
  const configFile = writeConfig(dir, emu, taskQueue, opts.smtpPort);
  const config = loadConfig({ path: configFile });
  const { deps, close } = await createWorkerDeps(config, createLogger({ level: 'warn' }));
  const chunkCalls: ApplyChunkInput[] = [];
  const worker = opts.noWorker ? undefined : await startTestWorker({ activities: countingActivities(deps, chunkCalls), taskQueue });
  return {
    emu, config, configFile, dir, db: deps.db, worker, chunkCalls,
    async stop() {
      await worker?.shutdown();
      await close();
      await emu.close();
    },
  };
}

/** Calls that change something (everything but GETs and the token endpoint). */
export function writeCalls(emu: EmulatorHandle): Record<string, number> {
  return Object.fromEntries(Object.entries(emu.stats().calls).filter(([k]) => !k.startsWith('GET ') && !k.includes('/oauth/token')));
}

export function diffCalls(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > 0) d[k] = n - (before[k] ?? 0);
  return d;
}

/** Mails of one job (by the X-ZCC-Sync-Workflow header the outbox sets). */
export async function mailsOf(jobId: string): Promise<StoredMail[]> {
  return (await readMailbox(testStack().smtpDir)).filter((m) => m.headers['x-zcc-sync-workflow'] === jobId);
}

export function writeCsv(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
