/**
 * Users: list, get, create, batch create, update, batch update, delete, batch delete, user's queues.
 *
 * Choices where Zoom's docs are silent (also in emulator/README.md):
 * - Batches are atomic: every item is checked first; if any fails, nothing is applied and the
 *   answer is the first failing item's error (its own status and code), with `errors[]` listing
 *   every failing item as `{ field: "users[i]", message: "<email or id>: <message> (code N)" }`.
 *   Exception, batch delete: the users that exist are deleted and, if some did not, the answer is
 *   404 code 1012 naming the missing ones (so retrying a half-done batch delete converges).
 * - `{userId}` in a path accepts the user id or the email.
 * - A create without package_name gets `essentials`; each package's capacity comes from the seed.
 * - The same user twice in one batch create is a validation error (400/300).
 * - Updates count as a change (stats byUser.update) only when a stored value actually changes.
 */
import {
  countryDoesNotExist,
  invalidJsonBody,
  invalidUserId,
  packageNotEnough,
  regionDoesNotExist,
  roleDoesNotExist,
  statusDoesNotExist,
  subStatusDoesNotExist,
  templateNotFound,
  userAlreadyExists,
  userDoesNotExist,
  userIdentityMissing,
  userNotAccountUser,
  usersDoNotExist,
  validationFailed,
  ZoomError,
  type FieldError,
} from '../errors';
import { filterKeyOf, ListKind, pageOf, parsePageSize, startAfter } from '../paging';
import type { Ctx, Reply, Route } from '../router';
import type { AccountUser, License, State, Tx, UserRow } from '../state';
import type { PackageName } from '../types';
import { userObject } from '../views';
import { FIELDS, isObject, mergeChannelSettings, readSettings, type ChannelSettings, type SettingsInput } from '../validate';

export const BATCH_MAX = 20;

// ---------- list / get ----------

async function listUsers(ctx: Ctx): Promise<Reply> {
  const { query, state } = ctx;
  const pageSize = parsePageSize(query.get('page_size'));
  const access = query.get('user_access');
  if (access && access !== 'active' && access !== 'inactive') {
    throw validationFailed([{ field: 'user_access', message: 'Must be one of: active, inactive.' }]);
  }
  const filterKey = filterKeyOf(query, ['search_key', 'user_access', 'region_id']);
  const after = startAfter(query, ctx.pages, ListKind.Users, filterKey);
  const region = query.get('region_id');
  const search = query.get('search_key')?.trim();
  const filtered = () => {
    const q = state.db('cc_users');
    if (access) q.where('user_access', access);
    if (region && region !== state.regionId) q.whereRaw('0');
    if (search) {
      const like = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.whereRaw("(email LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\')", [like, like]);
    }
    return q;
  };
  const rows: UserRow[] = await filtered().where('seq', '>', after).orderBy('seq').limit(pageSize + 1);
  const total = await state.count(`users:${filterKey}`, async () => Number(((await filtered().count({ n: '*' })) as { n: number }[])[0]!.n));
  const page = pageOf(rows, pageSize, (r) => r.seq, (seq) => ctx.pages.issue(ListKind.Users, filterKey, seq));
  return {
    status: 200,
    body: { next_page_token: page.nextPageToken, page_size: pageSize, total_records: total, users: page.items.map((r) => userObject(state, r, 'list')) },
  };
}

async function getUser(ctx: Ctx): Promise<Reply> {
  const row = await ctx.state.ccUser(ctx.params.userId!);
  if (!row) throw invalidUserId();
  return { status: 200, body: userObject(ctx.state, row, 'get') };
}

