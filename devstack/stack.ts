/**
 * `zcc-sync dev up|down|status`: the embedded stack in the background — Temporal (with its Web
 * UI), slapd with the sample directory, the SMTP capture server and the ZCC emulator with the
 * sample seed. Everything it starts is recorded in <stateDir>/dev/stack.json (pids with their
 * kernel start time), so `dev down` stops exactly those processes and nothing else.
 *
 * State survives `dev down` / `dev up` in <stateDir>/dev: Temporal's history (temporal.db), the
 * directory (ldap/), the emulated Zoom account (emulator.sqlite) and the store (zcc-sync.sqlite),
 * so the account matches what the store says was provisioned. `dev up --reset` drops all four:
 * a store that remembered users the reset account no longer has would plan nonsense.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile, rename } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { configSchema } from '../src/config/schema';
import { SQLITE_FILE } from '../src/store/db';
import { isAlive, isSameProcess, processStartId, stopPid, tryLockFile } from './proc';
import { pickPort, canConnect } from './ports';
import { ensureTemporalBinary, resolveTemporalRoute, startTemporal, TEMPORAL_CLI_VERSION } from './temporal';
import { ensureSlapdInstalled, isInstanceLoaded, startSlapd } from './slapd';
import { READER_DN, READER_PASSWORD, PEOPLE_BASE, GROUPS_BASE } from './ldif';
import { sampleDirectorySpec, sampleMappings, sampleSeed } from './sample';
import { NODE_FLAGS, withMallocDefaults } from './process-defaults';

/** Conventional ports of the demo stack; a busy one is replaced by a free port. */
export const DEFAULT_DEV_PORTS = { temporal: 7233, temporalUi: 8233, ldap: 3890, smtp: 2525, emulator: 9180 } as const;
export type DevPorts = { -readonly [K in keyof typeof DEFAULT_DEV_PORTS]?: number };

/** The emulator's default credentials (emulator/types.ts EmulatorOptions.credentials). */
const EMULATOR_CREDENTIALS = { accountId: 'emulator-account', clientId: 'emulator-client', clientSecret: 'emulator-secret' };

export interface ComponentRecord {
  pid?: number;
  /** Kernel start time of `pid`: guards against signalling a reused pid. */
  startId?: string;
  log?: string;
  /** Set when the component was not started, with the reason. */
  skipped?: string;
  /** Temporal given by TEMPORAL_ADDRESS: used, not started, never stopped. */
  external?: boolean;
  [detail: string]: unknown;
}

export interface StackFile {
  version: 1;
  startedAt: string;
  stateDir: string;
  configFile: string;
  components: {
    temporal?: ComponentRecord & { address: string; uiUrl?: string };
    ldap?: ComponentRecord & { url: string; port: number; dir: string; bindDN: string };
    smtp?: ComponentRecord & { port: number; dir: string };
    emulator?: ComponentRecord & { url?: string; port?: number; seed?: string; db?: string };
    /** `zcc-sync worker` on the generated config, so `apply` and `users …` work right away. */
    worker?: ComponentRecord & { taskQueue?: string };
  };
}

export type ComponentName = keyof StackFile['components'];
export const COMPONENT_ORDER: ComponentName[] = ['temporal', 'ldap', 'smtp', 'emulator', 'worker'];

export function devDir(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'dev');
}
export function stackFilePath(stateDir: string): string {
  return path.join(devDir(stateDir), 'stack.json');
}

export async function readStack(stateDir: string): Promise<StackFile | undefined> {
  try {
    return JSON.parse(await readFile(stackFilePath(stateDir), 'utf8')) as StackFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${stackFilePath(stateDir)} is unreadable (${(err as Error).message}); remove it after stopping the processes by hand`);
  }
}

async function writeStack(stack: StackFile): Promise<void> {
  const file = stackFilePath(stack.stateDir);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(stack, null, 2)}\n`);
  await rename(tmp, file);
}

export type ComponentState = 'running' | 'stopped' | 'external' | 'skipped';

