/**
 * Loads the one config file: found by `--config`, else `ZCC_SYNC_CONFIG`, else `./zcc-sync.yaml`,
 * else the embedded defaults (which point at the stack of `zcc-sync dev up`). YAML, `${ENV}`
 * interpolation, then validation; every problem is reported at once in a ConfigError.
 *
 * Relative paths in the file (stateDir, TLS files, the SQLite file) are relative to the file's
 * directory, so a config works the same whatever directory a command is started from.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';
import { configSchema, type Config } from './schema';
import { ConfigError, type ConfigPath, type ConfigProblem } from './errors';
import { coerceScalar, interpolateEnv, type Env } from './interpolate';
import { validateConfig } from './validate';
import { primitiveKind, schemaAt } from './schema-walk';
import { collectSecretValues } from './secrets';
import { redactSecrets } from '../log/redact';

export const DEFAULT_CONFIG_FILE = 'zcc-sync.yaml';
export const CONFIG_ENV_VAR = 'ZCC_SYNC_CONFIG';

export interface LoadConfigOptions {
  /** An explicit file (the `--config` option): it must exist. */
  path?: string;
  /** Environment for `ZCC_SYNC_CONFIG` and `${VAR}` references; default process.env. */
  env?: Env;
  /** Directory `./zcc-sync.yaml` is looked for in; default process.cwd(). */
  cwd?: string;
}

export interface ConfigSource {
  kind: 'flag' | 'env' | 'default' | 'dev-stack' | 'embedded';
  /** Absolute file path; absent for the embedded defaults. */
  file?: string;
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
  /** For messages: the file path, or "embedded defaults". */
  description: string;
}

export interface LoadedConfig {
  config: Config;
  source: ConfigSource;
}

/** Which config file to read, in the documented order; throws when a named file is missing. */
export function resolveConfigSource(opts: LoadConfigOptions = {}): ConfigSource {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const named: Array<[ConfigSource['kind'], string | undefined, string]> = [
    ['flag', opts.path, '--config'],
    ['env', env[CONFIG_ENV_VAR] || undefined, CONFIG_ENV_VAR],
  ];
  for (const [kind, given, via] of named) {
    if (!given) continue;
    const file = path.resolve(cwd, given);
    if (!fs.existsSync(file)) {
      throw new ConfigError(file, [
        {
          path: [],
          got: `${via} ${JSON.stringify(given)}, which does not exist`,
          expected: 'the path of a readable YAML config file',
          fix: `correct the path given by ${via}, or copy zcc-sync.example.yaml to ${file}`,
        },
      ], `config file not found: ${file} (from ${via})`);
    }
    return { kind, file, baseDir: path.dirname(file), description: file };
  }
  const dflt = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  if (fs.existsSync(dflt)) return { kind: 'default', file: dflt, baseDir: cwd, description: dflt };
  // After `zcc-sync dev up` (default state dir), its generated config is the natural default:
  // every command then talks to the running demo stack without --config.
  const devConfig = path.resolve(cwd, '.state', 'dev', DEFAULT_CONFIG_FILE);
  if (fs.existsSync(devConfig)) return { kind: 'dev-stack', file: devConfig, baseDir: path.dirname(devConfig), description: devConfig };
  return { kind: 'embedded', baseDir: cwd, description: 'embedded defaults' };
}

