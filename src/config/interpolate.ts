/**
 * `${VAR}` interpolation in config values, so secrets live in the environment, not in the file.
 *
 *   ${VAR}            the variable's value; an error when VAR is unset
 *   ${VAR:-default}   the variable's value, or `default` when VAR is unset or empty
 *   $${...}           a literal `${...}`
 *
 * Only string values are interpolated (after YAML parsing, so a value can never change the
 * document's structure). A value that is exactly one reference, at a field that expects a number
 * or a boolean, is converted: `port: ${SMTP_PORT}` works.
 */
import type { ConfigPath, ConfigProblem } from './errors';

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;

export type Env = Record<string, string | undefined>;

export interface InterpolationResult {
  value: unknown;
  problems: ConfigProblem[];
  /** Paths whose value was exactly one `${…}` reference (candidates for number/boolean coercion). */
  wholeReferences: ConfigPath[];
}

export function interpolateEnv(doc: unknown, env: Env): InterpolationResult {
  const problems: ConfigProblem[] = [];
  const wholeReferences: ConfigPath[] = [];

  const visit = (value: unknown, path: ConfigPath): unknown => {
    if (typeof value === 'string') return interpolateString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v, [...path, k])]));
    }
    return value;
  };

  const interpolateString = (text: string, path: ConfigPath): string => {
    if (!text.includes('${')) return text;
    if (WHOLE_REFERENCE.test(text)) wholeReferences.push(path);
    return text.replace(TOKEN, (token: string, body: string | undefined) => {
      if (token === '$${') return '${';
      if (body === undefined) {
        problems.push({
          path,
          got: JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text),
          expected: 'a closed reference ${NAME}',
          fix: 'close the reference with "}", or write $${ for a literal "${"',
        });
        return token;
      }
      const m = REFERENCE.exec(body);
      if (!m) {
        problems.push({
          path,
          got: JSON.stringify(token),
          expected: 'an environment variable reference ${NAME} or ${NAME:-default}, NAME made of letters, digits and _',
          fix: 'correct the variable name, or write $${ for a literal "${"',
        });
        return token;
      }
      const [, name, fallback] = m;
      const v = env[name];
      if (fallback !== undefined) return v === undefined || v === '' ? fallback : v;
      if (v === undefined) {
        problems.push({
          path,
          got: JSON.stringify(token),
          expected: `environment variable ${name} to be set`,
          fix: `export ${name}=... before starting zcc-sync, or give a default: \${${name}:-value}`,
        });
        return token;
      }
      return v;
    });
  };

  return { value: visit(doc, []), problems, wholeReferences };
}

/** Converts an interpolated string to the primitive its field expects, when it reads as one. */
export function coerceScalar(value: unknown, kind: 'number' | 'boolean' | 'string' | 'other'): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (kind === 'boolean' && /^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  return value;
}
