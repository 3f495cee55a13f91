/**
 * The daemon: connects to Temporal, registers the workflows and activities on the task queue,
 * and runs until SIGINT/SIGTERM (or an abort signal). Shutdown is graceful: the worker stops
 * polling, lets in-flight activities finish for up to 30 s, then cancels the rest, which Temporal
 * retries on another worker (or on this one after a restart). Store and connection close last.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../activities';
import type { Config } from '../src/config/schema';
import { createConfigLogger, type Logger } from '../src/log/logger';
import { installTemporalRuntimeLogger } from '../src/log/temporal-runtime';
import { connectTemporal, resolveTemporalAddress } from '../src/temporal/connection';
import { createWorkerDeps } from './deps';
import { startMemoryReclaimer } from './memory-reclaimer';
import { startMonitoring, type Monitoring } from './monitoring';
import { bundleFromSource, findPrebuiltBundle } from './workflow-bundle';

/** How long in-flight activities get to finish after a shutdown request. */
export const SHUTDOWN_GRACE_TIME = '30s';

export interface RunWorkerOptions {
  config: Config;
  /** A prebuilt workflow bundle (bundleWorkflowCode output): skips webpack at start (tests, CI). */
  workflowBundlePath?: string;
  /** Aborting it shuts the worker down gracefully (tests, embedding). */
  signal?: AbortSignal;
  logger?: Logger;
  /** Shut down on SIGINT/SIGTERM (default true; a second signal exits at once). */
  handleSignals?: boolean;
  /** Called once the worker polls its task queue. */
  onRunning?: (worker: Worker) => void;
  /** Replaces activities by name (tests: a slow activity to observe shutdown). */
  activityOverrides?: Partial<Activities>;
  /** How often the staleness alarm checks (default 30 s; tests pass less). */
  stalenessCheckMs?: number;
}

/** Where the workflow code is: the compiled or source `workflows/` next to this folder. */
function workflowsPath(): string {
  try {
    return require.resolve('../workflows');
  } catch {
    throw new Error('workflows/index is missing: the worker has no workflows to register (fix: npm run build, or pass a workflow bundle)');
  }
}

/**
 * The workflow code to run: the bundle asked for; else the one `npm run build` wrote next to the
 * compiled code, when it still matches that code; else the workflows bundled now (webpack: 1.2-3 s
 * of CPU here, which a worker with the prebuilt bundle does not spend).
 */
async function workflowBundle(opts: RunWorkerOptions, log: Logger): Promise<{ codePath: string } | { code: string }> {
  if (opts.workflowBundlePath) return { codePath: opts.workflowBundlePath };
  const prebuilt = findPrebuiltBundle(path.join(__dirname, '..'));
  if (prebuilt && 'codePath' in prebuilt) {
    log.debug({ bundle: prebuilt.codePath }, 'using the prebuilt workflow bundle');
    return prebuilt;
  }
  const started = Date.now();
  const code = await bundleFromSource(workflowsPath(), log);
  const why = prebuilt ? `the prebuilt bundle is out of date: ${prebuilt.stale}` : 'no prebuilt bundle';
  log.info({ ms: Date.now() - started }, `workflows bundled at start (${why}; \`npm run build\` makes one)`);
  return { code };
}

export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  const { config } = opts;
  const log = opts.logger ?? createConfigLogger(config, { name: 'zcc-sync-worker' });

  const address = resolveTemporalAddress(config); // fails early, with the fix, when no server is known
  if (opts.workflowBundlePath && !fs.existsSync(opts.workflowBundlePath)) {
    throw new Error(`workflow bundle ${opts.workflowBundlePath} does not exist`);
  }
  if (opts.signal?.aborted) return;

  const { deps, mailer, close } = await createWorkerDeps(config, log);
  let connection: NativeConnection | undefined;
  let monitoring: Monitoring | undefined;
  const cleanups: Array<() => void> = [];
  try {
    // Metrics, /healthz, /readyz (when configured) and the staleness alarm: up before Temporal,
    // so /readyz can say that Temporal is what is missing.
    monitoring = await startMonitoring({ config, db: deps.db, mailer, logger: log, stalenessCheckMs: opts.stalenessCheckMs });
    // Installed right before the first native object: a Runtime that no connection ever uses is
    // never shut down by the SDK, and would keep the process alive.
    installTemporalRuntimeLogger(log, { metricsBindAddress: config.worker.metrics.temporalListen });
    try {
      connection = await connectTemporal(config, 'worker');
    } catch (err) {
      throw new Error(`cannot connect to Temporal at ${address}: ${(err as Error).message} (fix: check temporal.address, TLS and API key, or run \`zcc-sync dev up\`)`);
    }
    monitoring.attach({ connection });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: await workflowBundle(opts, log),
      activities: { ...createActivities(deps), ...opts.activityOverrides },
      shutdownGraceTime: SHUTDOWN_GRACE_TIME,
      // Workflows here only orchestrate (a few per task queue): one workflow thread is plenty,
      // and each extra thread is another V8 isolate holding the bundle.
      workflowThreadPoolSize: 1,
    });
    monitoring.attach({ worker });
    const reclaimer = startMemoryReclaimer();
    cleanups.push(() => reclaimer.stop());

    const stop = (reason: string) => {
      if (worker.getState() !== 'RUNNING') return;
      log.info({ reason, graceTime: SHUTDOWN_GRACE_TIME }, 'worker shutting down: finishing in-flight tasks');
      worker.shutdown();
    };
    if (opts.signal) {
      const onAbort = () => stop('aborted');
      opts.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => opts.signal?.removeEventListener('abort', onAbort));
    }
    if (opts.handleSignals !== false) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        const onSignal = () => {
          if (worker.getState() === 'RUNNING') return stop(sig);
          log.warn({ signal: sig }, 'second signal: exiting without waiting for in-flight activities (Temporal retries them)');
          process.exit(130);
        };
        process.on(sig, onSignal);
        cleanups.push(() => process.off(sig, onSignal));
      }
    }

    const running = worker.run();
    if (opts.signal?.aborted) stop('aborted');
    log.info({ address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue }, 'worker running');
    opts.onRunning?.(worker);
    await running;
    log.info({ fullCollections: reclaimer.collections() }, 'worker stopped');
  } finally {
    for (const c of cleanups) c();
    await monitoring?.stop().catch((err: unknown) => log.warn({ err }, 'stopping the metrics listener failed'));
    await connection?.close().catch((err: unknown) => log.warn({ err }, 'closing the Temporal connection failed'));
    await close().catch((err: unknown) => log.warn({ err }, 'closing the store failed'));
  }
}
