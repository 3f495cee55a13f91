/**
 * A real Active Directory domain controller for the tests: Debian's Samba 4.17 (`samba` package,
 * installed by `scripts/setup.sh --samba`), provisioned as a throwaway domain and run as a child
 * process on loopback.
 *
 * What to know before using it:
 *  - ONE DC per machine. Samba's LDAP ports are fixed (389, 636, 3268, 3269) and it binds only
 *    addresses an interface carries, so it listens on 127.0.0.1 (and ::1). A machine-wide lock
 *    file (`<tmpdir>/zcc-sync-samba-ad.json`) says who holds it; a second start while its holder
 *    lives throws SambaAdBusyError. Start it once per test run (jest's globalSetup does).
 *  - Domain: realm CORP.ZCC.TEST, NetBIOS domain CORP, base DN DC=corp,DC=zcc,DC=test; see the
 *    AD_* constants. Passwords never expire and have no minimum age (a cached domain stays usable).
 *  - TLS: our own CA and a server certificate for IP:127.0.0.1 and DNS:localhost (Samba's own
 *    names `<netbios>.<realm>`), so `ldaps://127.0.0.1:636` verifies with `tlsOptions: { ca }`.
 *    Plain `ldap://127.0.0.1:389` refuses simple binds (`ldap server require strong auth = yes`,
 *    AD's default): result code 8, ldapts' StrongAuthRequiredError "BindSimple: Transport
 *    encryption required." StartTLS on 389 works.
 *  - Fixture built in: AD_BIG_GROUP, a global security group of 1,600 enabled users (offline
 *    adds are ~4× faster than LDAP adds), and a read-only service account AD_READER_DN.
 *    Samba returns ranged values (`member;range=0-1499`) only when a client asks for a range:
 *    unlike Windows AD it does not cut a plain `member` read at 1,500 values.
 *  - Provisioning (~11–20 s) happens once per Samba version and provisioning recipe: the result
 *    is kept in `~/.cache/zcc-sync/samba-ad-<key>/` and copied per start (~0.2 s).
 *  - The child reads a pipe on stdin: Samba in interactive mode exits on EOF, so a DC never
 *    outlives the process that started it, even one killed with SIGKILL.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { isAlive, isSameProcess, processStartId, stopPid } from './proc';
import { cacheRoot } from './temporal';

const execFileP = promisify(execFile);

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export const AD_REALM = 'CORP.ZCC.TEST';
/** NetBIOS domain name (`CORP\user` logons). */
export const AD_DOMAIN = 'CORP';
export const AD_NETBIOS_NAME = 'DC1';
export const AD_BASE_DN = 'DC=corp,DC=zcc,DC=test';
/** UPN suffix of the domain's accounts: `<sAMAccountName>@corp.zcc.test`. */
export const AD_UPN_SUFFIX = 'corp.zcc.test';
export const AD_HOST = '127.0.0.1';
export const AD_LDAPS_PORT = 636;
export const AD_LDAP_PORT = 389;
export const AD_ADMIN_DN = `CN=Administrator,CN=Users,${AD_BASE_DN}`;
export const AD_ADMIN_PASSWORD = 'Zcc-Admin-Pa55!';
/** An ordinary enabled domain user (reads the directory as Authenticated Users do): what zcc-sync should bind as. */
export const AD_READER_SAM = 'zcc-reader';
export const AD_READER_DN = `CN=${AD_READER_SAM},CN=Users,${AD_BASE_DN}`;
export const AD_READER_PASSWORD = 'Zcc-Reader-Pa55!';

/** userAccountControl bits (MS-ADTS 2.2.16). Enabled user with a password: 512; disabled: 514. */
export const UAC = {
  ACCOUNTDISABLE: 0x2,
  PASSWD_NOTREQD: 0x20,
  NORMAL_ACCOUNT: 0x200,
  DONT_EXPIRE_PASSWORD: 0x10000,
} as const;

/** AD's groupType of a global security group (0x80000002 as a signed 32-bit number). */
export const AD_GLOBAL_SECURITY_GROUP = '-2147483646';

