/**
 * Validation of an admin request before anything starts (`users assign|edit|remove`).
 *
 * Two steps, so bad input costs no API call:
 *   checkRequest   — local: emails, CSV, duplicates, empty selection, packages, --status,
 *                    --set fields and values, what each command requires;
 *   resolveRequest — names against what exists in ZCC (roles, queues, fetched by the CLI):
 *                    unknown names are listed with the names that exist; known names are
 *                    rewritten to ZCC's spelling, so later steps compare exact names.
 * Each problem says where the value came from (flag, argument, or CSV file/line/column).
 */
import { PACKAGES, type PackageName, type UserSettings } from '../config/schema';
import { parseUsersCsv, type CsvColumn } from './csv';
import { readSetFields } from './set-fields';
import { AdminInputError, type ItemParams, type JobKind, type JobParams, type JobRequest } from './types';

export interface RawRequest {
  kind: JobKind;
  /** EMAIL arguments. */
  emails: string[];
  /** `--file`: its name (for messages) and text. */
  csv?: { file: string; text: string };
  role?: string;
  package?: string;
  /** assign: `--queue` (repeatable). */
  queues?: string[];
  /** `--set FIELD=VALUE` (repeatable). */
  set?: string[];
  /** edit: `--status`. */
  status?: string;
  addQueues?: string[];
  removeQueues?: string[];
}

/** Where a value came from, for messages. */
interface Origin {
  /** e.g. `--role`, `argument 3`, `users.csv line 4, column 2 (role)` */
  where: string;
  /** CSV rows: file and column, so problems about one name can be grouped per column. */
  file?: string;
  column?: number;
  line?: number;
}

interface DraftItem {
  email: string;
  origin: Origin;
  params: ItemParams;
  /** CSV origins of the item's role and queues. */
  roleOrigin?: Origin;
  queuesOrigin?: Origin;
}

/** A request that passed the local checks; names not yet checked against ZCC. */
export interface DraftRequest {
  kind: JobKind;
  params: JobParams;
  items: DraftItem[];
  /** Role and queue names to look up in ZCC (empty when none is named). */
  roleNames: string[];
  queueNames: string[];
}

/** Names that exist in ZCC. */
export interface Catalog {
  roles: string[];
  queues: string[];
}

const EMAIL_RE = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>".]{2,}$/;

export function isEmail(value: string): boolean {
  return EMAIL_RE.test(value) && !value.includes('..');
}

const COMMAND = (kind: JobKind) => `users ${kind}`;

/** CSV columns each command uses; `ignored` ones are accepted so one file serves every command. */
const CSV_USE: Record<JobKind, { allowed: CsvColumn[]; ignored: CsvColumn[] }> = {
  assign: { allowed: ['role', 'package', 'queues'], ignored: [] },
  edit: { allowed: ['role', 'package'], ignored: [] },
  remove: { allowed: [], ignored: ['role', 'package', 'queues'] },
};

/**
 * The local checks. Problems are returned, not thrown, so every one is reported at once; each step
 * adds its problems in turn, so they are listed flags first, then users, then what the command needs.
 */
export function checkRequest(raw: RawRequest): { draft: DraftRequest; problems: string[] } {
  const problems: string[] = [];
  const params = readFlags(raw, problems);
  const items = readUsers(raw, problems);
  const unique = validUniqueEmails(items, problems);
  if (raw.kind === 'assign') checkAssignNeeds(raw, params, unique, problems);
  if (raw.kind === 'edit') checkEditNeeds(raw, params, unique, problems);
  const { roleNames, queueNames } = namesToLookUp(params, unique);
  return { draft: { kind: raw.kind, params, items: unique, roleNames, queueNames }, problems };
}

// --- flags ---------------------------------------------------------------------------------------