export function loadConfigWithSource(opts: LoadConfigOptions = {}): LoadedConfig {
  const source = resolveConfigSource(opts);
  let text = '';
  if (source.file) {
    try {
      text = fs.readFileSync(source.file, 'utf8');
    } catch (err) {
      throw new ConfigError(source.description, [
        { path: [], got: `an unreadable file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, expected: 'a readable YAML file', fix: `check the permissions of ${source.file}` },
      ]);
    }
  }
  return { config: parseConfigText(text, { env: opts.env, source }), source };
}

/** Resolution `--config` → ZCC_SYNC_CONFIG → ./zcc-sync.yaml → ./.state/dev/zcc-sync.yaml (dev up) → embedded defaults. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  return loadConfigWithSource(opts).config;
}

/** Parses and validates config text (YAML). Exposed for tests and for configs not on disk. */
export function parseConfigText(text: string, opts: { env?: Env; source?: ConfigSource } = {}): Config {
  const env = opts.env ?? process.env;
  const source = opts.source ?? { kind: 'embedded', baseDir: process.cwd(), description: 'config text' };

  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    // Only the first line of a YAML error, without its position suffix: later lines quote the
    // file, which may hold a secret.
    const seen = new Set<string>();
    const problems: ConfigProblem[] = [];
    for (const e of doc.errors) {
      const where = `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}`;
      const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      if (seen.has(where + what)) continue;
      seen.add(where + what);
      problems.push({
        path: [],
        got: `invalid YAML at ${where} (${what})`,
        expected: 'valid YAML',
        fix: 'correct the YAML syntax there (indent with spaces; quote values that contain ": " or start with a special character)',
      });
    }
    throw new ConfigError(source.description, problems);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source.description, [
      { path: [], got: Array.isArray(raw) ? 'a list' : JSON.stringify(raw), expected: 'a YAML mapping of sections (temporal:, directory:, …)', fix: 'start from zcc-sync.example.yaml' },
    ]);
  }

  const interpolated = interpolateEnv(raw, env);
  const value = interpolated.value as Record<string, unknown>;
  for (const p of interpolated.wholeReferences) setAt(value, p, coerceScalar(getAt(value, p), primitiveKind(schemaAt(configSchema, p))));

  const validated = validateConfig(value, interpolated.problems.map((p) => p.path));
  const problems = [...interpolated.problems, ...(validated.ok ? [] : validated.problems)];
  if (problems.length > 0 || !validated.ok) {
    // Unresolved `${VAR}` references are not secrets: they are what the message must show.
    const resolved = structuredClone(value);
    for (const p of interpolated.problems) setAt(resolved, p.path, undefined);
    const secrets = collectSecretValues(resolved);
    throw new ConfigError(source.description, problems.map((p) => scrubProblem(p, secrets)));
  }
  return resolvePaths(validated.config, source.baseDir);
}

/** A config path is absolute, `~/…` (home), or relative to the config file's directory. */
export function resolveConfigRelative(p: string, baseDir: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return path.resolve(baseDir, p);
}

/** The state directory, absolute: where the dev stack, the SQLite store and caches live. */
export function resolveStateDir(stateDir: string, baseDir: string): string {
  return resolveConfigRelative(stateDir, baseDir);
}

function resolvePaths(config: Config, baseDir: string): Config {
  const rel = (p: string | undefined) => (p ? resolveConfigRelative(p, baseDir) : p);
  const out: Config = { ...config, stateDir: resolveStateDir(config.stateDir, baseDir) };
  if (config.temporal.tls) {
    const t = config.temporal.tls;
    out.temporal = { ...config.temporal, tls: { ...t, caFile: rel(t.caFile), certFile: rel(t.certFile), keyFile: rel(t.keyFile) } };
  }
  if (config.directory.tlsCaFile) out.directory = { ...config.directory, tlsCaFile: rel(config.directory.tlsCaFile) };
  if (config.store.client === 'sqlite3' && config.store.connection !== undefined) {
    const c = config.store.connection;
    const isFile = (f: unknown): f is string => typeof f === 'string' && f !== ':memory:' && !f.startsWith('file:');
    if (isFile(c)) out.store = { ...config.store, connection: rel(c) };
    else if (typeof c === 'object' && isFile(c.filename)) out.store = { ...config.store, connection: { ...c, filename: rel(c.filename) } };
  }
  return out;
}

function scrubProblem(p: ConfigProblem, secrets: string[]): ConfigProblem {
  return { ...p, got: redactSecrets(p.got, secrets, '****'), expected: redactSecrets(p.expected, secrets, '****'), fix: redactSecrets(p.fix, secrets, '****') };
}

function getAt(obj: unknown, p: ConfigPath): unknown {
  return p.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined), obj);
}

function setAt(obj: Record<string, unknown>, p: ConfigPath, v: unknown): void {
  if (p.length === 0) return;
  const parent = getAt(obj, p.slice(0, -1));
  if (parent && typeof parent === 'object') (parent as Record<string | number, unknown>)[p[p.length - 1]] = v;
}
