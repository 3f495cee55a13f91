/**
 * A throwaway OpenLDAP server on loopback for the demo and the tests (Debian's slapd, no system
 * service): one instance directory holds its cn=config, its MDB data, the pid file and the ldapi
 * socket. Data goes in offline with `slapadd -q -w` (10–12× faster than online adds).
 * Recipe and pitfalls: ../shared/research/slapd/RECIPE.md.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { isAlive, stopPid } from './proc';
import { freePort } from './ports';
import { renderSlapdConfig } from './slapd-config';
import {
  ADMIN_DN, ADMIN_PASSWORD, READER_DN, READER_PASSWORD, SUFFIX, ssha,
  writeDirectory, writeGeneratedDirectory, type DirectorySpec, type LdifStats,
} from './ldif';

const execFileP = promisify(execFile);

/** slap* tools live in /usr/sbin, which is not on a normal user's PATH. */
export const SLAPD_BIN = '/usr/sbin/slapd';
export const SLAPADD_BIN = '/usr/sbin/slapadd';
const REQUIRED_FILES = [SLAPD_BIN, SLAPADD_BIN, '/etc/ldap/schema/inetorgperson.ldif', '/usr/lib/ldap/back_mdb.so', '/usr/lib/ldap/memberof.so'];
const PRESEED = 'slapd slapd/no_configuration boolean true';

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export function missingSlapdFiles(): string[] {
  return REQUIRED_FILES.filter((f) => !existsSync(f));
}

export const SLAPD_INSTALL_HINT =
  `as root: echo "${PRESEED}" | debconf-set-selections && ` +
  'DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils';

/**
 * Make sure slapd and ldap-utils are installed. As root on Debian/Ubuntu: install them with apt,
 * non-interactively; the preseed keeps the package from creating its own dc=nodomain database.
 * Otherwise: an error that says what to run.
 */
export async function ensureSlapdInstalled(opts: { log?: Log } = {}): Promise<void> {
  const missing = missingSlapdFiles();
  if (missing.length === 0) return;
  const log = opts.log ?? stderrLog;
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new Error(
      `OpenLDAP's slapd is not installed (missing ${missing.join(', ')}).\n` +
        (hasApt ? `Install it ${SLAPD_INSTALL_HINT}` : 'Install OpenLDAP 2.5+ (slapd, slapadd, ldap-utils, the memberof and mdb modules).'),
    );
  }
  log('Installing slapd and ldap-utils with apt (non-interactive)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await new Promise<void>((resolve, reject) => {
    const p = spawn('debconf-set-selections', [], { stdio: ['pipe', 'ignore', 'pipe'], env });
    p.stdin.end(`${PRESEED}\n`);
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`debconf-set-selections exited ${code}`))));
  });
  // Wait for dpkg's lock rather than fail when another install (a parallel run) holds it.
  const install = () =>
    execFileP('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', 'slapd', 'ldap-utils'], { env, maxBuffer: 1 << 24 });
  try {
    await install();
  } catch {
    // Usually stale package lists ("Unable to locate package"): refresh once and retry.
    await execFileP('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q'], { env, maxBuffer: 1 << 24 });
    try {
      await install();
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`apt-get install slapd ldap-utils failed:\n${(e.stderr ?? e.message).trim()}`);
    }
  }
  const still = missingSlapdFiles();
  if (still.length) throw new Error(`slapd installed, but these files are still missing: ${still.join(', ')}`);
  log('Installed slapd and ldap-utils.');
}

/**
 * The instance's ldapi socket. Unix socket paths are limited to ~107 bytes; a deep instance
 * directory gets a short socket path in the temp dir instead (derived from the directory).
 */
export function ldapiSocketPath(dir: string): string {
  const abs = path.resolve(dir);
  const inDir = path.join(abs, 'ldapi');
  if (inDir.length < 100) return inDir;
  const hash = createHash('sha1').update(abs).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `zcc-ldapi-${hash}`);
}

/** `ldapi://` URL for a socket path (the path percent-encoded). */
export function ldapiUrl(socket: string): string {
  return `ldapi://${encodeURIComponent(socket)}`;
}

/** Pid of the slapd serving `dir`, if its pid file names a live slapd. */
export function runningSlapdPid(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dir, 'slapd.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!isAlive(pid)) return undefined;
  // A stale pid file may name a reused pid: only a slapd counts.
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'slapd') return undefined;
  } catch {
    /* no /proc: trust the pid */
  }
  return pid;
}

