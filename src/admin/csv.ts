/**
 * The users CSV of `users assign|edit|remove --file`: a header line, then one user per line.
 *
 *   email,role,package,queues
 *   ana@example.com,Agent,premium,Sales;Support
 *
 * `email` is required; the other columns are optional and per row (an empty or missing cell means
 * "use the command-line value"); `queues` is `;`-separated. Every problem names the file, the line and the
 * column, so a 5,000-line file can be fixed without guessing. Checks that need ZCC (do these
 * roles exist?) are done later by validate.ts, which still knows each value's line.
 */
import { parse } from 'csv-parse/sync';

export const CSV_COLUMNS = ['email', 'role', 'package', 'queues'] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export interface CsvRow {
  /** 1-based line of the row in the file. */
  line: number;
  email: string;
  role?: string;
  package?: string;
  queues?: string[];
}

export interface CsvResult {
  rows: CsvRow[];
  /** 1-based column number of each header present. */
  columns: Partial<Record<CsvColumn, number>>;
  problems: string[];
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

interface CsvParseError extends Error {
  code?: string;
  lines?: number;
  index?: number;
  column?: string | number | null;
  record?: unknown[];
}

/**
 * Parses the text of a users CSV. `allowed` are the optional columns the command uses (a column it
 * does not use is refused rather than silently ignored, unless listed in `ignored`).
 */
export function parseUsersCsv(
  text: string,
  file: string,
  opts: { allowed?: readonly CsvColumn[]; ignored?: readonly CsvColumn[]; command?: string } = {},
): CsvResult {
  const allowed = new Set<string>(['email', ...(opts.allowed ?? CSV_COLUMNS)]);
  const ignored = new Set<string>(opts.ignored ?? []);
  const problems: string[] = [];
  const at = (line: number, column?: number, name?: string) =>
    `${file}: line ${line}${column !== undefined ? `, column ${column}${name ? ` (${name})` : ''}` : ''}`;

  let records: ParsedRecord[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, trim: true, relax_column_count_less: true }) as unknown as ParsedRecord[];
  } catch (err) {
    const e = err as CsvParseError;
    const line = e.lines ?? 1;
    const headerFields = expectedFields(e);
    // A row with too many fields: point at the first field the header does not have.
    const column = headerFields ? headerFields + 1 : typeof e.index === 'number' ? e.index + 1 : undefined;
    problems.push(`${at(line, column)}: ${csvMessage(e)}`);
    return { rows: [], columns: {}, problems };
  }
  if (records.length === 0) {
    problems.push(`${file}: the file is empty; expected a header line such as "email,role,package,queues" and one user per line`);
    return { rows: [], columns: {}, problems };
  }

  const [header, ...body] = records;
  const columns: Partial<Record<CsvColumn, number>> = {};
  const used: Array<CsvColumn | null> = [];
  header.record.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    const col = i + 1;
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      problems.push(`${at(header.info.lines, col)}: unknown column "${raw}"; valid columns: ${[...allowed].join(', ')}`);
      used.push(null);
    } else if (columns[name as CsvColumn] !== undefined) {
      problems.push(`${at(header.info.lines, col)}: column "${name}" appears twice (also column ${columns[name as CsvColumn]})`);
      used.push(null);
    } else if (!allowed.has(name) && !ignored.has(name)) {
      problems.push(`${at(header.info.lines, col)}: column "${name}" is not used by ${opts.command ?? 'this command'}; valid columns: ${[...allowed].join(', ')}`);
      used.push(null);
    } else {
      columns[name as CsvColumn] = col;
      used.push(ignored.has(name) ? null : (name as CsvColumn));
    }
  });
  if (columns.email === undefined) {
    problems.push(`${at(header.info.lines)}: the header has no "email" column (got "${header.record.join(',')}"); the first line must name the columns, e.g. "email,role,package,queues"`);
    return { rows: [], columns, problems };
  }

  const rows: CsvRow[] = [];
  for (const { record, info } of body) {
    const row: CsvRow = { line: info.lines, email: '' };
    record.forEach((value, i) => {
      const name = used[i];
      const v = value.trim();
      if (!name || v === '') return;
      if (name === 'email') row.email = v;
      else if (name === 'queues') {
        const queues = v.split(';').map((q) => q.trim()).filter(Boolean);
        if (queues.length) row.queues = queues;
      } else row[name] = v;
    });
    if (row.email === '') {
      problems.push(`${at(info.lines, columns.email, 'email')}: the email is empty; every row needs one`);
      continue;
    }
    rows.push(row);
  }
  if (rows.length === 0 && problems.length === 0) {
    problems.push(`${file}: no users: the file has a header but no rows`);
  }
  return { rows, columns, problems };
}

/** csv-parse's message, made specific for the mistakes people make most. */
function csvMessage(e: CsvParseError): string {
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${e.record?.length ?? e.message.match(/got (\d+)/)?.[1] ?? 'more'} fields where the header has ${expectedFields(e) ?? 'fewer'} (quote a value that contains a comma, e.g. "a,b")`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted value is never closed (a " without its closing ")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text after a closing quote (inside a quoted value, write a quote as "")';
    default:
      return e.message;
  }
}

/** The header's field count from a "too many fields" error (csv-parse words it two ways). */
function expectedFields(e: CsvParseError): number | undefined {
  if (e.code !== 'CSV_RECORD_INCONSISTENT_COLUMNS' && e.code !== 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') return undefined;
  const n = Number(e.message.match(/(?:columns length is|expect) (\d+)/)?.[1]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