export function componentState(rec: ComponentRecord | undefined): ComponentState {
  if (!rec) return 'stopped';
  if (rec.skipped) return 'skipped';
  if (rec.external) return 'external';
  return isSameProcess(rec.pid, rec.startId) ? 'running' : 'stopped';
}

export interface StackStatus {
  stack?: StackFile;
  components: { name: ComponentName; state: ComponentState; record?: ComponentRecord }[];
  /** Every started component runs. */
  running: boolean;
  /** Some, but not all, started components run. */
  partial: boolean;
}

export async function stackStatus(stateDir: string): Promise<StackStatus> {
  const stack = await readStack(stateDir);
  const components = COMPONENT_ORDER.map((name) => {
    const record = stack?.components[name];
    return { name, state: componentState(record), record };
  });
  const owned = components.filter((c) => c.record && !c.record.skipped && !c.record.external);
  const up = owned.filter((c) => c.state === 'running').length;
  return { stack, components, running: !!stack && owned.length > 0 && up === owned.length, partial: up > 0 && up < owned.length };
}

export interface DevUpOptions {
  stateDir: string;
  ports?: DevPorts;
  /** Rebuild the sample directory, forget Temporal's history and put the emulator back to the sample seed. */
  reset?: boolean;
  /** Path of the compiled CLI entry (dist/client/main.js) used to run the SMTP server and the emulator. */
  cliEntry?: string;
  /** Start a worker on the generated config (default true). */
  worker?: boolean;
  log?: (line: string) => void;
}

export type DevUpResult = { already: true; stack: StackFile } | { already: false; stack: StackFile };

/** The compiled CLI entry: dist/client/main.js next to this file's compiled copy, else under the repo. */
export function defaultCliEntry(): string {
  const compiled = path.resolve(__dirname, '..', 'client', 'main.js');
  if (existsSync(compiled)) return compiled;
  return path.resolve(__dirname, '..', 'dist', 'client', 'main.js');
}

/** Whether the ZCC emulator is part of this build (its compiled module sits next to the CLI). */
export function emulatorAvailable(cliEntry: string): boolean {
  return existsSync(path.resolve(path.dirname(cliEntry), '..', 'emulator', 'index.js'));
}

/** Start the stack in the background, or report the one that already runs. */
export async function devUp(opts: DevUpOptions): Promise<DevUpResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stateDir = path.resolve(opts.stateDir);
  const dir = devDir(stateDir);
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const release = await takeUpLock(path.join(dir, 'up.lock'));
  try {
    const status = await stackStatus(stateDir);
    if (status.running && status.stack) return { already: true, stack: status.stack };
    if (status.partial) {
      const lines = status.components.map((c) => `  ${c.name}: ${c.state}`).join('\n');
      throw new Error(`The dev stack in ${dir} is only partly running:\n${lines}\nRun \`zcc-sync dev down\` and then \`zcc-sync dev up\`.`);
    }
    if (status.stack) await unlink(stackFilePath(stateDir)).catch(() => undefined); // left by a crash or reboot
    return { already: false, stack: await startStack(stateDir, opts, log) };
  } finally {
    await release();
  }
}