export function isInstanceLoaded(dir: string): boolean {
  return existsSync(path.join(dir, 'slapd.d', 'cn=config.ldif')) && existsSync(path.join(dir, 'data', 'data.mdb'));
}

/** Fresh cn=config and an empty data directory (slapd must not be running on `dir`). */
export async function initInstance(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const pid = runningSlapdPid(abs);
  if (pid) throw new Error(`slapd (pid ${pid}) is running on ${abs}; stop it before re-initialising the instance`);
  await rm(path.join(abs, 'slapd.d'), { recursive: true, force: true });
  await rm(path.join(abs, 'data'), { recursive: true, force: true });
  await mkdir(path.join(abs, 'slapd.d'), { recursive: true });
  await mkdir(path.join(abs, 'data'), { recursive: true });
  const config = renderSlapdConfig({
    dir: abs,
    rootPasswordHash: ssha(ADMIN_PASSWORD),
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  });
  const configFile = path.join(abs, 'config.ldif');
  await writeFile(configFile, config);
  await runTool(SLAPADD_BIN, ['-n0', '-F', path.join(abs, 'slapd.d'), '-l', configFile]);
}

/**
 * Bulk-load an LDIF offline (`slapadd -q -w`: quick mode, and write the contextCSN syncprov
 * needs). slapd must be stopped: slapadd next to a running server corrupts the database, and
 * an interrupted -q load leaves it unusable (initInstance again).
 */
export async function loadLdif(dir: string, file: string): Promise<void> {
  const abs = path.resolve(dir);
  const pid = runningSlapdPid(abs);
  if (pid) throw new Error(`slapd (pid ${pid}) is running on ${abs}; stop it before slapadd`);
  await runTool(SLAPADD_BIN, ['-q', '-w', '-F', path.join(abs, 'slapd.d'), '-b', SUFFIX, '-l', path.resolve(file)]);
}

