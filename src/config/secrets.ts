/**
 * Which config values are secrets, and how to hide them. Shared by the config errors (masking)
 * and the logger (redaction), so both agree on what a secret is.
 */
import { SECRET_PATHS } from './schema';

/** Key names that hold a secret wherever they appear (config, HTTP headers, token responses). */
// Matched at the end of the key, loosely, so a misspelt key (`bindPasword`) is still masked while
// `tokenUrl` or `passwordMinLength`-like names ending in something else are not.
const SECRET_KEY = /(pas+\w*|pwd|secret|token|api[-_]?key|authorization|credentials?|private[-_]?key)$/i;

export const MASK = '****';

export function isSecretKey(key: string | number | undefined): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key);
}

/** True for a config path (e.g. ['directory', 'bindPassword']) whose value must never be shown. */
export function isSecretPath(path: ReadonlyArray<string | number>): boolean {
  const dotted = path.filter((p) => typeof p === 'string').join('.');
  return (SECRET_PATHS as readonly string[]).includes(dotted) || isSecretKey(path[path.length - 1]);
}

/** A deep copy of `value` with every secret-named key's value replaced by the mask. */
export function maskSecrets(value: unknown, path: ReadonlyArray<string | number> = []): unknown {
  if (path.length > 0 && isSecretPath(path) && value !== undefined && value !== null && value !== '') return MASK;
  if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, [...path, k])]));
  }
  return value;
}

/**
 * Every non-empty string held at a secret path of a (raw or parsed) config: the values that
 * `redactSecrets` scrubs from free text such as error messages from LDAP, SMTP or Zoom.
 */
export function collectSecretValues(value: unknown, path: ReadonlyArray<string | number> = []): string[] {
  if (typeof value === 'string') return path.length > 0 && isSecretPath(path) && value.length > 0 ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => collectSecretValues(v, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => collectSecretValues(v, [...path, k]));
  }
  return [];
}