/** The flags that apply to every user of the request: role, package, queues, --set, --status. */
function readFlags(raw: RawRequest, problems: string[]): JobParams {
  const params: JobParams = {};
  const role = raw.role?.trim();
  if (raw.role !== undefined && !role) problems.push('--role: empty; give a role name such as Agent');
  if (role) params.role = role;
  if (raw.package !== undefined) {
    const p = checkPackage(raw.package, '--package', problems);
    if (p) params.package = p;
  }
  const queues = cleanNames(raw.queues ?? [], '--queue', problems);
  if (queues.length) params.queues = queues;
  if (raw.set?.length) readSetFlags(raw.set, params, problems);
  if (raw.status !== undefined) readStatusFlag(raw.status, params, problems);
  if (raw.kind === 'edit') moveUserAccessToStatus(params, problems);
  readQueueChangeFlags(raw, params, problems);
  return params;
}

/** `--set FIELD=VALUE`: settings are kept only when every one of them is valid. */
function readSetFlags(set: string[], params: JobParams, problems: string[]): void {
  const { settings, problems: setProblems } = readSetFields(set);
  problems.push(...setProblems);
  if (setProblems.length === 0) params.settings = settings;
}

function readStatusFlag(status: string, params: JobParams, problems: string[]): void {
  const s = status.trim().toLowerCase();
  if (s === 'active' || s === 'inactive') params.access = s;
  else problems.push(`--status: got "${status}" — expected active or inactive`);
}

/** edit: for an existing user, user_access is the access status: one field, one meaning. */
function moveUserAccessToStatus(params: JobParams, problems: string[]): void {
  const access = params.settings?.user_access;
  if (params.settings === undefined || access === undefined) return;
  if (params.access !== undefined && params.access !== access) {
    problems.push(`--status ${params.access} and --set user_access=${access} disagree; give one of them`);
  }
  params.access = access;
  const { user_access: _drop, ...rest } = params.settings;
  params.settings = rest as UserSettings;
  if (Object.keys(params.settings).length === 0) delete params.settings;
}

/** `--add-queue` / `--remove-queue`: a queue may not be named by both. */
function readQueueChangeFlags(raw: RawRequest, params: JobParams, problems: string[]): void {
  const add = cleanNames(raw.addQueues ?? [], '--add-queue', problems);
  const remove = cleanNames(raw.removeQueues ?? [], '--remove-queue', problems);
  if (add.length) params.addQueues = add;
  if (remove.length) params.removeQueues = remove;
  const both = add.filter((q) => remove.some((r) => r.toLowerCase() === q.toLowerCase()));
  if (both.length) problems.push(`--add-queue and --remove-queue both name ${both.map((q) => `"${q}"`).join(', ')}; a user cannot join and leave a queue at once`);
}

// --- who -----------------------------------------------------------------------------------------

/** The users, from the CSV file or else the EMAIL arguments (one or the other must be given). */
function readUsers(raw: RawRequest, problems: string[]): DraftItem[] {
  if (raw.csv && raw.emails.length) {
    problems.push(`give the users either as EMAIL arguments or with --file, not both (got ${raw.emails.length} argument(s) and --file ${raw.csv.file})`);
  }
  const items = raw.csv ? usersFromCsv(raw.csv, raw.kind, problems) : usersFromArguments(raw.emails);
  if (!raw.csv && raw.emails.length === 0) {
    problems.push(`no users given: list their emails (zcc-sync ${COMMAND(raw.kind)} ana@example.com …) or pass --file users.csv`);
  }
  return items;
}

/** One item per CSV row, with the row's own role, package and queues and where each came from. */
function usersFromCsv(csv: NonNullable<RawRequest['csv']>, kind: JobKind, problems: string[]): DraftItem[] {
  const parsed = parseUsersCsv(csv.text, csv.file, { ...CSV_USE[kind], command: COMMAND(kind) });
  problems.push(...parsed.problems);
  const cell = (line: number, col: CsvColumn): Origin => ({
    where: `${csv.file} line ${line}, column ${parsed.columns[col]} (${col})`,
    file: csv.file,
    column: parsed.columns[col],
    line,
  });
  return parsed.rows.map((row) => {
    const item: DraftItem = { email: row.email, origin: cell(row.line, 'email'), params: {} };
    if (row.role) {
      item.params.role = row.role;
      item.roleOrigin = cell(row.line, 'role');
    }
    if (row.package) {
      const p = checkPackage(row.package, cell(row.line, 'package').where, problems);
      if (p) item.params.package = p;
    }
    if (row.queues) {
      item.params.queues = dedupeNames(row.queues);
      item.queuesOrigin = cell(row.line, 'queues');
    }
    return item;
  });
}