async function runTool(bin: string, args: string[]): Promise<void> {
  if (!existsSync(bin)) throw new Error(`${bin} not found: install slapd (${SLAPD_INSTALL_HINT})`);
  try {
    await execFileP(bin, args, { maxBuffer: 1 << 24 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${path.basename(bin)} ${args.join(' ')} failed:\n${(e.stderr || e.message).trim()}`);
  }
}

export interface StartSlapdOptions {
  /** Instance directory (created if missing). */
  dir: string;
  /** TCP port on 127.0.0.1; omitted = a free port. */
  port?: number;
  /** Data to (re)load before starting: an LDIF file, a DirectorySpec, or N generated users in M groups. */
  ldifFile?: string;
  spec?: DirectorySpec;
  generate?: { users: number; groups: number };
  /** Keep running after this process exits (dev up); output goes to `logFile`. */
  detached?: boolean;
  logFile?: string;
  timeoutMs?: number;
  /** slapd sizes its connection table by the fd limit; a container's 1M limit costs memory and startup time. */
  nofile?: number;
}

export interface SlapdHandle {
  url: string;
  port: number;
  dir: string;
  ldapiPath: string;
  suffix: string;
  readerDN: string;
  readerPassword: string;
  adminDN: string;
  adminPassword: string;
  pid: number;
  /** Set when this call loaded data. */
  loaded?: LdifStats | { file: string };
  stop(): Promise<void>;
}

/**
 * Start slapd on `dir` (loading data first when asked) and wait until it answers on its own
 * ldapi socket: a TCP probe could be answered by another server holding the port while ours
 * died with EADDRINUSE.
 */
export async function startSlapd(opts: StartSlapdOptions): Promise<SlapdHandle> {
  const dir = path.resolve(opts.dir);
  await ensureSlapdInstalled();
  await mkdir(dir, { recursive: true });
  const pid = runningSlapdPid(dir);
  if (pid) throw new Error(`slapd (pid ${pid}) already runs on ${dir}: two servers on one directory share its database and pid file`);

  let loaded: SlapdHandle['loaded'];
  if (opts.ldifFile || opts.spec || opts.generate) {
    await initInstance(dir);
    let file = opts.ldifFile;
    if (!file) {
      file = path.join(dir, 'directory.ldif');
      loaded = opts.spec ? await writeDirectory(file, opts.spec) : await writeGeneratedDirectory(file, opts.generate!);
    } else {
      loaded = { file };
    }
    await loadLdif(dir, file);
  } else if (!isInstanceLoaded(dir)) {
    // Nothing given and nothing there: an empty directory (suffix, OUs and the reader account).
    await initInstance(dir);
    const file = path.join(dir, 'directory.ldif');
    loaded = await writeDirectory(file, { users: [], groups: [] });
    await loadLdif(dir, file);
  }

  // A port we picked can be taken between the pick and slapd's bind: retry with another one.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return { ...(await launch(dir, port, opts)), loaded };
    } catch (err) {
      const inUse = err instanceof Error && /errno=98|Address already in use/.test(err.message);
      if (!inUse || opts.port !== undefined || attempt >= 3) throw err;
    }
  }
}

async function launch(dir: string, port: number, opts: StartSlapdOptions): Promise<Omit<SlapdHandle, 'loaded'>> {
  const socket = ldapiSocketPath(dir);
  await rm(socket, { force: true }); // stale socket after a kill -9
  const url = `ldap://127.0.0.1:${port}`;
  // -d none: stay in the foreground (pid = our child, thanks to exec) and print errors only; '-d 0' hides even fatal ones.
  const args = ['-c', `ulimit -n ${opts.nofile ?? 1024} 2>/dev/null; exec "$@"`, 'sh',
    SLAPD_BIN, '-d', 'none', '-F', path.join(dir, 'slapd.d'), '-h', `${url}/ ${ldapiUrl(socket)}`];
  let child: ChildProcess;
  let output = '';
  if (opts.detached) {
    const logFile = opts.logFile ?? path.join(dir, 'slapd.log');
    await mkdir(path.dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    try {
      child = spawn('/bin/sh', args, { detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    output = `(see ${logFile})`;
    // Read the log on failure, to show slapd's reason.
    const readLog = () => {
      try {
        return readFileSync(logFile, 'utf8').slice(-4000);
      } catch {
        return output;
      }
    };
    return await waitReady(child, { dir, socket, url, port, opts, output: readLog });
  }
  child = spawn('/bin/sh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  return await waitReady(child, { dir, socket, url, port, opts, output: () => output });
}

async function waitReady(
  child: ChildProcess,
  a: { dir: string; socket: string; url: string; port: number; opts: StartSlapdOptions; output: () => string },
): Promise<Omit<SlapdHandle, 'loaded'>> {
  let exited: number | undefined;
  child.once('exit', (code, sig) => {
    exited = code ?? (sig ? 128 : 1);
  });
  child.once('error', () => {
    exited ??= 127;
  });
  const pid = child.pid;
  const timeoutMs = a.opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`slapd on ${a.url} (${a.dir}) exited early (code ${exited}):\n${a.output().trim()}`);
    }
    if (await probeLdapi(a.socket)) break;
    if (Date.now() > deadline) {
      if (pid) await stopPid(pid, { graceMs: 1000 });
      throw new Error(`slapd on ${a.url} (${a.dir}) not ready after ${timeoutMs} ms:\n${a.output().trim()}`);
    }
    await sleep(10);
  }
  if (a.opts.detached) child.unref();
  return {
    url: a.url,
    port: a.port,
    dir: a.dir,
    ldapiPath: a.socket,
    suffix: SUFFIX,
    readerDN: READER_DN,
    readerPassword: READER_PASSWORD,
    adminDN: ADMIN_DN,
    adminPassword: ADMIN_PASSWORD,
    pid: pid!,
    async stop() {
      if (pid) await stopPid(pid, { graceMs: 5_000 });
    },
  };
}

/** Anonymous rootDSE read over the instance's own ldapi socket. */
export async function probeLdapi(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const client = new Client({
    url: 'ldap://localhost',
    connectTimeout: 500,
    timeout: 1000,
    createConnection: (() => net.connect(socket)) as typeof net.connect,
  });
  try {
    await client.search('', { scope: 'base', attributes: ['1.1'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Stop the slapd serving `dir` (by its pid file). */
export async function stopSlapd(dir: string): Promise<void> {
  const pid = runningSlapdPid(path.resolve(dir));
  if (pid) await stopPid(pid, { graceMs: 5_000 });
}
