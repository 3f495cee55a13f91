/**
 * What `zcc-sync audit` does (its options: client/commands/audit.ts): validates every flag (exit
 * 2 naming the flag, the value and the fix), then streams the matching audit rows from the store
 * (src/store/audit.ts streamAudit, a page at a time) to stdout row by row, waiting whenever the
 * reader is slower than the store. Memory stays flat whatever the size of the log.
 */
import { EXIT_BAD_INPUT, fail, loadConfigOrExit, type ConfigOptions } from '../common';
import { streamAudit, type AuditFilters, type AuditRow } from '../../src/store/audit';
import { closeStore, openStore, type Store } from '../../src/store/db';
import { findRun, runIdsWithPrefix } from '../../src/store/runs';
import { OP_ORDER } from '../../src/domain/types';

export interface AuditOptions extends ConfigOptions {
  user?: string;
  run?: string;
  since?: string;
  until?: string;
  op?: string;
  actor?: string;
  format?: string;
  json?: boolean;
}

export type AuditFormat = 'table' | 'json' | 'csv';

/** What the audit log records: the apply engine's op kinds, and decisions on held runs. */
export const AUDIT_OPS: string[] = [...OP_ORDER, 'approve', 'reject'];

const AGE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const DAY_MS = 86_400_000;
const TIME_FORMS = 'an ISO date or time such as 2026-12-01, 2026-12-01T08:00Z or 2026-12-01T09:00:00+01:00 (UTC unless it has an offset), or an age such as 90m, 24h or 7d';

/**
 * A --since/--until value as an ISO time (UTC, milliseconds: the form the store writes).
 * Strict: Date.parse takes 2026-02-30 for March 2, and a time without offset as local time.
 * A date alone given to --until means the end of that day (`--until 2026-12-01` includes it).
 */
export function parseTimeFlag(flag: '--since' | '--until', value: string, now: Date): string {
  const bad = (why = '') => fail(`${flag}: got "${value}"${why} — expected ${TIME_FORMS} (fix: e.g. ${flag} 24h or ${flag} 2026-12-01)`, EXIT_BAD_INPUT);
  const v = value.trim();
  const age = /^(\d+)(s|m|h|d|w)$/.exec(v);
  if (age) return new Date(now.getTime() - Number(age[1]) * AGE_UNIT_MS[age[2]]).toISOString();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(v);
  if (!m) return bad();
  const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1, 8);
  const n = (x: string) => Number(x);
  const utc = Date.UTC(n(y), n(mo) - 1, n(d), n(h), n(mi), n(s), n(ms.padEnd(3, '0')));
  const t = new Date(utc);
  // Round trip: a day or time out of range (2026-02-30, 25:00) comes back changed.
  if (t.getUTCFullYear() !== n(y) || t.getUTCMonth() !== n(mo) - 1 || t.getUTCDate() !== n(d) || t.getUTCHours() !== n(h) || t.getUTCMinutes() !== n(mi) || t.getUTCSeconds() !== n(s)) {
    return bad(' (no such date or time)');
  }
  let offsetMs = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    if (n(z[2]) > 14 || n(z[3]) > 59) return bad(' (no such offset)');
    offsetMs = (z[1] === '-' ? -1 : 1) * (n(z[2]) * 60 + n(z[3])) * 60_000;
  }
  const dateOnly = m[4] === undefined;
  return new Date(utc - offsetMs + (dateOnly && flag === '--until' ? DAY_MS : 0)).toISOString();
}

/** The filters of every flag but --run (which needs the store), validated; bad input exits 2. */
export function parseAuditFlags(opts: AuditOptions, now: Date): { filters: AuditFilters; format: AuditFormat } {
  const filters: AuditFilters = {};
  if (opts.user !== undefined) {
    const email = opts.user.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) fail(`--user: got "${opts.user}" — expected an email address such as ann.lee@example.com`);
    filters.email = email;
  }
  if (opts.op !== undefined) {
    const ops = opts.op.split(',').map((o) => o.trim()).filter(Boolean);
    const unknown = ops.filter((o) => !AUDIT_OPS.includes(o));
    if (ops.length === 0 || unknown.length) fail(`--op: got "${opts.op}" — ${unknown.length ? `unknown op ${unknown.map((u) => `"${u}"`).join(', ')}; ` : ''}expected one or more of ${AUDIT_OPS.join(', ')}, comma-separated`);
    filters.ops = ops;
  }
  if (opts.actor !== undefined) {
    const actor = opts.actor.trim();
    if (!actor) fail('--actor: got "" — expected a name such as schedule, cli:alice, console:alice or alice');
    // What a person asked for is recorded as `cli:NAME` or `console:NAME`, approvals and
    // console schedule actions as the plain NAME: a person's name finds all three; `schedule`
    // and an explicit `cli:NAME` or `console:NAME` match only themselves.
    filters.actors = /^(cli|console):/.test(actor) || actor === 'schedule' ? [actor] : [actor, `cli:${actor}`, `console:${actor}`];
  }
  if (opts.since !== undefined) filters.since = parseTimeFlag('--since', opts.since, now);
  if (opts.until !== undefined) filters.until = parseTimeFlag('--until', opts.until, now);
  if (filters.since && filters.until && filters.since >= filters.until) {
    fail(`--since ${opts.since} is not before --until ${opts.until} (${filters.since} ≥ ${filters.until}): nothing could match (fix: swap them, or widen the window)`);
  }
  const given = opts.format?.trim().toLowerCase();
  if (given !== undefined && !['table', 'json', 'csv'].includes(given)) fail(`--format: got "${opts.format}" — expected table, json or csv`);
  if (opts.json && given !== undefined && given !== 'json') fail(`--json and --format ${given} ask for two formats (fix: give one of them)`);
  const format = (given ?? (opts.json ? 'json' : 'table')) as AuditFormat;
  return { filters, format };
}

