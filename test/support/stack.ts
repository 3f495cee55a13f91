/**
 * What test files use of the real stack that jest's globalSetup started:
 *  - testStack(): addresses (Temporal, SMTP mailbox, the workflow bundle);
 *  - startTestWorker(): a real Worker on a unique task queue of the shared dev server;
 *  - withSlapd(): a throwaway slapd per test file, loaded with exactly the directory it needs;
 *  - testAd() / testAdOrReport(): the run's one Samba Active Directory DC (devstack/samba-ad.ts),
 *    shared by all test files: shape it with test/support/ad-admin.ts, in your own OU.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startSlapd, type SlapdHandle } from '../../devstack/slapd';
import type { DirectorySpec } from '../../devstack/ldif';
import { AD_ERROR_VAR, AD_VARS, TEST_STATE_ROOT, type TestAd } from './stack-state';
import { missingPrerequisite } from './ci';

export interface TestStack {
  /** host:port of the shared Temporal dev server. */
  temporalAddress: string;
  namespace: string;
  smtpHost: string;
  smtpPort: number;
  /** Mailbox directory of the SMTP capture server (read it with readMailbox from devstack/smtp). */
  smtpDir: string;
  /** The workflows, bundled once per run: pass as `workflowBundle: { codePath }`. */
  workflowBundlePath: string;
  /** This run's scratch directory. */
  stateDir: string;
}

export function testStack(): TestStack {
  const env = process.env;
  const missing = ['ZCC_TEST_TEMPORAL_ADDRESS', 'ZCC_TEST_SMTP_PORT', 'ZCC_TEST_SMTP_DIR', 'ZCC_TEST_WORKFLOW_BUNDLE', 'ZCC_TEST_STATE_DIR'].filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(
      `The test stack is not running (missing ${missing.join(', ')}). It is started by jest's globalSetup ` +
        '(test/setup/global-setup.ts); run tests with `npx jest`, and do not set ZCC_TEST_STACK=off for this file.',
    );
  }
  return {
    temporalAddress: env.ZCC_TEST_TEMPORAL_ADDRESS!,
    namespace: env.ZCC_TEST_TEMPORAL_NAMESPACE ?? 'default',
    smtpHost: env.ZCC_TEST_SMTP_HOST ?? '127.0.0.1',
    smtpPort: Number(env.ZCC_TEST_SMTP_PORT),
    smtpDir: env.ZCC_TEST_SMTP_DIR!,
    workflowBundlePath: env.ZCC_TEST_WORKFLOW_BUNDLE!,
    stateDir: env.ZCC_TEST_STATE_DIR!,
  };
}

/** A short id unique across test files and processes (task queues, workflow ids, directories). */
export function uniqueId(prefix = 't'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

let runtimeInstalled = false;
/** The SDK's runtime logs every worker start at INFO; tests only want warnings. Once per process, before the first worker. */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  if (process.env.ZCC_TEST_VERBOSE) return;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by someone else in this process: keep theirs.
  }
}

export interface TestWorker {
  worker: Worker;
  client: Client;
  taskQueue: string;
  /** Stops the worker (waiting for it) and closes both connections. */
  shutdown(): Promise<void>;
}

/**
 * A real Worker polling a unique task queue of the shared dev server, running the bundled
 * workflows and the given activities; plus a Client on the same server.
 */
export async function startTestWorker(opts: {
  activities?: object;
  taskQueue?: string;
  /** Defaults to the bundle globalSetup built from workflows/index.ts. */
  workflowBundlePath?: string;
}): Promise<TestWorker> {
  const stack = testStack();
  installQuietRuntime();
  const taskQueue = opts.taskQueue ?? uniqueId('tq');
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection: nativeConnection,
      namespace: stack.namespace,
      taskQueue,
      workflowBundle: { codePath: opts.workflowBundlePath ?? stack.workflowBundlePath },
      activities: opts.activities ?? {},
      // Tests shut down quickly; in-flight activities are the test's own business.
      shutdownGraceTime: '2 seconds',
    });
  } catch (err) {
    await nativeConnection.close();
    throw err;
  }
  const running = worker.run();
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.namespace });
  let stopped = false;
  return {
    worker,
    client,
    taskQueue,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export type SlapdData = DirectorySpec | { users: number; groups: number } | { ldifFile: string };

function isSpec(d: SlapdData): d is DirectorySpec {
  return Array.isArray((d as DirectorySpec).users);
}

/**
 * A throwaway slapd loaded with `data` (a DirectorySpec, N generated users in M groups, or an
 * LDIF file), on a free port, in .state/test/ldap/<unique>. stop() stops it and deletes the
 * directory. Call stop() in afterAll.
 */
export async function withSlapd(data: SlapdData, opts: { keep?: boolean } = {}): Promise<SlapdHandle> {
  // Short names: the ldapi socket path must stay under ~100 bytes.
  const dir = path.join(TEST_STATE_ROOT, 'ldap', `${process.pid}-${randomBytes(3).toString('hex')}`);
  const handle = await startSlapd({
    dir,
    ...(isSpec(data) ? { spec: data } : 'ldifFile' in data ? { ldifFile: data.ldifFile } : { generate: data }),
  });
  const stop = handle.stop;
  return {
    ...handle,
    async stop() {
      await stop();
      if (!opts.keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

export type { TestAd } from './stack-state';

/** Why the run has no DC (ZCC_TEST_AD_ERROR, set by globalSetup), or undefined when it has one. */
export function testAdUnavailable(): string | undefined {
  const env = process.env;
  if (env.ZCC_TEST_AD_URL) return undefined;
  if (env[AD_ERROR_VAR]) return env[AD_ERROR_VAR];
  return 'the test stack is not running (ZCC_TEST_AD_URL is unset): globalSetup (test/setup/global-setup.ts) starts the DC; do not set ZCC_TEST_STACK=off';
}

/** The run's DC; throws (with the reason) when globalSetup could not start it. */
export function testAd(): TestAd {
  const why = testAdUnavailable();
  if (why) throw new Error(`No Samba AD DC in this test run: ${why}`);
  const env = process.env;
  const get = (k: keyof typeof AD_VARS) => env[AD_VARS[k]] ?? '';
  return {
    url: get('url'),
    ldapUrl: get('ldapUrl'),
    caFile: get('caFile'),
    baseDn: get('baseDn'),
    realm: get('realm'),
    domain: get('domain'),
    upnSuffix: get('upnSuffix'),
    adminDn: get('adminDn'),
    adminPassword: get('adminPassword'),
    bindDn: get('bindDn'),
    bindPassword: get('bindPassword'),
    bigGroup: { dn: get('bigGroupDn'), size: Number(get('bigGroupSize')) },
  };
}

/**
 * The run's DC, or undefined after reporting that `file`'s AD tests cannot run: under CI=true a
 * failing test, locally a printed warning (then skip them: `(ad ? describe : describe.skip)`).
 */
export function testAdOrReport(file: string): TestAd | undefined {
  const why = testAdUnavailable();
  if (!why) return testAd();
  missingPrerequisite(file, `no Samba AD DC (${why}), so its Active Directory tests cannot run`, 'scripts/setup.sh --samba installs Samba 4.17; run the tests as root, with no other jest run holding the DC');
  return undefined;
}
