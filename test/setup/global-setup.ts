/**
 * jest globalSetup: starts the real stack once per run — ONE Temporal dev server (headless, free
 * ports, its own SQLite file), ONE SMTP capture server — makes sure slapd is installed (test
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
import { isAlive, isSameProcess, processStartId, stopPid } from '../../devstack/proc';
import { REPO_ROOT, TEST_STATE_ROOT, setStackStops, type StackStop } from '../support/stack-state';

export default async function globalSetup(): Promise<void> {
  if (process.env.ZCC_TEST_STACK === 'off') return;
  const started = Date.now();
  const runDir = path.join(TEST_STATE_ROOT, `run-${process.pid}`);
  await removeStaleRunDirs();
  await mkdir(runDir, { recursive: true });
  const stops: StackStop[] = [];
  setStackStops(stops, runDir);
  const quiet = !process.env.ZCC_TEST_VERBOSE;
  const log = (line: string) => process.stderr.write(`[test stack] ${line}\n`);
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
      // So a later run can stop this server if this run dies without teardown.
      if (t.pid) await writeFile(path.join(runDir, 'pids.json'), JSON.stringify([{ pid: t.pid, startId: processStartId(t.pid) }]));
      return t;
    });
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
    const [temporal, smtp, bundle] = await Promise.all([temporalP, smtpP, bundleP]);

    process.env.ZCC_TEST_STATE_DIR = runDir;
    process.env.ZCC_TEST_TEMPORAL_ADDRESS = temporal.address;
    process.env.ZCC_TEST_TEMPORAL_NAMESPACE = 'default';
    process.env.ZCC_TEST_SMTP_HOST = '127.0.0.1';
    process.env.ZCC_TEST_SMTP_PORT = String(smtp.port);
    process.env.ZCC_TEST_SMTP_DIR = smtp.dir;
    process.env.ZCC_TEST_WORKFLOW_BUNDLE = bundle;
    if (!quiet) log(`ready in ${Date.now() - started} ms: Temporal ${temporal.address}, SMTP ${smtp.port}`);
  } catch (err) {
    // jest does not run globalTeardown when globalSetup fails: stop what did start.
    await Promise.allSettled(stops.map((s) => s.stop()));
    await rm(runDir, { recursive: true, force: true });
    throw err;
  }
}

/** Run dirs of earlier runs that died without teardown (their jest pid is gone), and their servers. */
async function removeStaleRunDirs(): Promise<void> {
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