async function listUserQueues(ctx: Ctx): Promise<Reply> {
  const { query, state } = ctx;
  const pageSize = parsePageSize(query.get('page_size'));
  const type = query.get('user_assignment_type') ?? 'agent';
  if (!['agent', 'supervisor', 'any', 'both'].includes(type)) {
    throw validationFailed([{ field: 'user_assignment_type', message: 'Must be one of: agent, supervisor, any, both.' }]);
  }
  const channel = query.get('channel');
  if (channel && !['voice', 'video', 'messaging', 'email'].includes(channel)) {
    throw validationFailed([{ field: 'channel', message: 'Must be one of: voice, video, messaging, email.' }]);
  }
  const user = await state.ccUser(ctx.params.userId!);
  if (!user) throw userDoesNotExist(ctx.params.userId!);
  const filterKey = filterKeyOf(query, ['channel', 'user_assignment_type'], user.user_id);
  const after = startAfter(query, ctx.pages, ListKind.UserQueues, filterKey);
  const filtered = () => {
    const q = state.db('queue_agents').where('user_seq', user.seq);
    // The emulator has agents only: "supervisor" and "both" (agent AND supervisor) match nothing.
    if (type === 'supervisor' || type === 'both') q.whereRaw('0');
    if (channel) q.whereIn('queue_seq', state.queues.filter((x) => x.channel === channel).map((x) => x.seq));
    return q;
  };
  const rows: { seq: number; queue_seq: number }[] = await filtered().where('seq', '>', after).orderBy('seq').limit(pageSize + 1);
  const total = await state.count(`userQueues:${user.seq}:${filterKey}`, async () => Number(((await filtered().count({ n: '*' })) as { n: number }[])[0]!.n));
  const page = pageOf(rows, pageSize, (r) => r.seq, (seq) => ctx.pages.issue(ListKind.UserQueues, filterKey, seq));
  return {
    status: 200,
    body: {
      next_page_token: page.nextPageToken,
      page_size: pageSize,
      total_records: total,
      queues: page.items.map((r) => {
        const q = state.queueOf(r.queue_seq)!;
        return { queue_id: q.queueId, queue_name: q.name, cc_queue_id: q.ccQueueId, channel: q.channel, user_assignment_type: 'agent' };
      }),
    },
  };
}

// ---------- create ----------

interface CreateItem {
  body: Record<string, unknown>;
  settings: SettingsInput;
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw invalidJsonBody();
  return body;
}

