/**
 * Routes the Temporal SDK's logs (worker, workflow and activity loggers, and the native core's
 * logs) through pino, so they share its format, level and redaction. Kept apart from logger.ts:
 * importing @temporalio/worker loads the native bridge, which CLI commands that only log don't need.
 * The same Runtime serves the SDK's own Prometheus metrics when the worker asks for them
 * (worker.metrics.temporalListen): a Runtime's telemetry is fixed when it is installed.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { LogLevel as TemporalLevel } from '@temporalio/common';
import type { Logger } from './logger';

/** The Runtime this module installed; the SDK drops its Runtime when the last worker closes. */
let installedRuntime: Runtime | undefined;

const TO_TEMPORAL: Record<string, TemporalLevel> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR',
};
const TO_PINO: Record<TemporalLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
};

/**
 * Installs the Temporal Runtime with a logger that writes through `logger`. Call once per process,
 * before the first NativeConnection or Worker.create (either one creates a default Runtime).
 * Returns false when this logger's Runtime is already installed, or (logging why) another one is.
 * The SDK shuts its Runtime down when the last connection and worker close; calling this again
 * then installs a new one.
 *
 * Signal handling is left to the caller (`shutdownSignals: []`): the worker logs the signal and
 * shuts down itself, which the Runtime's own handler would do silently.
 */
export function installTemporalRuntimeLogger(logger: Logger, options: TemporalRuntimeOptions = {}): boolean {
  if (installedRuntime && Runtime._instance === installedRuntime) return false;
  const sdk = logger.child({ component: 'temporal' });
  const level = TO_TEMPORAL[logger.level] ?? 'INFO';
  // The native core is chatty below WARN; forward its debug output only when asked for.
  const core: TemporalLevel = level === 'TRACE' || level === 'DEBUG' ? level : 'WARN';
  try {
    installedRuntime = Runtime.install({
      logger: new DefaultLogger(level, (entry: LogEntry) => {
        sdk[TO_PINO[entry.level] ?? 'info']({ ...(entry.meta ?? {}) }, entry.message);
      }),
      telemetryOptions: {
        logging: { filter: { core, other: 'ERROR' }, forward: {} },
        // The SDK's own Prometheus exporter (its names and units, as Temporal's dashboards expect them).
        ...(options.metricsBindAddress ? { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } : {}),
      },
      shutdownSignals: [],
    });
  } catch (err) {
    // Asked for metrics and no Runtime installed yet: the exporter could not start (port taken).
    if (options.metricsBindAddress && !Runtime._instance) {
      throw new Error(`cannot serve the Temporal SDK's metrics on ${options.metricsBindAddress}: ${(err as Error).message} (fix: a free port in worker.metrics.temporalListen)`);
    }
    logger.warn({ err }, `Temporal runtime already installed; its logs do not go through this logger${options.metricsBindAddress ? ' and its metrics are not served' : ''}`);
    return false;
  }
  if (options.metricsBindAddress) logger.info({ address: options.metricsBindAddress }, 'Temporal SDK metrics served at /metrics');
  return true;
}

export interface TemporalRuntimeOptions {
  /** host:port where the SDK serves its Prometheus metrics (worker.metrics.temporalListen); absent: none. */
  metricsBindAddress?: string;
}