async function startStack(stateDir: string, opts: DevUpOptions, log: (line: string) => void): Promise<StackFile> {
  const dir = devDir(stateDir);
  const logs = path.join(dir, 'logs');
  const cliEntry = opts.cliEntry ?? defaultCliEntry();
  const want = { ...DEFAULT_DEV_PORTS, ...opts.ports };
  const taken = new Set<number>();
  const stack: StackFile = {
    version: 1,
    startedAt: new Date().toISOString(),
    stateDir,
    configFile: path.join(dir, 'zcc-sync.yaml'),
    components: {},
  };

  await ensureSlapdInstalled({ log });
  const route = resolveTemporalRoute();
  if (route.kind === 'build') {
    log(`No Temporal CLI found: building ${TEMPORAL_CLI_VERSION} with Go once (about 5 minutes); later starts take seconds.`);
  }
  if (route.kind !== 'address') await ensureTemporalBinary({ log });
  if (opts.reset) {
    await rm(path.join(dir, 'temporal.db'), { force: true });
    await rm(path.join(dir, 'ldap'), { recursive: true, force: true });
    await removeSqlite(emulatorDbPath(stateDir));
    await removeSqlite(devStorePath(stateDir));
  }

  try {
    // Temporal: SQLite file in the state dir, so workflow history survives `dev down`/`dev up`.
    const temporal = await startTemporal({
      detached: true,
      dbFile: path.join(dir, 'temporal.db'),
      port: await pickPort(want.temporal, taken),
      uiPort: await pickPort(want.temporalUi, taken),
      httpPort: await pickPort(0, taken),
      metricsPort: await pickPort(0, taken),
      logFile: path.join(logs, 'temporal.log'),
      log,
    });
    stack.components.temporal = temporal.external
      ? { external: true, address: temporal.address }
      : { pid: temporal.pid, startId: pidStart(temporal.pid), address: temporal.address, uiUrl: temporal.uiUrl, ports: temporal.ports, log: path.join(logs, 'temporal.log') };
    await writeStack(stack);

    // slapd: the sample directory, loaded once and kept (online changes survive restarts) unless --reset.
    const ldapDir = path.join(dir, 'ldap');
    const fresh = !isInstanceLoaded(ldapDir);
    const ldap = await startSlapd({
      dir: ldapDir,
      port: await pickPort(want.ldap, taken),
      spec: fresh ? sampleDirectorySpec() : undefined,
      detached: true,
      logFile: path.join(logs, 'slapd.log'),
    });
    stack.components.ldap = { pid: ldap.pid, startId: pidStart(ldap.pid), url: ldap.url, port: ldap.port, dir: ldapDir, bindDN: ldap.readerDN, log: path.join(logs, 'slapd.log') };
    await writeStack(stack);

    const smtpPort = await pickPort(want.smtp, taken);
    const mailDir = path.join(dir, 'mail');
    const smtpPid = await spawnCli(cliEntry, ['dev', 'smtp-serve', '--port', String(smtpPort), '--dir', mailDir], path.join(logs, 'smtp.log'), () => smtpAnswers(smtpPort));
    stack.components.smtp = { pid: smtpPid, startId: pidStart(smtpPid), port: smtpPort, dir: mailDir, log: path.join(logs, 'smtp.log') };
    await writeStack(stack);

    if (emulatorAvailable(cliEntry)) {
      const port = await pickPort(want.emulator, taken);
      const seedFile = path.join(dir, 'emulator-seed.json');
      await writeFile(seedFile, `${JSON.stringify(sampleSeed(), null, 2)}\n`);
      // The account lives in a SQLite file, like Temporal's history: the users a reconcile
      // provisioned are still there after `dev down` / `dev up`. The emulator keeps a file's
      // state when started without a seed, so the seed goes in only when the file is new.
      const dbFile = emulatorDbPath(stateDir);
      const fresh = !existsSync(dbFile);
      const args = ['emulator', '--port', String(port), '--db', dbFile, ...(fresh ? ['--seed', seedFile] : [])];
      const pid = await spawnCli(cliEntry, args, path.join(logs, 'emulator.log'), () => canConnect(port)).catch(async (err: unknown) => {
        // A file the seed never reached would come back as the emulator's empty default account.
        if (fresh) await removeSqlite(dbFile);
        throw err;
      });
      stack.components.emulator = { pid, startId: pidStart(pid), url: `http://127.0.0.1:${port}`, port, seed: seedFile, db: dbFile, log: path.join(logs, 'emulator.log') };
    } else {
      stack.components.emulator = { skipped: 'the ZCC emulator is not part of this build yet (no dist/emulator/index.js)' };
      log('ZCC emulator: skipped (not part of this build yet).');
    }
    await writeStack(stack);

    await writeFile(stack.configFile, renderDevConfig(stack));
    await writeStack(stack);

    if (opts.worker === false) {
      stack.components.worker = { skipped: 'not started (--no-worker): run `zcc-sync worker --config ' + stack.configFile + '`' };
    } else {
      const workerLog = path.join(logs, 'worker.log');
      const pid = await spawnCli(cliEntry, ['worker', '--config', stack.configFile], workerLog, async () => logSays(workerLog, 'worker running'), 120_000);
      stack.components.worker = { pid, startId: pidStart(pid), taskQueue: 'zcc-sync', log: workerLog };
    }
    await writeStack(stack);
    return stack;
  } catch (err) {
    log('Start failed; stopping what was started…');
    await stopComponents(stack);
    await unlink(stackFilePath(stateDir)).catch(() => undefined);
    throw err;
  }
}