function usersFromArguments(emails: string[]): DraftItem[] {
  return emails.map((email, i) => ({ email: email.trim(), origin: { where: `argument ${i + 1} ("${email}")` }, params: {} }));
}

/** The items with a valid email, lower-cased, each user once (the first mention is kept). */
function validUniqueEmails(items: DraftItem[], problems: string[]): DraftItem[] {
  const firstSeen = new Map<string, DraftItem>();
  const unique: DraftItem[] = [];
  for (const item of items) {
    if (!isEmail(item.email)) {
      problems.push(`${item.origin.where}: "${item.email}" is not an email address (expected name@domain.tld)`);
      continue;
    }
    item.email = item.email.toLowerCase();
    const earlier = firstSeen.get(item.email);
    if (earlier) {
      problems.push(`duplicate user ${item.email}: ${earlier.origin.line !== undefined && item.origin.line !== undefined
        ? `${item.origin.file} lines ${earlier.origin.line} and ${item.origin.line}`
        : `${earlier.origin.where} and ${item.origin.where}`}; list each user once`);
      continue;
    }
    firstSeen.set(item.email, item);
    unique.push(item);
  }
  return unique;
}

// --- what each command needs ---------------------------------------------------------------------

/** assign: a role for every user (flag or CSV column); no edit-only flags. */
function checkAssignNeeds(raw: RawRequest, params: JobParams, users: DraftItem[], problems: string[]): void {
  if (!params.role) {
    const missing = users.filter((i) => !i.params.role);
    if (!raw.csv && users.length) problems.push('--role is required: every license needs a role (e.g. --role Agent)');
    else if (missing.length) {
      problems.push(`no role for ${missing.length} user(s) (${raw.csv?.file} ${linesText(missing.map((i) => i.origin.line ?? 0))}): pass --role NAME or fill the role column`);
    }
  }
  for (const flag of ['status', 'addQueues', 'removeQueues'] as const) if (raw[flag]?.length) problems.push(`${flagName(flag)} is for users edit, not users assign`);
}

/** edit: something to change (asked for only when nothing else is wrong); no --queue. */
function checkEditNeeds(raw: RawRequest, params: JobParams, users: DraftItem[], problems: string[]): void {
  const changes = params.role || params.package || params.access || params.settings || params.addQueues || params.removeQueues
    || users.some((i) => i.params.role || i.params.package);
  if (!changes && problems.length === 0) problems.push('nothing to change: give --role, --package, --status, --add-queue, --remove-queue or --set FIELD=VALUE');
  if (raw.queues?.length) problems.push('--queue is for users assign; to change queues use --add-queue / --remove-queue');
}

/** The role and queue names the request uses, each once, for the lookup in ZCC. */
function namesToLookUp(params: JobParams, users: DraftItem[]): { roleNames: string[]; queueNames: string[] } {
  const roleNames = new Set<string>();
  const queueNames = new Set<string>();
  if (params.role) roleNames.add(params.role);
  for (const q of [...(params.queues ?? []), ...(params.addQueues ?? []), ...(params.removeQueues ?? [])]) queueNames.add(q);
  for (const i of users) {
    if (i.params.role) roleNames.add(i.params.role);
    for (const q of i.params.queues ?? []) queueNames.add(q);
  }
  return { roleNames: [...roleNames], queueNames: [...queueNames] };
}