/**
 * The built-in big group: `size` users `big0001`…`big1600` in OU=Big, all members of one global
 * security group. Users are enabled without a password (userAccountControl 544 =
 * NORMAL_ACCOUNT | PASSWD_NOTREQD), mail `big0001@example.com`, UPN `big0001@corp.zcc.test`,
 * givenName `Big`, sn `User0001`, displayName `Big User0001`. Read-only for tests: change your
 * own users and groups instead (test/support/ad-admin.ts).
 */
export const AD_BIG_GROUP = {
  ou: `OU=Big,${AD_BASE_DN}`,
  dn: `CN=zcc-big,OU=Big,${AD_BASE_DN}`,
  sAMAccountName: 'zcc-big',
  size: 1600,
  userSam: (i: number): string => `big${String(i).padStart(4, '0')}`,
} as const;

export const SAMBA_BIN = '/usr/sbin/samba';
export const SAMBA_TOOL_BIN = '/usr/bin/samba-tool';
/** samba-tool's and our fixture script's interpreter: Debian's, which has the samba module (a pyenv python3 first on PATH does not). */
const PYTHON_BIN = '/usr/bin/python3';
export const SAMBA_PACKAGES = ['samba', 'samba-dsdb-modules', 'samba-ad-provision', 'samba-vfs-modules'];
export const SAMBA_INSTALL_HINT = 'scripts/setup.sh --samba (as root: apt-get install --no-install-recommends ' + SAMBA_PACKAGES.join(' ') + ')';

/** Files the DC needs, by package; empty when all are there. */
export function missingSambaFiles(): string[] {
  const libDirs = (() => {
    try {
      return readdirSync('/usr/lib').map((d) => path.join('/usr/lib', d, 'samba'));
    } catch {
      return [];
    }
  })();
  const inLib = (rel: string) => libDirs.some((d) => existsSync(path.join(d, rel)));
  const missing: string[] = [];
  if (!existsSync(SAMBA_BIN)) missing.push(`${SAMBA_BIN} (samba)`);
  if (!existsSync(SAMBA_TOOL_BIN)) missing.push(`${SAMBA_TOOL_BIN} (samba-common-bin)`);
  if (!existsSync(PYTHON_BIN)) missing.push(`${PYTHON_BIN} (python3)`);
  if (!inLib('ldb/samba_dsdb.so')) missing.push('samba/ldb/samba_dsdb.so (samba-dsdb-modules)');
  if (!inLib('vfs/acl_xattr.so')) missing.push('samba/vfs/acl_xattr.so (samba-vfs-modules)');
  if (!existsSync('/usr/share/samba/setup/ad-schema')) missing.push('/usr/share/samba/setup/ad-schema (samba-ad-provision)');
  if (!existsSync('/usr/bin/openssl')) missing.push('/usr/bin/openssl (openssl)');
  return missing;
}

/** Why a DC cannot start here, or undefined when it can try. */
export function sambaAdUnavailable(): string | undefined {
  const missing = missingSambaFiles();
  if (missing.length) return `Samba is not installed (missing ${missing.join(', ')}); install it: ${SAMBA_INSTALL_HINT}`;
  if (process.getuid?.() !== 0) return 'a Samba DC binds ports 389 and 636 and runs as root; run the tests as root';
  return undefined;
}

/** `samba -V` ("4.17.12-Debian"). */
export async function sambaVersion(): Promise<string> {
  const { stdout } = await execFileP(SAMBA_BIN, ['-V']);
  return stdout.trim().replace(/^Version\s+/i, '');
}

// ---------------------------------------------------------------------------------------------
// Provisioning and its cache

const PROVISION_ARGS = [
  'domain', 'provision',
  `--realm=${AD_REALM}`, `--domain=${AD_DOMAIN}`, `--host-name=${AD_NETBIOS_NAME}`,
  '--server-role=dc', '--use-rfc2307', '--dns-backend=NONE',
  '--option=interfaces=lo', '--option=bind interfaces only=yes',
];

/**
 * Runs once per provisioned domain, offline (the DC stopped), through Samba's own module stack:
 * password policy, the reader account, the big group. JSON in argv[1].
 */