/** The emulated Zoom account of the dev stack (the emulator's `--db` file). */
/** The dev stack's store: beside the stack's other state, so a reset clears it with them. */
export function devStorePath(stateDir: string): string {
  return path.join(devDir(stateDir), SQLITE_FILE);
}

export function emulatorDbPath(stateDir: string): string {
  return path.join(devDir(stateDir), 'emulator.sqlite');
}

/** A SQLite database with its WAL and shared-memory files (the emulator runs in WAL mode). */
async function removeSqlite(file: string): Promise<void> {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) await rm(f, { force: true });
}

function pidStart(pid: number | undefined): string | undefined {
  return pid ? processStartId(pid) : undefined;
}

/** Run `node <cli> ...args` detached with output in `logFile`; resolves with its pid once `ready()` says so. */
async function spawnCli(cliEntry: string, args: string[], logFile: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: run \`npm run build\` first`);
  const fd = openSync(logFile, 'a');
  let child;
  try {
    child = spawn(process.execPath, [...NODE_FLAGS, cliEntry, ...args], { detached: true, stdio: ['ignore', fd, fd], env: withMallocDefaults() });
  } finally {
    closeSync(fd);
  }
  let exited: number | undefined;
  child.once('exit', (code, sig) => {
    exited = code ?? (sig ? 128 : 1);
  });
  const pid = child.pid!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`\`zcc-sync ${args.join(' ')}\` exited with code ${exited}:\n${tail(logFile)}`);
    }
    if (await ready()) break;
    if (Date.now() > deadline) {
      await stopPid(pid);
      throw new Error(`\`zcc-sync ${args.join(' ')}\` did not answer within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
    }
    await sleep(100);
  }
  child.unref();
  return pid;
}

/** Readiness of a process that says so in its log (the worker logs "worker running"). */
async function logSays(file: string, text: string): Promise<boolean> {
  return (await readFile(file, 'utf8').catch(() => '')).includes(text);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000).trim();
  } catch {
    return '';
  }
}

/** An SMTP server greets with "220 …" as soon as a client connects. */
export async function smtpAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const sock = net.connect({ port, host });
    let data = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('\n')) done(data.startsWith('220'));
    });
    sock.once('error', () => done(false));
  });
}

/** The ready-to-use config for the running stack (`--config <stateDir>/dev/zcc-sync.yaml`). */
export function renderDevConfig(stack: StackFile): string {
  const c = stack.components;
  const emulatorUrl = c.emulator?.url ?? `http://127.0.0.1:${DEFAULT_DEV_PORTS.emulator}`;
  const config = {
    stateDir: stack.stateDir,
    temporal: { address: c.temporal?.address ?? '', namespace: 'default', taskQueue: 'zcc-sync', ...(c.temporal?.uiUrl ? { uiUrl: c.temporal.uiUrl } : {}) },
    directory: {
      url: c.ldap?.url ?? `ldap://127.0.0.1:${DEFAULT_DEV_PORTS.ldap}`,
      bindDN: READER_DN,
      bindPassword: READER_PASSWORD,
      userBase: PEOPLE_BASE,
      groupBase: GROUPS_BASE,
      nestedGroups: 'expand',
    },
    contactCenter: { baseUrl: `${emulatorUrl}/v2`, tokenUrl: `${emulatorUrl}/oauth/token`, ...EMULATOR_CREDENTIALS, plan: 'pro' },
    store: { client: 'sqlite3', connection: { filename: devStorePath(stack.stateDir) } },
    email: { host: '127.0.0.1', port: c.smtp?.port ?? DEFAULT_DEV_PORTS.smtp, from: 'zcc-sync@example.com', admins: ['cc-admins@example.com'] },
    mappings: sampleMappings(),
  };
  // Fail here, not in the user's first command, if this generator and the schema drift apart.
  configSchema.parse(config);
  return (
    '# Generated by `zcc-sync dev up` for the local demo stack; rewritten on every `dev up`.\n' +
    '# The passwords are the throwaway stack\'s fixed dev credentials, not secrets.\n' +
    YAML.stringify(config)
  );
}

export interface DevDownResult {
  stopped: { name: ComponentName; how: string }[];
  hadStack: boolean;
}

/** Stop exactly what `dev up` started (pids from stack.json), then remove stack.json. */
export async function devDown(stateDir: string): Promise<DevDownResult> {
  const stack = await readStack(stateDir);
  if (!stack) return { stopped: [], hadStack: false };
  const stopped = await stopComponents(stack);
  await unlink(stackFilePath(stateDir)).catch(() => undefined);
  return { stopped, hadStack: true };
}

async function stopComponents(stack: StackFile): Promise<DevDownResult['stopped']> {
  const out: DevDownResult['stopped'] = [];
  // Reverse start order: clients of Temporal/LDAP go first.
  for (const name of [...COMPONENT_ORDER].reverse()) {
    const rec = stack.components[name];
    if (!rec) continue;
    if (rec.skipped) out.push({ name, how: 'skipped' });
    else if (rec.external) out.push({ name, how: 'external (left running)' });
    else if (!rec.pid || !isSameProcess(rec.pid, rec.startId)) out.push({ name, how: 'not running' });
    else out.push({ name, how: await stopPid(rec.pid, { graceMs: 15_000 }) });
  }
  return out;
}

/** One `dev up` at a time per state dir; a lock whose holder died is taken over. */
async function takeUpLock(file: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 15 * 60_000; // a first run may build Temporal for minutes
  let announced = false;
  for (;;) {
    const attempt = await tryLockFile(file);
    if ('release' in attempt) return attempt.release;
    const holder = attempt.holder;
    if (holder && !isAlive(holder)) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (!announced && holder) {
      process.stderr.write(`Another \`dev up\` (pid ${holder}) is starting the stack; waiting…\n`);
      announced = true;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the dev-up lock ${file}`);
    await sleep(holder ? 500 : 100);
  }
}

/** Human summary of a running stack, one line per address. */
export function describeStack(stack: StackFile): string[] {
  const c = stack.components;
  const lines: string[] = [];
  if (c.temporal) {
    lines.push(`Temporal gRPC   ${c.temporal.address}${c.temporal.external ? '  (TEMPORAL_ADDRESS, not started by dev up)' : ''}`);
    if (c.temporal.uiUrl) lines.push(`Temporal UI     ${c.temporal.uiUrl}`);
  }
  if (c.ldap) lines.push(`LDAP            ${c.ldap.url}  (bind DN ${c.ldap.bindDN}; password in the config)`);
  if (c.smtp) lines.push(`SMTP            127.0.0.1:${c.smtp.port}  (mail kept in ${c.smtp.dir}; \`zcc-sync dev mail\`)`);
  if (c.emulator) lines.push(c.emulator.skipped ? `ZCC emulator    skipped: ${c.emulator.skipped}` : `ZCC emulator    ${c.emulator.url}`);
  if (c.worker) lines.push(c.worker.skipped ? `Worker          ${c.worker.skipped}` : `Worker          pid ${c.worker.pid} on task queue ${c.worker.taskQueue} (log ${c.worker.log})`);
  lines.push(`Config          ${stack.configFile}`);
  lines.push(`Logs            ${path.join(devDir(stack.stateDir), 'logs')}`);
  return lines;
}