/** Checks names against ZCC's and rewrites them to ZCC's spelling. */
export function resolveRequest(draft: DraftRequest, catalog: Catalog): { request: JobRequest; problems: string[] } {
  const problems: string[] = [];
  const roles = matcher(catalog.roles);
  const queues = matcher(catalog.queues);
  // Unknown names: one problem per (name, origin column), listing the lines, not one per row.
  const unknown = new Map<string, { kind: 'role' | 'queue'; name: string; where: string; lines: number[] }>();
  const miss = (kind: 'role' | 'queue', name: string, origin: Origin) => {
    const key = `${kind}|${name}|${origin.file ?? origin.where}|${origin.column ?? ''}`;
    const entry = unknown.get(key) ?? { kind, name, where: origin.file ? `${origin.file} column ${origin.column} (${kind === 'role' ? 'role' : 'queues'})` : origin.where, lines: [] };
    if (origin.line !== undefined) entry.lines.push(origin.line);
    unknown.set(key, entry);
  };
  const role = (name: string, origin: Origin) => roles(name) ?? (miss('role', name, origin), name);
  const queue = (name: string, origin: Origin) => queues(name) ?? (miss('queue', name, origin), name);

  const p = draft.params;
  const params: JobParams = { ...p };
  if (p.role) params.role = role(p.role, { where: '--role' });
  if (p.queues) params.queues = dedupeNames(p.queues.map((q) => queue(q, { where: '--queue' })));
  if (p.addQueues) params.addQueues = dedupeNames(p.addQueues.map((q) => queue(q, { where: '--add-queue' })));
  if (p.removeQueues) params.removeQueues = dedupeNames(p.removeQueues.map((q) => queue(q, { where: '--remove-queue' })));
  const items = draft.items.map((i) => {
    const params: ItemParams = { ...i.params };
    if (i.params.role) params.role = role(i.params.role, i.roleOrigin ?? i.origin);
    if (i.params.queues) params.queues = dedupeNames(i.params.queues.map((q) => queue(q, i.queuesOrigin ?? i.origin)));
    return Object.keys(params).length ? { email: i.email, params } : { email: i.email };
  });
  for (const u of unknown.values()) {
    const existing = u.kind === 'role' ? catalog.roles : catalog.queues;
    const where = u.lines.length ? `${u.where}, ${linesText(u.lines)}` : u.where;
    problems.push(`${where}: unknown ${u.kind} "${u.name}"; ${u.kind}s that exist: ${[...existing].sort((a, b) => a.localeCompare(b)).join(', ') || '(none)'}`);
  }
  return { request: { kind: draft.kind, params, items }, problems };
}

/** Both steps at once (tests, callers that already hold the catalog). Throws AdminInputError. */
export function validateRequest(raw: RawRequest, catalog: Catalog): JobRequest {
  const { draft, problems } = checkRequest(raw);
  if (problems.length) throw new AdminInputError(problems);
  const resolved = resolveRequest(draft, catalog);
  if (resolved.problems.length) throw new AdminInputError(resolved.problems);
  return resolved.request;
}

/** Exact name first; else the one name that matches ignoring case (as the Zoom client resolves). */
function matcher(existing: string[]): (name: string) => string | undefined {
  const exact = new Set(existing);
  const byLower = new Map<string, string[]>();
  for (const e of existing) byLower.set(e.toLowerCase(), [...(byLower.get(e.toLowerCase()) ?? []), e]);
  return (name) => {
    if (exact.has(name)) return name;
    const candidates = byLower.get(name.toLowerCase());
    return candidates?.length === 1 ? candidates[0] : undefined;
  };
}

function checkPackage(value: string, where: string, problems: string[]): PackageName | undefined {
  const p = value.trim().toLowerCase();
  if ((PACKAGES as readonly string[]).includes(p)) return p as PackageName;
  problems.push(`${where}: unknown package "${value}"; packages: ${PACKAGES.join(', ')}`);
  return undefined;
}

function cleanNames(names: string[], flag: string, problems: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const t = n.trim();
    if (!t) problems.push(`${flag}: empty queue name`);
    else out.push(t);
  }
  return dedupeNames(out);
}

/** Names without repeats (ignoring case), in first-seen order. */
function dedupeNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => !seen.has(n.toLowerCase()) && (seen.add(n.toLowerCase()), true));
}

function linesText(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  if (sorted.length === 1) return `line ${sorted[0]}`;
  const shown = sorted.slice(0, 10).join(', ');
  return `lines ${shown}${sorted.length > 10 ? ` (+${sorted.length - 10} more)` : ''}`;
}

function flagName(key: 'status' | 'addQueues' | 'removeQueues'): string {
  return { status: '--status', addQueues: '--add-queue', removeQueues: '--remove-queue' }[key];
}