const FIXTURE_PY = String.raw`
import json, sys, time
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

cfg = json.loads(sys.argv[1])
lp = LoadParm()
lp.load(cfg['conf'])
db = SamDB(url=lp.private_path('sam.ldb'), session_info=system_session(), lp=lp)
base = str(db.domain_dn())

def pw(p):
    return ('"%s"' % p).encode('utf-16-le')

# A cached domain lives for months: no password expiry, no minimum age, no history.
m = ldb.Message(ldb.Dn(db, base))
m['maxPwdAge'] = ldb.MessageElement('-9223372036854775808', ldb.FLAG_MOD_REPLACE, 'maxPwdAge')
m['minPwdAge'] = ldb.MessageElement('0', ldb.FLAG_MOD_REPLACE, 'minPwdAge')
m['pwdHistoryLength'] = ldb.MessageElement('0', ldb.FLAG_MOD_REPLACE, 'pwdHistoryLength')
db.modify(m)

db.add({'dn': cfg['readerDn'], 'objectClass': 'user', 'sAMAccountName': cfg['readerSam'],
        'displayName': 'zcc-sync directory reader', 'userAccountControl': str(0x200 | 0x10000),
        'unicodePwd': pw(cfg['readerPassword'])})

t = time.time()
big = cfg['big']
db.add({'dn': big['ou'], 'objectClass': 'organizationalUnit'})
dns = []
chunk = 400
for start in range(1, big['size'] + 1, chunk):
    db.transaction_start()
    try:
        for i in range(start, min(big['size'], start + chunk - 1) + 1):
            sam = 'big%04d' % i
            dn = 'CN=%s,%s' % (sam, big['ou'])
            db.add({'dn': dn, 'objectClass': 'user', 'sAMAccountName': sam,
                    'userAccountControl': str(0x200 | 0x20), 'givenName': 'Big', 'sn': 'User%04d' % i,
                    'displayName': 'Big User%04d' % i, 'mail': sam + '@example.com',
                    'userPrincipalName': '%s@%s' % (sam, cfg['upnSuffix'])})
            dns.append(dn)
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise
db.add({'dn': big['dn'], 'objectClass': 'group', 'sAMAccountName': big['sam'],
        'groupType': cfg['groupType'], 'member': dns})
print(json.dumps({'bigUsers': len(dns), 'bigSeconds': round(time.time() - t, 2)}))
`;

function fixtureConfig(conf: string) {
  return {
    conf,
    readerDn: AD_READER_DN,
    readerSam: AD_READER_SAM,
    readerPassword: AD_READER_PASSWORD,
    upnSuffix: AD_UPN_SUFFIX,
    groupType: AD_GLOBAL_SECURITY_GROUP,
    big: { ou: AD_BIG_GROUP.ou, dn: AD_BIG_GROUP.dn, sam: AD_BIG_GROUP.sAMAccountName, size: AD_BIG_GROUP.size },
  };
}

/** Cache key: Samba's version and everything that shapes the provisioned domain. */
export function templateKey(version: string): string {
  const recipe = JSON.stringify({ version, PROVISION_ARGS, AD_ADMIN_PASSWORD, FIXTURE_PY, fixture: fixtureConfig('') });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}

export interface ProvisionTimings {
  /** True when the domain came from the cache. */
  fromCache: boolean;
  /** samba-tool domain provision (0 from the cache). */
  provisionMs: number;
  /** The offline fixture: reader account, big group (0 from the cache). */
  fixtureMs: number;
  /** Copying the cached domain into the instance directory. */
  copyMs: number;
}

/**
 * A provisioned domain with the fixture, in the cache (built when missing). Two runs building at
 * once each build in their own temporary directory; the first rename wins.
 */