/** Type checks of the identity fields. */
function readIdentity(body: Record<string, unknown>, prefix: string, errors: FieldError[]): void {
  for (const f of ['user_email', 'user_id']) {
    const v = body[f];
    if (v !== undefined && v !== null && typeof v !== 'string') errors.push({ field: prefix + f, message: 'Must be a string.' });
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Checks shared by create and update that need the state. */
function checkReferences(state: State, s: SettingsInput): void {
  if (s.template_id) throw templateNotFound(s.template_id); // the emulated account has no user templates
  if (s.role_id && !state.role(s.role_id)) throw roleDoesNotExist(s.role_id);
  if (s.country_iso_code && !/^[A-Za-z]{2}$/.test(s.country_iso_code)) throw countryDoesNotExist(s.country_iso_code);
  if (s.region_id && s.region_id !== state.regionId) throw regionDoesNotExist();
}

/**
 * Checks every item, then inserts them all, or throws (nothing inserted). Returns the new rows.
 * `batch` adds the per-item `errors[]` list to the thrown error.
 */
async function createUsers(state: State, tx: Tx, items: CreateItem[], batch: boolean): Promise<UserRow[]> {
  const { trx } = tx;
  // Zoom account users, by email or id (create: user_email wins over user_id).
  const emails = items.map((i) => str(i.body.user_email)?.toLowerCase()).filter((x): x is string => !!x);
  const ids = items.filter((i) => !str(i.body.user_email)).map((i) => str(i.body.user_id)).filter((x): x is string => !!x);
  // One query: the account users named, and whether each already is a ZCC user.
  const accounts: (AccountUser & { cc_seq: number | null })[] =
    emails.length || ids.length
      ? await trx('account_users as a')
          .leftJoin('cc_users as c', 'c.user_id', 'a.user_id')
          .where((q) => {
            if (emails.length) q.whereIn('a.email', emails);
            if (ids.length) q.orWhereIn('a.user_id', ids);
          })
          .select('a.seq', 'a.user_id', 'a.email', 'a.name', 'c.seq as cc_seq')
      : [];
  const byEmail = new Map(accounts.map((a) => [a.email, a]));
  const byId = new Map(accounts.map((a) => [a.user_id, a]));
  const existing = new Set(accounts.filter((a) => a.cc_seq !== null).map((a) => a.user_id));
  const licenses = state.licenses();
  const need: Record<PackageName, number> = { essentials: 0, premium: 0, elite: 0 };
  const seen = new Set<string>();
  const failures: { index: number; who: string; error: ZoomError }[] = [];
  const planned: { account: AccountUser; s: SettingsInput; pkg: PackageName }[] = [];

  items.forEach((item, index) => {
    const email = str(item.body.user_email);
    const id = str(item.body.user_id);
    const who = email ?? id ?? '';
    try {
      if (!email && !id) throw userIdentityMissing();
      const account = email ? byEmail.get(email.toLowerCase()) : byId.get(id!);
      if (!account) throw userNotAccountUser(who);
      if (seen.has(account.user_id)) {
        throw validationFailed([{ field: `users[${index}].user_email`, message: `Duplicate user in this request: ${account.email}.` }]);
      }
      seen.add(account.user_id);
      if (existing.has(account.user_id)) throw userAlreadyExists(account.email);
      const s = item.settings;
      checkReferences(state, s);
      if (!s.role_id && !s.template_id) {
        throw validationFailed([{ field: batch ? `users[${index}].role_id` : 'role_id', message: 'Both role_id and template_id cannot be empty.' }]);
      }
      const pkg = s.package_name ?? 'essentials';
      if (!hasRoom(licenses[pkg], need[pkg] + 1)) throw packageNotEnough();
      need[pkg] += 1;
      planned.push({ account, s, pkg });
    } catch (e) {
      if (!(e instanceof ZoomError)) throw e;
      failures.push({ index, who, error: e });
    }
  });
  if (failures.length) {
    const first = failures[0]!.error;
    if (!batch) throw first;
    throw new ZoomError(
      first.status,
      first.code,
      first.message,
      failures.map((f) => ({ field: `users[${f.index}]`, message: `${f.who}: ${f.error.errors?.[0]?.message ?? f.error.message} (code ${f.error.code})` })),
    );
  }

  const now = state.now();
  const rows: UserRow[] = planned.map(({ account, s, pkg }) => ({
    seq: 0,
    user_id: account.user_id,
    email: account.email,
    display_name: account.name,
    role_seq: state.role(s.role_id!)!.seq,
    package: pkg,
    user_access: s.user_access ?? 'active',
    country_iso_code: s.country_iso_code?.toUpperCase() ?? null,
    client_integration: s.client_integration ?? null,
    client_integration_name: s.client_integration_name ?? null,
    status_id: '0',
    sub_status_id: null,
    channel_settings: JSON.stringify(s.channel_settings ?? {}),
    add_ons_plan: JSON.stringify(s.add_ons_plan ?? []),
    modified_at: now,
  }));
  await trx('cc_users').insert(rows.map(({ seq: _seq, ...r }) => r));
  tx.license(need);
  for (const r of rows) tx.change(r.email, 'create');
  return rows;
}

function hasRoom(l: License, extra: number): boolean {
  return l.capacity === null || l.used + extra <= l.capacity;
}

async function createUser(ctx: Ctx): Promise<Reply> {
  const body = requireObject(ctx.body);
  const errors: FieldError[] = [];
  readIdentity(body, '', errors);
  const settings = readSettings(body, FIELDS.create, '', errors);
  if (errors.length) throw validationFailed(errors);
  const [row] = await ctx.state.write((tx) => createUsers(ctx.state, tx, [{ body, settings }], false));
  return { status: 201, body: userObject(ctx.state, row!, 'create') };
}

function readBatch(body: unknown, verb: 'created' | 'updated'): Record<string, unknown>[] {
  const b = requireObject(body);
  if (!Array.isArray(b.users)) throw validationFailed([{ field: 'users', message: 'users must be an array.' }]);
  if (b.users.length === 0) throw validationFailed([{ field: 'users', message: 'users cannot be empty.' }]);
  if (b.users.length > BATCH_MAX) {
    throw validationFailed([{ field: 'users', message: `The maximum number of ${verb} users is ${BATCH_MAX}.` }]);
  }
  const errors: FieldError[] = [];
  b.users.forEach((u, i) => {
    if (!isObject(u)) errors.push({ field: `users[${i}]`, message: 'Must be an object.' });
  });
  if (errors.length) throw validationFailed(errors);
  return b.users as Record<string, unknown>[];
}

async function batchCreateUsers(ctx: Ctx): Promise<Reply> {
  const users = readBatch(ctx.body, 'created');
  const errors: FieldError[] = [];
  const items = users.map((body, i) => {
    readIdentity(body, `users[${i}].`, errors);
    return { body, settings: readSettings(body, FIELDS.batchCreate, `users[${i}].`, errors) };
  });
  if (errors.length) throw validationFailed(errors);
  const rows = await ctx.state.write((tx) => createUsers(ctx.state, tx, items, true));
  return { status: 201, body: { users: rows.map((r) => userObject(ctx.state, r, 'batchCreate')) } };
}

// ---------- update ----------

/** The row after applying settings; throws on any reference or capacity problem. `licenses` is updated. */
function planUpdate(state: State, row: UserRow, s: SettingsInput, licenses: Record<PackageName, License>): UserRow {
  checkReferences(state, s);
  const next: UserRow = { ...row };
  if (s.role_id) next.role_seq = state.role(s.role_id)!.seq;
  if (s.user_access) next.user_access = s.user_access;
  if (s.country_iso_code) next.country_iso_code = s.country_iso_code.toUpperCase();
  if (s.client_integration) next.client_integration = s.client_integration;
  if (s.client_integration_name) next.client_integration_name = s.client_integration_name;
  if (s.channel_settings) {
    next.channel_settings = JSON.stringify(mergeChannelSettings(JSON.parse(row.channel_settings) as ChannelSettings, s.channel_settings));
  }
  // add_ons_plan: "Empty value will result in no changes."
  if (s.add_ons_plan && s.add_ons_plan.length) next.add_ons_plan = JSON.stringify(s.add_ons_plan);
  if (s.status_id !== undefined) {
    if (!['0', '1', '2', '3'].includes(s.status_id)) throw statusDoesNotExist(s.status_id);
    next.status_id = s.status_id;
    if (s.status_id !== '2') next.sub_status_id = null;
  }
  if (s.sub_status_id !== undefined) {
    if (!['20', '21', '22', '23', '24', '25'].includes(s.sub_status_id)) throw subStatusDoesNotExist(s.sub_status_id);
    if (next.status_id !== '2') throw new ZoomError(400, 300, 'The status must be Not Ready when updating substatus.');
    next.sub_status_id = s.sub_status_id;
  }
  // package_name: "An empty value will not assign the user" — read as: empty means no change.
  if (s.package_name && s.package_name !== row.package) {
    if (!hasRoom(licenses[s.package_name], 1)) throw packageNotEnough();
    licenses[s.package_name].used += 1;
    licenses[row.package].used -= 1;
    next.package = s.package_name;
  }
  return next;
}

const COMPARED: (keyof UserRow)[] = [
  'role_seq', 'package', 'user_access', 'country_iso_code', 'client_integration', 'client_integration_name',
  'status_id', 'sub_status_id', 'channel_settings', 'add_ons_plan',
];

/** Writes changed rows and the license counts; counts an update per user whose row changed. */
async function saveUpdates(state: State, tx: Tx, pairs: { before: UserRow; after: UserRow }[]): Promise<void> {
  const delta: Partial<Record<PackageName, number>> = {};
  const now = state.now();
  for (const { before, after } of pairs) {
    const changed = COMPARED.filter((k) => before[k] !== after[k]);
    if (!changed.length) continue;
    const patch: Record<string, unknown> = { modified_at: now };
    for (const k of changed) patch[k] = after[k];
    await tx.trx('cc_users').where('seq', before.seq).update(patch);
    if (before.package !== after.package) {
      delta[before.package] = (delta[before.package] ?? 0) - 1;
      delta[after.package] = (delta[after.package] ?? 0) + 1;
    }
    tx.change(before.email, 'update');
  }
  tx.license(delta);
}

async function updateUser(ctx: Ctx): Promise<Reply> {
  const body = ctx.body === undefined ? {} : requireObject(ctx.body);
  const errors: FieldError[] = [];
  const settings = readSettings(body, FIELDS.update, '', errors);
  if (errors.length) throw validationFailed(errors);
  const key = ctx.params.userId!;
  await ctx.state.write(async (tx) => {
    const row = await ctx.state.ccUser(key, tx.trx);
    if (!row) throw userDoesNotExist(key);
    const after = planUpdate(ctx.state, row, settings, ctx.state.licenses());
    await saveUpdates(ctx.state, tx, [{ before: row, after }]);
  });
  return { status: 204 };
}

async function batchUpdateUsers(ctx: Ctx): Promise<Reply> {
  const users = readBatch(ctx.body, 'updated');
  const errors: FieldError[] = [];
  const items = users.map((body, i) => {
    readIdentity(body, `users[${i}].`, errors);
    // Batch update: user_id wins over user_email (the opposite of create).
    const key = str(body.user_id) ?? str(body.user_email);
    return { key, settings: readSettings(body, FIELDS.batchUpdate, `users[${i}].`, errors) };
  });
  if (errors.length) throw validationFailed(errors);
  await ctx.state.write(async (tx) => {
    const rows = await ctx.state.ccUsers(items.map((i) => i.key).filter((k): k is string => !!k), tx.trx);
    const licenses = ctx.state.licenses();
    const current = new Map<number, UserRow>(); // a user named twice gets both updates, in order
    const pairs = new Map<number, { before: UserRow; after: UserRow }>();
    const failures: { index: number; who: string; error: ZoomError }[] = [];
    items.forEach((item, index) => {
      try {
        if (!item.key) throw userIdentityMissing();
        const found = rows.get(item.key);
        if (!found) throw userDoesNotExist(item.key);
        const before = current.get(found.seq) ?? found;
        const after = planUpdate(ctx.state, before, item.settings, licenses);
        current.set(found.seq, after);
        pairs.set(found.seq, { before: pairs.get(found.seq)?.before ?? found, after });
      } catch (e) {
        if (!(e instanceof ZoomError)) throw e;
        failures.push({ index, who: item.key ?? '', error: e });
      }
    });
    if (failures.length) {
      const first = failures[0]!.error;
      throw new ZoomError(first.status, first.code, first.message, failures.map((f) => ({ field: `users[${f.index}]`, message: `${f.who}: ${f.error.message} (code ${f.error.code})` })));
    }
    await saveUpdates(ctx.state, tx, [...pairs.values()]);
  });
  return { status: 204 };
}

// ---------- delete ----------

async function deleteRows(state: State, tx: Tx, rows: UserRow[]): Promise<void> {
  if (!rows.length) return;
  const seqs = rows.map((r) => r.seq);
  await tx.trx('queue_agents').whereIn('user_seq', seqs).del();
  await tx.trx('cc_users').whereIn('seq', seqs).del();
  const delta: Partial<Record<PackageName, number>> = {};
  for (const r of rows) {
    delta[r.package] = (delta[r.package] ?? 0) - 1;
    tx.change(r.email, 'delete');
  }
  tx.license(delta);
}

async function deleteUser(ctx: Ctx): Promise<Reply> {
  const key = ctx.params.userId!;
  await ctx.state.write(async (tx) => {
    const row = await ctx.state.ccUser(key, tx.trx);
    if (!row) throw userDoesNotExist(key);
    await deleteRows(ctx.state, tx, [row]);
  });
  return { status: 204 };
}

/** `?user_ids=a,b` (comma-separated; repeated parameters are accepted too). */
function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

async function batchDeleteUsers(ctx: Ctx): Promise<Reply> {
  const ids = listParam(ctx.query, 'user_ids');
  // "If both user_ids and user_emails are provided, only user_ids will be used."
  const keys = ids.length ? ids : listParam(ctx.query, 'user_emails');
  const field = ids.length ? 'user_ids' : 'user_emails';
  if (!keys.length) throw validationFailed([{ field: 'user_ids', message: 'Either user_ids or user_emails needs to be provided.' }]);
  if (keys.length > BATCH_MAX) throw validationFailed([{ field, message: `A comma-separated list of up to ${BATCH_MAX} users.` }]);
  const missing = await ctx.state.write(async (tx) => {
    const found = await ctx.state.ccUsers(keys, tx.trx);
    const rows = new Map<number, UserRow>();
    for (const r of found.values()) rows.set(r.seq, r);
    await deleteRows(ctx.state, tx, [...rows.values()]);
    return keys.filter((k) => !found.has(k));
  });
  if (missing.length) throw usersDoNotExist(missing);
  return { status: 204 };
}

export const userRoutes: Route[] = [
  { method: 'GET', template: '/contact_center/users', label: 'MEDIUM', handler: listUsers },
  { method: 'POST', template: '/contact_center/users/batch', label: 'MEDIUM', hasBody: true, handler: batchCreateUsers },
  { method: 'POST', template: '/contact_center/users', label: 'LIGHT', hasBody: true, handler: createUser },
  { method: 'PATCH', template: '/contact_center/users', label: 'MEDIUM', hasBody: true, handler: batchUpdateUsers },
  { method: 'DELETE', template: '/contact_center/users', label: 'MEDIUM', handler: batchDeleteUsers },
  { method: 'GET', template: '/contact_center/users/{userId}/queues', label: 'MEDIUM', handler: listUserQueues },
  { method: 'GET', template: '/contact_center/users/{userId}', label: 'LIGHT', handler: getUser },
  { method: 'PATCH', template: '/contact_center/users/{userId}', label: 'LIGHT', hasBody: true, handler: updateUser },
  { method: 'DELETE', template: '/contact_center/users/{userId}', label: 'LIGHT', handler: deleteUser },
];
