/**
 * The one logger of zcc-sync: pino, JSON lines by default (for log shippers), pretty when the
 * output is a terminal. Secrets are kept out twice over: pino's `redact` hides every field named
 * like a secret at any usual depth, and each line is scrubbed of the configured secret values
 * (which catches a password echoed inside a library's error message).
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config/schema';
import { collectSecretValues } from '../config/secrets';
import { REDACTED, secretScrubber } from './redact';

export { redactSecrets, REDACTED } from './redact';
export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Field names whose values are secrets wherever they appear in a log object. */
export const SECRET_FIELD_NAMES = [
  'bindPassword', 'clientSecret', 'client_secret', 'password', 'pass', 'apiKey', 'api_key',
  'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'secret',
  'authorization', 'Authorization', 'cookie', 'Cookie',
] as const;

/** Nesting depth covered by the path redaction (e.g. `config.directory.bindPassword` is depth 3). */
const REDACT_DEPTH = 5;

/** pino redact paths: each secret field name at the top level and under up to REDACT_DEPTH-1 levels. */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth < REDACT_DEPTH; depth++) {
    const prefix = '*.'.repeat(depth);
    for (const name of SECRET_FIELD_NAMES) paths.push(`${prefix}${name}`);
    // Header names that are not identifiers need the bracket form.
    if (depth < REDACT_DEPTH - 1) paths.push(`${prefix}headers["x-api-key"]`, `${prefix}headers["proxy-authorization"]`);
  }
  return paths;
}

export interface LoggerOptions {
  /** Level from config (`log.level`); `LOG_LEVEL` in the environment overrides it. */
  level?: LogLevel;
  env?: Record<string, string | undefined>;
  /** Pretty output; default: when the destination is a TTY, unless `LOG_FORMAT=json`. */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream | DestinationStream;
  /** Secret values to scrub from every line (see `collectSecretValues`). */
  secrets?: string[];
  name?: string;
  /** Fields on every line (default: pid, hostname). */
  base?: Record<string, unknown>;
}

export function resolveLevel(configured: LogLevel | undefined, env: Record<string, string | undefined>): LogLevel {
  const fromEnv = env.LOG_LEVEL?.toLowerCase();
  if (fromEnv && (LEVELS as readonly string[]).includes(fromEnv)) return fromEnv as LogLevel;
  return configured ?? 'info';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const level = resolveLevel(opts.level, env);
  const dest = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const isTty = opts.destination ? Boolean((opts.destination as { isTTY?: boolean }).isTTY) : Boolean(process.stdout.isTTY);
  const usePretty = opts.pretty ?? (isTty && env.LOG_FORMAT !== 'json');

  const sink: DestinationStream = usePretty
    ? pretty({ destination: dest as NodeJS.WritableStream, sync: true, colorize: isTty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : (dest as DestinationStream);
  const stream = scrubbingStream(sink, secretScrubber(opts.secrets ?? []));

  return pino(
    {
      level,
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.base ? { base: opts.base } : {}),
      redact: { paths: redactPaths(), censor: REDACTED },
      // Errors keep their message and stack; the scrubber then removes any secret inside them.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    stream,
  );
}

/** The logger for a loaded config: its level, and its secret values scrubbed from every line. */
export function createConfigLogger(config: Config, opts: Omit<LoggerOptions, 'level' | 'secrets'> & { secrets?: string[] } = {}): Logger {
  return createLogger({ ...opts, level: config.log.level, secrets: [...collectSecretValues(config), ...(opts.secrets ?? [])] });
}

/** Wraps a destination so each serialized line passes through `scrub` before it is written. */
function scrubbingStream(target: DestinationStream, scrub: (line: string) => string): DestinationStream {
  const t = target as DestinationStream & { flushSync?: () => void; flush?: (cb?: () => void) => void; end?: () => void };
  return {
    write: (line: string) => t.write(scrub(line)),
    flushSync: () => t.flushSync?.(),
    flush: (cb?: () => void) => (t.flush ? t.flush(cb) : cb?.()),
    end: () => t.end?.(),
  } as DestinationStream;
}