async function ensureTemplate(log: Log, cacheDir?: string): Promise<{ dir: string; provisionMs: number; fixtureMs: number; fromCache: boolean }> {
  const version = await sambaVersion();
  const root = cacheDir ?? cacheRoot();
  const dir = path.join(root, `samba-ad-${templateKey(version)}`);
  if (existsSync(path.join(dir, 'template.json'))) {
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined); // in use: pruneTemplates keeps it
    return { dir, provisionMs: 0, fixtureMs: 0, fromCache: true };
  }
  await mkdir(root, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  log(`Provisioning a Samba AD domain (${AD_REALM}, Samba ${version}); cached in ${dir} for later runs…`);
  try {
    let t0 = Date.now();
    await run(SAMBA_TOOL_BIN, [...PROVISION_ARGS, `--adminpass=${AD_ADMIN_PASSWORD}`, `--targetdir=${tmp}`], 'samba-tool domain provision');
    const provisionMs = Date.now() - t0;
    // Our own smb.conf (the generated one names the temporary directory) for the offline fixture.
    const conf = path.join(tmp, 'etc', 'smb.conf');
    await writeFile(conf, renderSmbConf(tmp));
    t0 = Date.now();
    const { stdout } = await run(PYTHON_BIN, ['-c', FIXTURE_PY, JSON.stringify(fixtureConfig(conf))], 'the Samba AD fixture script');
    const fixtureMs = Date.now() - t0;
    await rm(path.join(tmp, 'tls'), { recursive: true, force: true }); // Samba's own certificate: we bring ours
    await writeFile(path.join(tmp, 'template.json'), JSON.stringify({ version, provisionMs, fixtureMs, fixture: stdout.trim(), created: new Date().toISOString() }, null, 2));
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another run finished first: use theirs.
      if (!existsSync(path.join(dir, 'template.json'))) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
    log(`Provisioned in ${provisionMs} ms, fixture (${AD_BIG_GROUP.size} users) in ${fixtureMs} ms.`);
    await pruneTemplates(root, dir);
    return { dir, provisionMs, fixtureMs, fromCache: false };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Drops other cached domains (~70 MB each) unused for a week — an older Samba or recipe — and
 * half-built ones whose builder died.
 */
async function pruneTemplates(root: string, keep: string): Promise<void> {
  const weekAgo = Date.now() - 7 * 86_400_000;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const full = path.join(root, name);
    if (full === keep || !name.startsWith('samba-ad-')) continue;
    const tmp = /\.tmp-(\d+)-/.exec(name);
    const stale = tmp ? !isAlive(Number(tmp[1])) : ((await stat(full).catch(() => undefined))?.mtimeMs ?? Infinity) < weekAgo;
    if (stale) await rm(full, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function run(bin: string, args: string[], what: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(bin, args, { maxBuffer: 1 << 24, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const out = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.trim() || e.message;
    throw new Error(`${what} failed:\n${out.split('\n').slice(-25).join('\n')}`);
  }
}

/**
 * The DC's smb.conf: only the LDAP server runs (no SMB, Kerberos, RPC or winbindd, which would
 * need more ports and packages), every path inside `dir`, our TLS files, fsync off.
 */
export function renderSmbConf(dir: string): string {
  const d = path.resolve(dir);
  return `# Written by devstack/samba-ad.ts for a throwaway test DC.
[global]
\tnetbios name = ${AD_NETBIOS_NAME}
\tworkgroup = ${AD_DOMAIN}
\trealm = ${AD_REALM}
\tserver role = active directory domain controller
\tserver services = ldap
\tinterfaces = lo
\tbind interfaces only = yes
\tprivate dir = ${d}/private
\tstate directory = ${d}/state
\tcache directory = ${d}/cache
\tlock directory = ${d}
\tpid directory = ${d}/run
\tncalrpc dir = ${d}/run/ncalrpc
\twinbindd socket directory = ${d}/run/winbindd
\tntp signd socket directory = ${d}/run/ntp_signd
\tbinddns dir = ${d}/bind-dns
\tlog file = ${d}/samba.log
\tlogging = file
\tlog level = 1
\tidmap_ldb:use rfc2307 = yes
\tldb:nosync = true
\ttls enabled = yes
\ttls keyfile = ${d}/tls/server.key
\ttls certfile = ${d}/tls/server.pem
\ttls cafile = ${d}/tls/ca.pem
\tldap server require strong auth = yes
`;
}

/** A CA and a server certificate for 127.0.0.1 / localhost (P-256, valid 30 days), in `dir`. */
export async function writeTlsFiles(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  await mkdir(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30',
    '-subj', '/CN=zcc-sync test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], 'openssl (CA)');
  await run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1'], 'openssl (server key)');
  await writeFile(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.pem'), '-days', '30', '-extfile', f('server.ext')], 'openssl (server certificate)');
  await chmod(f('server.key'), 0o600); // Samba refuses a key others can read
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}

// ---------------------------------------------------------------------------------------------
// The machine-wide lock: one DC per machine

/** Who holds this machine's DC. */
export const SAMBA_AD_LOCK_FILE = path.join(os.tmpdir(), 'zcc-sync-samba-ad.json');

interface LockInfo {
  owner: number;
  ownerStart?: string;
  samba?: { pid: number; start?: string };
  dir?: string;
}

export class SambaAdBusyError extends Error {
  constructor(readonly holder: LockInfo) {
    super(
      `this machine's Samba AD DC (ports 389/636) is held by process ${holder.owner}` +
        (holder.dir ? ` (instance ${holder.dir})` : '') +
        `; one DC per machine: wait for that run to end (lock file ${SAMBA_AD_LOCK_FILE})`,
    );
    this.name = 'SambaAdBusyError';
  }
}

async function readLock(): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(SAMBA_AD_LOCK_FILE, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Takes the lock; a holder that died has its DC stopped first. */
async function acquireLock(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const mine: LockInfo = { owner: process.pid, ownerStart: processStartId(process.pid), dir };
    try {
      await writeFile(SAMBA_AD_LOCK_FILE, JSON.stringify(mine), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = await readLock();
    if (!held) {
      await sleep(50); // being written, or just released
      continue;
    }
    if (isSameProcess(held.owner, held.ownerStart)) throw new SambaAdBusyError(held);
    await stopLeftover(held);
    await unlink(SAMBA_AD_LOCK_FILE).catch(() => undefined);
  }
  throw new Error(`could not take the Samba AD lock ${SAMBA_AD_LOCK_FILE}`);
}

async function stopLeftover(held: LockInfo): Promise<void> {
  if (held.samba && isSameProcess(held.samba.pid, held.samba.start)) {
    stderrLog(`[samba-ad] stopping a leftover DC (pid ${held.samba.pid}) of a run that died (pid ${held.owner})`);
    await stopPid(held.samba.pid, { graceMs: 5_000 });
  }
}

async function releaseLock(): Promise<void> {
  const held = await readLock();
  if (held?.owner === process.pid) await unlink(SAMBA_AD_LOCK_FILE).catch(() => undefined);
}

/** Stops a DC whose starting process died (its lock is stale); a live holder's DC is left alone. */
export async function stopLeftoverSambaAd(): Promise<void> {
  const held = await readLock();
  if (!held || isSameProcess(held.owner, held.ownerStart)) return;
  await stopLeftover(held);
  await unlink(SAMBA_AD_LOCK_FILE).catch(() => undefined);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: AD_HOST, port, timeout: 500 });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Start and stop

export interface StartSambaAdOptions {
  /** Instance directory (created; replaced if it exists). Keep it short and without spaces at the ends. */
  dir: string;
  log?: Log;
  /** Start-to-ready limit after the copy; default 60 s. */
  timeoutMs?: number;
  /** Cache root for the provisioned domain; default cacheRoot() (~/.cache/zcc-sync). */
  cacheDir?: string;
}

export interface SambaAdHandle {
  /** `ldaps://127.0.0.1:636`: verify with `tlsOptions: { ca: readFileSync(caFile) }`. */
  url: string;
  /** `ldap://127.0.0.1:389`: simple binds refused without TLS (StartTLS works). */
  ldapUrl: string;
  /** PEM of the CA that signed the DC's certificate (SAN IP:127.0.0.1, DNS:localhost). */
  caFile: string;
  baseDn: string;
  realm: string;
  /** NetBIOS domain name. */
  domain: string;
  upnSuffix: string;
  adminDn: string;
  adminPassword: string;
  /** The read-only service account zcc-sync binds as. */
  bindDn: string;
  bindPassword: string;
  bigGroup: { dn: string; ou: string; size: number };
  dir: string;
  pid: number;
  timings: ProvisionTimings & { /** Spawn to the first successful LDAPS bind. */ startMs: number };
  /** SIGTERM (SIGKILL after 5 s), then releases the machine lock. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts this machine's DC: provisioned domain from the cache (built on first use), copied into
 * `dir`, fresh TLS files, `samba -i -M single` as a child; ready when the admin binds over LDAPS
 * with the CA. Throws SambaAdBusyError when another live process holds the DC, and an error
 * naming what is missing when Samba is not installed.
 */
export async function startSambaAd(opts: StartSambaAdOptions): Promise<SambaAdHandle> {
  const log = opts.log ?? stderrLog;
  const why = sambaAdUnavailable();
  if (why) throw new Error(why);
  const dir = path.resolve(opts.dir);
  await acquireLock(dir);
  let child: ChildProcess | undefined;
  try {
    for (const port of [AD_LDAP_PORT, AD_LDAPS_PORT]) {
      if (await portAnswers(port)) {
        throw new Error(`${AD_HOST}:${port} is already in use by a process this harness did not start (a system slapd or samba-ad-dc?); stop it, a test DC needs ports 389 and 636`);
      }
    }
    const template = await ensureTemplate(log, opts.cacheDir);
    let t0 = Date.now();
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await run('cp', ['-a', template.dir, dir], 'copying the cached Samba domain');
    await mkdir(path.join(dir, 'run'), { recursive: true });
    const conf = path.join(dir, 'etc', 'smb.conf');
    await writeFile(conf, renderSmbConf(dir));
    const { caFile } = await writeTlsFiles(path.join(dir, 'tls'));
    const copyMs = Date.now() - t0;

    t0 = Date.now();
    const outFile = path.join(dir, 'samba.out');
    const fd = openSync(outFile, 'a');
    try {
      // stdin stays a pipe we never write: Samba (-i) exits on its EOF, i.e. when we die.
      child = spawn(SAMBA_BIN, ['-i', '-M', 'single', '-s', conf], { stdio: ['pipe', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (!pid) throw new Error(`could not spawn ${SAMBA_BIN}`);
    await writeFile(SAMBA_AD_LOCK_FILE, JSON.stringify({
      owner: process.pid, ownerStart: processStartId(process.pid), samba: { pid, start: processStartId(pid) }, dir,
    } satisfies LockInfo));
    await waitReady(child, caFile, outFile, opts.timeoutMs ?? 60_000);
    const startMs = Date.now() - t0;

    const running = child;
    let stopped: Promise<void> | undefined;
    return {
      url: `ldaps://${AD_HOST}:${AD_LDAPS_PORT}`,
      ldapUrl: `ldap://${AD_HOST}:${AD_LDAP_PORT}`,
      caFile,
      baseDn: AD_BASE_DN,
      realm: AD_REALM,
      domain: AD_DOMAIN,
      upnSuffix: AD_UPN_SUFFIX,
      adminDn: AD_ADMIN_DN,
      adminPassword: AD_ADMIN_PASSWORD,
      bindDn: AD_READER_DN,
      bindPassword: AD_READER_PASSWORD,
      bigGroup: { dn: AD_BIG_GROUP.dn, ou: AD_BIG_GROUP.ou, size: AD_BIG_GROUP.size },
      dir,
      pid,
      timings: { fromCache: template.fromCache, provisionMs: template.provisionMs, fixtureMs: template.fixtureMs, copyMs, startMs },
      stop() {
        stopped ??= (async () => {
          await stopPid(pid, { graceMs: 5_000 });
          running.stdin?.destroy();
          await releaseLock();
        })();
        return stopped;
      },
    };
  } catch (err) {
    if (child?.pid) await stopPid(child.pid, { graceMs: 2_000 });
    child?.stdin?.destroy();
    await releaseLock();
    throw err;
  }
}

async function waitReady(child: ChildProcess, caFile: string, outFile: string, timeoutMs: number): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, sig) => {
    exited = sig ? `signal ${sig}` : `code ${code}`;
  });
  child.once('error', (err) => {
    exited ??= err.message;
  });
  const ca = readFileSync(caFile);
  const tail = () => {
    try {
      return readFileSync(outFile, 'utf8').split('\n').slice(-30).join('\n').trim();
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (exited !== undefined) throw new Error(`samba exited during start-up (${exited}):\n${tail()}`);
    const client = new Client({ url: `ldaps://${AD_HOST}:${AD_LDAPS_PORT}`, tlsOptions: { ca }, connectTimeout: 1_000, timeout: 5_000 });
    try {
      await client.bind(AD_ADMIN_DN, AD_ADMIN_PASSWORD);
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw new Error(`samba not ready after ${timeoutMs} ms (last LDAPS bind: ${lastError}):\n${tail()}`);
    }
    await sleep(100);
  }
}
