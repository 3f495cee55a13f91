/**
 * Routes the Temporal SDK's logs (worker, workflow and activity loggers, and the native core's
 * logs) through pino, so they share its format, level and redaction. Kept apart from logger.ts:
 * importing @temporalio/worker loads the native bridge, which CLI commands that only log don't need.
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
export function installTemporalRuntimeLogger(logger: Logger): boolean {
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
      telemetryOptions: { logging: { filter: { core, other: 'ERROR' }, forward: {} } },
      shutdownSignals: [],
    });
  } catch (err) {
    logger.warn({ err }, 'Temporal runtime already installed; its logs do not go through this logger');
    return false;
  }
  return true;
}
