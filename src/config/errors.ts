/**
 * Config errors: every problem names the field path, the value found (secrets masked) and what
 * was expected, with a fix. One ConfigError carries all problems, so a user fixes them in one go.
 */

export type ConfigPath = ReadonlyArray<string | number>;

export interface ConfigProblem {
  path: ConfigPath;
  /** The value found, already formatted and masked ("nothing" when missing). */
  got: string;
  expected: string;
  fix: string;
}

/** `directory.url`, `mappings[0].role`; the root is shown as `(config)`. */
export function formatPath(path: ConfigPath): string {
  if (path.length === 0) return '(config)';
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

export function formatProblem(p: ConfigProblem): string {
  return `${formatPath(p.path)}: got ${p.got} — expected ${p.expected} (fix: ${p.fix})`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Where the config came from, e.g. "/etc/zcc-sync.yaml" or "embedded defaults". */
  readonly source: string;
  readonly problems: ConfigProblem[];

  constructor(source: string, problems: ConfigProblem[], headline?: string) {
    const head = headline ?? `invalid config (${source}): ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super([head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join('\n'));
    this.source = source;
    this.problems = problems;
  }
}

/** A value as shown in an error: JSON for strings and structures, cut short when long. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
