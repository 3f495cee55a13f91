/**
 * jest globalSetup: starts the real stack once per run — ONE Temporal dev server (headless, free
 * ports, its own SQLite file), ONE SMTP capture server, ONE Samba AD domain controller (in
 * parallel with Temporal; the machine's only one, on 127.0.0.1:389/636: devstack/samba-ad.ts;
 * tests read it with testAd(), and without Samba, or with `ZCC_TEST_AD=off`, they get the
 * reason in ZCC_TEST_AD_ERROR instead) — makes sure slapd is installed (test
 * files start their own slapd instances, since their directories differ: test/support/stack.ts
 * withSlapd), and bundles the workflows once. Tests find it all through ZCC_TEST_* variables
 * (read them with testStack()); worker processes inherit this process's environment.
 *
 * Each run gets its own directory (.state/test/run-<pid>), so parallel jest runs do not share
 * files. `ZCC_TEST_STACK=off` skips all of it (pure unit-test runs).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startTemporal } from '../../devstack/temporal';
import { ensureSlapdInstalled, stopSlapd } from '../../devstack/slapd';
import { startSmtpServer } from '../../devstack/smtp';
import { startSambaAd, stopLeftoverSambaAd } from '../../devstack/samba-ad';
import { isAlive, isSameProcess, processStartId, stopPid } from '../../devstack/proc';
import { IN_CI } from '../support/ci';
import { AD_ERROR_VAR, REPO_ROOT, TEST_STATE_ROOT, setStackStops, testAdEnv, type StackStop } from '../support/stack-state';

/** What globalSetup reads of jest's global config (jest 30 passes a TestPathPatterns object). */
interface JestGlobalConfig {
  testPathPatterns?: { patterns?: string[] } | string[];
}

