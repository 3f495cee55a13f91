/**
 * The Temporal dev server of the local stack (demo and tests): find or build the pinned Temporal
 * CLI, start `temporal server start-dev` on loopback, wait until it answers, stop it by pid.
 *
 * Where the server comes from, in order:
 *   1. TEMPORAL_ADDRESS is set      → use that server; start nothing.
 *   2. `temporal` on PATH           → start it.
 *   3. the cached build             → start it  (<cache>/temporal-<version>/temporal)
 *   4. Go is installed              → `go install` the pinned CLI into the cache once, then start it.
 * No npm package ships the CLI, and the SDK's own download (temporal.download) is not reachable
 * from every machine, so the Go module proxy is the route that works offline-ish.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, openSync, closeSync, accessSync, constants as fsc } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { isAlive, lockHolder, stopPid, tryLockFile } from './proc';
import { pickPort } from './ports';

const execFileP = promisify(execFile);

/** The pinned Temporal CLI. v1.5.x is the newest line whose go.mod has no `replace`, so `go install pkg@v` works. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const CLI_MODULE = 'github.com/temporalio/cli';
/** In v1.5.x the version variable lives in package `temporalcli` at the module root (later releases moved it to internal/). */
const CLI_VERSION_VAR = `${CLI_MODULE}/temporalcli.Version`;

/** Dynamic config for every dev server we start: one task-queue partition, so a fresh queue's first poll is not slowed by partition forwarding. */
export const DEV_DYNAMIC_CONFIG: Record<string, unknown> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

