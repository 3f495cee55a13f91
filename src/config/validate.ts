/**
 * Turns zod's validation issues into ConfigProblems a person can act on: the field path, the
 * value found (secrets masked), what was expected, and a fix with an example where one helps.
 */
import { z } from 'zod';
import { configSchema, type Config } from './schema';
import { formatPath, showValue, type ConfigPath, type ConfigProblem } from './errors';
import { closestKey, objectKeys, schemaAt } from './schema-walk';
import { isSecretPath, maskSecrets, MASK } from './secrets';

/** Example values for fields whose expected form is not obvious from the type alone. */
const EXAMPLES: Record<string, string> = {
  'temporal.address': '127.0.0.1:7233 (or leave empty to use the stack of `zcc-sync dev up`)',
  'temporal.uiUrl': 'http://127.0.0.1:8233',
  'directory.url': 'ldaps://ldap.example.com:636',
  'directory.bindDN': 'cn=reader,ou=services,dc=example,dc=com',
  'directory.bindPassword': '${LDAP_BIND_PASSWORD}',
  'contactCenter.baseUrl': 'https://api.zoom.us/v2',
  'contactCenter.tokenUrl': 'https://zoom.us/oauth/token',
  'contactCenter.clientSecret': '${ZOOM_CLIENT_SECRET}',
  'email.from': 'zcc-sync@example.com',
  'email.admins': '[it-admins@example.com]',
  'email.password': '${SMTP_PASSWORD}',
  'email.port': '587',
  'schedule.every': '15m',
  'mappings.group': 'cn=cc-agents,ou=groups,dc=example,dc=com',
  'mappings.role': 'Agent',
  'console.listen': '127.0.0.1:8080',
  'console.tls.certFile': '/etc/zcc-sync/console.crt',
  'console.tls.keyFile': '/etc/zcc-sync/console.key',
  'console.sessionSecret': '${ZCC_CONSOLE_SESSION_SECRET} (make one with: openssl rand -base64 48)',
  'console.sessionTtl': '8h',
  'console.publicUrl': 'https://zcc-sync.example.com',
  'console.roles.viewer': '[cn=console-viewers,ou=groups,dc=example,dc=com]',
  'stateDir': '.state',
};

export type ValidationResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

export function validateConfig(raw: unknown, skipPaths: ConfigPath[] = []): ValidationResult {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  const skip = new Set(skipPaths.map(formatPath));
  const problems = result.error.issues.flatMap(issueToProblems).filter((p) => !skip.has(formatPath(p.path)));
  return { ok: false, problems };
}

function issueToProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path as Array<string | number>;
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'unrecognized_keys') {
    const valid = objectKeys(schemaAt(configSchema, path));
    return issue.keys.map((key) => unknownKey([...path, key], valid, (input as Record<string, unknown> | undefined)?.[key]));
  }
  const { expected, fix } = describeExpectation(issue, path, input);
  return [{ path, got: shownValue(input, path), expected, fix }];
}

function unknownKey(path: ConfigPath, valid: string[], value: unknown): ConfigProblem {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const where = parent.length ? `the keys of ${formatPath(parent)}` : 'the top-level sections';
  const near = closestKey(key, valid);
  // A misspelt secret key (`clientSecert`) holds a secret too: mask it when its nearest key does.
  const secret = near !== undefined && isSecretPath([...parent, near]) && value !== undefined && value !== null && value !== '';
  return {
    path,
    got: `unknown key "${key}" = ${secret ? MASK : shownValue(value, path)}`,
    expected: `one of ${where}: ${valid.join(', ')}`,
    fix: near ? `did you mean "${near}"? rename the key, or remove it` : `remove "${key}" or correct its spelling`,
  };
}

function shownValue(value: unknown, path: ConfigPath): string {
  if (isSecretPath(path) && value !== undefined && value !== null && value !== '') return MASK;
  return showValue(maskSecrets(value, path));
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a section (a YAML mapping of keys)',
  array: 'a list',
  record: 'a mapping of keys',
};

function describeExpectation(issue: z.core.$ZodIssue, path: ConfigPath, input: unknown): { expected: string; fix: string } {
  const field = formatPath(path);
  const example = exampleFor(path);
  const eg = example ? `, e.g. ${example}` : '';
  switch (issue.code) {
    case 'invalid_type': {
      const want = TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`;
      if (input === undefined) return { expected: want, fix: `add ${field} (required)${eg}` };
      return { expected: want, fix: `write ${field} as ${want}${eg}` };
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return { expected: `one of ${values}`, fix: `use one of ${values}` };
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const cmp = issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
      const expected =
        issue.origin === 'string' && issue.code === 'too_small' && Number(bound) === 1
          ? 'a non-empty string'
          : issue.origin === 'string'
            ? `a string of ${cmp} ${bound} characters`
            : issue.origin === 'array'
              ? `a list of ${cmp} ${bound} items`
              : `a number ${cmp} ${bound}`;
      return { expected, fix: `set ${field} to ${expected}${eg}` };
    }
    case 'invalid_format': {
      const expected =
        issue.format === 'email'
          ? 'an email address'
          : issue.message.startsWith('expected ')
            ? issue.message.slice('expected '.length)
            : `a string matching ${issue.pattern ?? issue.format}`;
      return { expected, fix: `set ${field} to ${expected}${eg}` };
    }
    case 'custom': {
      const expected = issue.message.replace(/^expected /, '');
      return { expected, fix: `set ${field} to ${expected}${eg}` };
    }
    case 'invalid_union':
      return { expected: 'one of the accepted forms of this field', fix: `see zcc-sync.example.yaml for ${field}${eg}` };
    default:
      return { expected: issue.message, fix: `correct ${field}${eg}` };
  }
}

/** An example for a path: from the table above (list indices ignored), else the schema's default. */
function exampleFor(path: ConfigPath): string | undefined {
  const key = path.filter((p) => typeof p === 'string').join('.');
  if (EXAMPLES[key]) return EXAMPLES[key];
  if (isSecretPath(path)) return undefined;
  const s = schemaAt(configSchema, path);
  if (s instanceof z.ZodDefault) {
    const d: unknown = s.def.defaultValue;
    if (d !== '' && d !== undefined && (typeof d !== 'object' || Array.isArray(d))) return JSON.stringify(d);
  }
  return undefined;
}