export default async function globalSetup(globalConfig?: JestGlobalConfig): Promise<void> {
  if (process.env.ZCC_TEST_STACK === 'off') return;
  const started = Date.now();
  const runDir = path.join(TEST_STATE_ROOT, `run-${process.pid}`);
  await removeStaleRunDirs();
  await mkdir(runDir, { recursive: true });
  const stops: StackStop[] = [];
  setStackStops(stops, runDir);
  const quiet = !process.env.ZCC_TEST_VERBOSE;
  const log = (line: string) => process.stderr.write(`[test stack] ${line}\n`);
  // Servers recorded in pids.json, so a later run can stop them if this one dies without teardown.
  const pids: { pid: number; startId?: string }[] = [];
  let pidsWritten = Promise.resolve();
  const recordPid = (pid: number) => {
    pids.push({ pid, startId: processStartId(pid) });
    const json = JSON.stringify(pids);
    pidsWritten = pidsWritten.then(() => writeFile(path.join(runDir, 'pids.json'), json));
    return pidsWritten;
  };
  const pending: Promise<unknown>[] = [];
  try {
    await ensureSlapdInstalled({ log });
    const temporalP = startTemporal({
      headless: true,
      dbFile: path.join(runDir, 'temporal.db'),
      log,
      // A loaded 2-core machine can take a while to create the SQLite schema.
      timeoutMs: 120_000,
    }).then(async (t) => {
      stops.push({ name: 'temporal', stop: t.stop });
      if (t.pid) await recordPid(t.pid);
      return t;
    });
    const adP = startTestAd(runDir, stops, recordPid, log, quiet, globalConfig);
    const smtpP = startSmtpServer({ port: 0, host: '127.0.0.1', dir: path.join(runDir, 'mail') }).then((s) => {
      stops.push({ name: 'smtp', stop: s.stop });
      return s;
    });
    const bundleP = bundleWorkflowCode({
      workflowsPath: require.resolve(path.join(REPO_ROOT, 'workflows')),
      logger: new DefaultLogger(quiet ? 'WARN' : 'INFO'),
    }).then(async ({ code }) => {
      const file = path.join(runDir, 'workflow-bundle.js');
      await writeFile(file, code);
      return file;
    });
    pending.push(temporalP, adP, smtpP, bundleP);
    const [temporal, smtp, bundle, adEnv] = await Promise.all([temporalP, smtpP, bundleP, adP]);

    process.env.ZCC_TEST_STATE_DIR = runDir;
    process.env.ZCC_TEST_TEMPORAL_ADDRESS = temporal.address;
    process.env.ZCC_TEST_TEMPORAL_NAMESPACE = 'default';
    process.env.ZCC_TEST_SMTP_HOST = '127.0.0.1';
    process.env.ZCC_TEST_SMTP_PORT = String(smtp.port);
    process.env.ZCC_TEST_SMTP_DIR = smtp.dir;
    process.env.ZCC_TEST_WORKFLOW_BUNDLE = bundle;
    Object.assign(process.env, adEnv);
    if (!quiet) log(`ready in ${Date.now() - started} ms: Temporal ${temporal.address}, SMTP ${smtp.port}`);
  } catch (err) {
    // jest does not run globalTeardown when globalSetup fails: stop what did start (once the
    // other starts have settled, so none registers its stop after this).
    await Promise.allSettled(pending);
    await Promise.allSettled(stops.map((s) => s.stop()));
    await rm(runDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The run's Samba AD DC: its ZCC_TEST_AD_* environment, or ZCC_TEST_AD_ERROR saying why there is
 * none. A DC that cannot start does not stop the run: the AD tests report it (under CI=true as a
 * failure, test/support/ci.ts), the others run.
 */
async function startTestAd(
  runDir: string,
  stops: StackStop[],
  recordPid: (pid: number) => Promise<void>,
  log: (line: string) => void,
  quiet: boolean,
  globalConfig: JestGlobalConfig | undefined,
): Promise<Record<string, string>> {
  const mode = process.env.ZCC_TEST_AD;
  if (mode === 'off') return { [AD_ERROR_VAR]: 'ZCC_TEST_AD=off: this run started no Samba AD DC' };
  if (mode !== 'on' && !(await selectsAdTests(globalConfig))) {
    return {
      [AD_ERROR_VAR]:
        'this run named only test files that do not mention testAd, so it started no Samba AD DC (the machine has one, and a run ' +
        'holds it to its end); name the file that uses it, or set ZCC_TEST_AD=on',
    };
  }
  const t0 = Date.now();
  try {
    const ad = await startSambaAd({ dir: path.join(runDir, 'ad'), log });
    stops.push({ name: 'samba-ad', stop: ad.stop });
    await recordPid(ad.pid);
    const t = ad.timings;
    if (!quiet || !t.fromCache) {
      log(`Samba AD DC ready in ${Date.now() - t0} ms (${t.fromCache ? 'domain from the cache' : `provisioned in ${t.provisionMs} ms + fixture ${t.fixtureMs} ms`}, copy ${t.copyMs} ms, start ${t.startMs} ms)`);
    }
    return testAdEnv(ad);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    log(`no Samba AD DC for this run; its tests ${IN_CI ? 'FAIL (CI=true)' : 'skip'}: ${why}`);
    return { [AD_ERROR_VAR]: why };
  }
}

/**
 * Whether the run may use the DC: every run without path patterns (CI, `npm test`), and a run of
 * named files when one of them mentions testAd (testAd(), testAdOrReport()) or ZCC_TEST_AD_.
 * A run of other files leaves the machine's one DC free for a run that needs it.
 */
async function selectsAdTests(globalConfig: JestGlobalConfig | undefined): Promise<boolean> {
  const raw = globalConfig?.testPathPatterns;
  const patterns = (Array.isArray(raw) ? raw : raw?.patterns) ?? [];
  if (patterns.length === 0) return true;
  let regexes: RegExp[];
  try {
    regexes = patterns.map((p) => new RegExp(p, 'i'));
  } catch {
    return true;
  }
  const testDir = path.join(REPO_ROOT, 'test');
  const files = (await readdir(testDir, { recursive: true }))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(testDir, f))
    .filter((f) => regexes.some((r) => r.test(f)));
  for (const f of files) {
    if (/\btestAd|ZCC_TEST_AD_/.test(await readFile(f, 'utf8').catch(() => ''))) return true;
  }
  return false;
}

/** Run dirs of earlier runs that died without teardown (their jest pid is gone), and their servers. */
async function removeStaleRunDirs(): Promise<void> {
  // A DC whose run died (it exits by itself when its parent goes, so this is belt and braces).
  await stopLeftoverSambaAd().catch(() => undefined);
  let names: string[] = [];
  try {
    names = await readdir(TEST_STATE_ROOT);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^run-(\d+)$/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    const dir = path.join(TEST_STATE_ROOT, name);
    try {
      const pids = JSON.parse(await readFile(path.join(dir, 'pids.json'), 'utf8')) as { pid: number; startId?: string }[];
      for (const p of pids) if (isSameProcess(p.pid, p.startId)) await stopPid(p.pid);
    } catch {
      /* no servers recorded */
    }
    await rm(dir, { recursive: true, force: true });
  }
  // slapd instances of test processes that died before their afterAll (test/support/stack.ts withSlapd).
  const ldapRoot = path.join(TEST_STATE_ROOT, 'ldap');
  for (const name of await readdir(ldapRoot).catch(() => [] as string[])) {
    const m = /^(\d+)-/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    await stopSlapd(path.join(ldapRoot, name));
    await rm(path.join(ldapRoot, name), { recursive: true, force: true });
  }
}