/** Root of zcc-sync's cache outside the checkout: $ZCC_SYNC_CACHE, else $XDG_CACHE_HOME/zcc-sync, else ~/.cache/zcc-sync. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZCC_SYNC_CACHE) return path.resolve(env.ZCC_SYNC_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'zcc-sync');
}

/** Where the built CLI is cached. */
export function cachedTemporalPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on PATH, then in `extraDirs`. */
export function findExecutable(name: string, extraDirs: string[] = [], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** The Go tool: on PATH, else where the official tarball and GOROOT put it (often not on a non-login PATH). */
export function findGo(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extra = ['/usr/local/go/bin', path.join(os.homedir(), 'go', 'bin'), ...(env.GOROOT ? [path.join(env.GOROOT, 'bin')] : [])];
  return findExecutable('go', extra, env);
}

export type TemporalRoute =
  | { kind: 'address'; address: string }
  | { kind: 'binary'; path: string; origin: 'path' | 'cache' }
  | { kind: 'build'; go: string }
  | { kind: 'none' };

/** Which route the launcher would take right now (no side effects). */
export function resolveTemporalRoute(env: NodeJS.ProcessEnv = process.env): TemporalRoute {
  if (env.TEMPORAL_ADDRESS) return { kind: 'address', address: env.TEMPORAL_ADDRESS };
  const onPath = findExecutable('temporal', [], env);
  if (onPath) return { kind: 'binary', path: onPath, origin: 'path' };
  const cached = cachedTemporalPath(env);
  if (isExecutable(cached)) return { kind: 'binary', path: cached, origin: 'cache' };
  const go = findGo(env);
  if (go) return { kind: 'build', go };
  return { kind: 'none' };
}

export function noRouteMessage(env: NodeJS.ProcessEnv = process.env): string {
  return [
    'No Temporal server available. zcc-sync tried, in order:',
    '  1. TEMPORAL_ADDRESS (not set) — point it at a running server, e.g. TEMPORAL_ADDRESS=127.0.0.1:7233',
    '  2. `temporal` on PATH (not found) — install the Temporal CLI: https://docs.temporal.io/cli#install',
    `  3. a cached build at ${cachedTemporalPath(env)} (missing)`,
    '  4. building it with Go (no `go` on PATH or in /usr/local/go/bin) — install Go >= 1.21 (https://go.dev/dl/;',
    '     it fetches the toolchain the CLI needs, Go 1.25, from the module proxy), then rerun; the first build takes ~5 min.',
  ].join('\n');
}

/** Path of a runnable Temporal CLI: PATH, else the cache, else build it with Go (once, shared by concurrent callers). */
export async function ensureTemporalBinary(opts: { log?: Log; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const onPath = findExecutable('temporal', [], env);
  if (onPath) return onPath;
  const cached = cachedTemporalPath(env);
  if (isExecutable(cached)) return cached;
  return await buildTemporal({ log: opts.log, env });
}

/**
 * `go install` the pinned CLI into the cache. The build runs in a temporary directory beside
 * the cache entry and is renamed into place, so a half-built binary is never visible; a lock
 * file makes a second concurrent caller wait for the first build instead of starting its own.
 */
export async function buildTemporal(opts: { log?: Log; env?: NodeJS.ProcessEnv; go?: string } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? stderrLog;
  const go = opts.go ?? findGo(env);
  if (!go) throw new Error(noRouteMessage(env));
  const target = cachedTemporalPath(env);
  const root = cacheRoot(env);
  await mkdir(root, { recursive: true });

  const release = await acquireBuildLock(path.join(root, `temporal-${TEMPORAL_CLI_VERSION}.lock`), target, log);
  if (release === 'built-by-other') return target;
  try {
    if (isExecutable(target)) return target; // finished by someone else just before we got the lock
    const tmp = await mkdtemp(path.join(root, `.build-temporal-${TEMPORAL_CLI_VERSION}-`));
    try {
      const pkg = `${CLI_MODULE}/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
      log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from Go modules (${pkg}) into ${target}; the first build takes about 5 minutes…`);
      const started = Date.now();
      await runGoInstall(go, pkg, tmp, env, log);
      const built = path.join(tmp, 'temporal');
      const version = await temporalVersion(built);
      if (!version.includes(TEMPORAL_CLI_VERSION)) {
        throw new Error(`built Temporal CLI reports "${version}", expected version ${TEMPORAL_CLI_VERSION}`);
      }
      await mkdir(path.dirname(target), { recursive: true });
      await rename(built, target);
      log(`Built ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s → ${target}`);
      return target;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  } finally {
    await release();
  }
}

async function runGoInstall(go: string, pkg: string, gobin: string, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  // No -trimpath: it changes every compile action id, so Go's build cache from an earlier build would not be reused.
  const args = ['install', '-ldflags', `-s -w -X ${CLI_VERSION_VAR}=${TEMPORAL_CLI_VERSION}`, pkg];
  const child = spawn(go, args, {
    // CGO off: the CLI's SQLite is pure Go (modernc.org/sqlite), and the release builds are static too.
    // GOTOOLCHAIN=auto (unless the caller set one): an older Go (>= 1.21) then fetches the toolchain the
    // CLI's go.mod asks for (1.25) from the module proxy instead of failing; a newer Go just builds.
    env: { ...env, CGO_ENABLED: '0', GOBIN: gobin, GOTOOLCHAIN: env.GOTOOLCHAIN || 'auto' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // A heartbeat line, so a 5-minute silent build does not look hung.
  const beat = setInterval(() => log('  … still building the Temporal CLI'), 60_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) {
      throw new Error(
        `Building the Temporal CLI failed: \`CGO_ENABLED=0 GOBIN=${gobin} ${go} ${args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}\` exited ${code}:\n${tail.trim()}\n` +
          'Fix the Go error above, or install the Temporal CLI (https://docs.temporal.io/cli#install), or set TEMPORAL_ADDRESS.',
      );
    }
  } finally {
    clearInterval(beat);
  }
}

/** Take the build lock, or wait for the holder's build. Stale locks (dead holder) are taken over. */
async function acquireBuildLock(lockFile: string, target: string, log: Log): Promise<'built-by-other' | (() => Promise<void>)> {
  let announced = false;
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const attempt = await tryLockFile(lockFile);
    if ('release' in attempt) return attempt.release;
    const holder = attempt.holder;
    if (!holder || !isAlive(holder)) {
      // Holder died mid-build (or wrote nothing yet: give it a moment before calling it stale).
      if (!holder) await sleep(500);
      const again = await lockHolder(lockFile);
      if (!again || !isAlive(again)) await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (!announced) {
      log(`Another process (pid ${holder}) is building the Temporal CLI; waiting for it…`);
      announced = true;
    }
    if (isExecutable(target)) return 'built-by-other';
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the Temporal build of pid ${holder} (lock ${lockFile})`);
    await sleep(1000);
  }
}

/** `temporal --version` output, e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)". */
export async function temporalVersion(binary: string): Promise<string> {
  const { stdout } = await execFileP(binary, ['--version'], { timeout: 30_000 });
  return stdout.trim();
}

export interface StartTemporalOptions {
  /** SQLite file for the server's state; omitted = in memory (lost on stop). */
  dbFile?: string;
  /** Ports; omitted or 0 = a free port. */
  port?: number;
  uiPort?: number;
  httpPort?: number;
  metricsPort?: number;
  /** No Web UI (tests). */
  headless?: boolean;
  /** Extra namespaces to create ("default" always exists). */
  namespaces?: string[];
  /** Keep running after this process exits (dev up); output goes to `logFile`. */
  detached?: boolean;
  logFile?: string;
  /** Added to DEV_DYNAMIC_CONFIG. */
  dynamicConfig?: Record<string, unknown>;
  /** How long to wait for the server to answer (default 60 s: the first start creates the SQLite schema). */
  timeoutMs?: number;
  /** Honour TEMPORAL_ADDRESS (default true). */
  useEnvAddress?: boolean;
  binary?: string;
  log?: Log;
  env?: NodeJS.ProcessEnv;
}

export interface TemporalHandle {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** Web UI, when not headless. */
  uiUrl?: string;
  /** Server pid; undefined when an external server (TEMPORAL_ADDRESS) is used. */
  pid?: number;
  external: boolean;
  ports?: { grpc: number; ui?: number; http: number; metrics: number };
  binary?: string;
  stop(): Promise<void>;
}

/** Start (or, with TEMPORAL_ADDRESS, reuse) a Temporal dev server and wait until it answers. */
export async function startTemporal(opts: StartTemporalOptions = {}): Promise<TemporalHandle> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  if ((opts.useEnvAddress ?? true) && env.TEMPORAL_ADDRESS) {
    const address = env.TEMPORAL_ADDRESS;
    await waitForTemporal(address, { timeoutMs });
    return { address, external: true, async stop() {} };
  }
  const binary = opts.binary ?? (await ensureTemporalBinary({ log: opts.log, env }));
  const taken = new Set<number>();
  const grpc = await pickPort(opts.port, taken);
  const ui = opts.headless ? undefined : await pickPort(opts.uiPort, taken);
  const http = await pickPort(opts.httpPort, taken);
  const metrics = await pickPort(opts.metricsPort, taken);
  const address = `127.0.0.1:${grpc}`;

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(grpc), '--http-port', String(http),
    '--metrics-port', String(metrics), '--log-level', 'warn'];
  if (opts.dbFile) {
    await mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (ui === undefined) args.push('--headless');
  else args.push('--ui-port', String(ui), '--ui-ip', '127.0.0.1');
  for (const ns of opts.namespaces ?? []) args.push('--namespace', ns);
  for (const [k, v] of Object.entries({ ...DEV_DYNAMIC_CONFIG, ...opts.dynamicConfig })) {
    args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  }

  let child: ChildProcess;
  let output = '';
  if (opts.detached) {
    const logFile = opts.logFile ?? path.join(os.tmpdir(), `zcc-sync-temporal-${grpc}.log`);
    await mkdir(path.dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env });
    } finally {
      closeSync(fd);
    }
    output = `(see ${logFile})`;
  } else {
    child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-6000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }
  let exitCode: number | null | undefined;
  child.once('exit', (code, sig) => {
    exitCode = code ?? (sig ? 128 : 1);
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (!pid) throw new Error(`Could not start ${binary}: ${String(await spawnError)}`);

  const stop = async () => {
    await stopPid(pid, { graceMs: 10_000 });
  };
  try {
    await waitForTemporal(address, {
      timeoutMs,
      dead: () => (exitCode !== undefined ? `exited with code ${exitCode}` : undefined),
      output: () => output,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  if (opts.detached) child.unref();
  return {
    address,
    uiUrl: ui === undefined ? undefined : `http://127.0.0.1:${ui}`,
    pid,
    external: false,
    ports: { grpc, ui, http, metrics },
    binary,
    stop,
  };
}

/** Wait until the frontend at `address` answers GetSystemInfo and knows the default namespace. */
export async function waitForTemporal(
  address: string,
  opts: { timeoutMs: number; namespace?: string; dead?: () => string | undefined; output?: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  for (;;) {
    const dead = opts.dead?.();
    if (dead) throw new Error(`Temporal dev server ${dead} before it answered on ${address}:\n${opts.output?.() ?? ''}`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace: opts.namespace ?? 'default' });
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await connection?.close().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw new Error(`Temporal at ${address} did not answer within ${opts.timeoutMs} ms (last error: ${lastError})\n${opts.output?.() ?? ''}`);
    }
    await sleep(250);
  }
}

/** Whether a cached binary exists (for status output). */
export function hasCachedTemporal(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(cachedTemporalPath(env));
}