/**
 * Writes text to a stream in chunks of ~64 KB (one write per row would be a syscall per row),
 * and waits for 'drain' whenever the stream's buffer is full: a slow reader (a pipe into
 * `less`, gzip, a network copy) slows the export down instead of filling memory.
 */
export class StreamWriter {
  private buf = '';
  closed = false;

  constructor(private readonly stream: NodeJS.WritableStream, private readonly chunkChars = 64 * 1024) {
    stream.once('close', () => (this.closed = true));
  }

  async write(text: string): Promise<void> {
    this.buf += text;
    if (this.buf.length >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buf || this.closed) return;
    const chunk = this.buf;
    this.buf = '';
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }
}

/** One output format: a header, each row, an ending (and what to print when nothing matched). */
interface Formatter {
  start(): string;
  row(r: AuditRow, first: boolean): string;
  end(count: number): string;
}

const CSV_COLUMNS = ['id', 'at', 'run_id', 'actor', 'email', 'op', 'result', 'error', 'before', 'after'] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled; lines end CRLF. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** `before`/`after` are the op's JSON texts: embedded as JSON values, or as strings if not JSON. */
function jsonValue(text: string | null): string {
  if (text === null) return 'null';
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what a one-line table cell must not hold
const CONTROL = /[\u0000-\u001f\u007f]+/g;

/** Table cells stay on one line and in their column: control characters become spaces, long values end in "…". */
function cell(v: string, width: number): string {
  const s = v.replace(CONTROL, ' ');
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

/** Run ids of admin jobs are long (zcc-sync-assign-<uuid>): cut, they still work as a unique prefix. */
const TABLE_COLUMNS: Array<[string, number]> = [['AT', 24], ['RUN', 26], ['ACTOR', 16], ['EMAIL', 32], ['OP', 11], ['RESULT', 16]];

const FORMATTERS: Record<AuditFormat, Formatter> = {
  csv: {
    start: () => `${CSV_COLUMNS.join(',')}\r\n`,
    row: (r) => `${CSV_COLUMNS.map((c) => csvField(r[c])).join(',')}\r\n`,
    end: () => '',
  },
  json: {
    start: () => '[',
    row: (r, first) =>
      `${first ? '\n' : ',\n'}  {"id":${r.id},"at":${JSON.stringify(r.at)},"runId":${JSON.stringify(r.run_id)},"actor":${JSON.stringify(r.actor)},` +
      `"email":${JSON.stringify(r.email)},"op":${JSON.stringify(r.op)},"result":${JSON.stringify(r.result)},"error":${JSON.stringify(r.error)},` +
      `"before":${jsonValue(r.before)},"after":${jsonValue(r.after)}}`,
    end: (count) => (count ? '\n]\n' : ']\n'),
  },
  table: {
    start: () => `${TABLE_COLUMNS.map(([h, w]) => h.padEnd(w)).join(' ')} DETAIL\n`,
    row: (r) => {
      const detail = r.error ? `error: ${r.error}` : [r.before, r.after].some((x) => x !== null) ? `${r.before ?? '-'} → ${r.after ?? '-'}` : '';
      const cells = [r.at.replace('T', ' '), r.run_id, r.actor, r.email, r.op, r.result];
      return `${cells.map((c, i) => cell(c, TABLE_COLUMNS[i][1])).join(' ')} ${detail.replace(CONTROL, ' ')}\n`;
    },
    end: (count) => (count ? '' : '(no audit entries match)\n'),
  },
};

/** Streams the rows that match to `out` in a format; returns how many there were. */
export async function writeAudit(db: Store, filters: AuditFilters, format: AuditFormat, out: NodeJS.WritableStream): Promise<number> {
  const f = FORMATTERS[format];
  const w = new StreamWriter(out);
  await w.write(f.start());
  let count = 0;
  for await (const row of streamAudit(db, filters)) {
    await w.write(f.row(row, count === 0));
    count++;
    if (w.closed) return count; // the reader went away (`| head`): stop reading the store
  }
  await w.write(f.end(count));
  await w.flush();
  return count;
}

export async function audit(opts: AuditOptions): Promise<void> {
  const { filters, format } = parseAuditFlags(opts, new Date());
  const { config } = loadConfigOrExit(opts);
  const db = await openStore(config);
  try {
    if (opts.run !== undefined) {
      const ref = opts.run.trim();
      const run = ref ? await findRun(db, ref) : null;
      if (!run) {
        const matches = ref ? await runIdsWithPrefix(db, ref, 4) : [];
        if (matches.length > 1) fail(`--run: got "${opts.run}" — a prefix of several runs (${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ', …' : ''}) (fix: give more of the id)`);
        fail(`--run: got "${opts.run}" — no run has that id, unique id prefix or workflow id (fix: pick one from \`zcc-sync runs list\`)`);
      }
      filters.runId = run.id;
    }
    await writeAudit(db, filters, format, process.stdout);
  } finally {
    await closeStore(db);
  }
}
