/**
 * Idempotent, batch-splitting helpers the apply engine uses. Each takes any number of users, calls
 * the API in its own batch sizes (create/update/delete 20, role/queue assignment 30) and returns one
 * outcome per user:
 *
 *   done              the change was made by this call
 *   already           the goal already held (user exists on create; user/agent missing on delete or
 *                     removal). On create this includes a user an earlier attempt of ours created
 *                     whose answer was lost (a retry after a 5xx/dropped connection answers 1007).
 *   not_zoom_user     the email/id is not a user of the Zoom account (1004): fix it in Zoom
 *   license_exhausted no license of the requested package/add-ons is left (290010)
 *   failed            anything else; `error` says why. Retrying later may help (`error.kind`).
 *
 * Zoom does not document whether a batch is atomic or partial (API.md §1.5). The helpers are correct
 * either way: a batch rejection that names a user (1007, 1004, 1001/1012 in the message or `errors[]`)
 * settles that user and resends the rest; a 201 that lacks some of the users sends those singly; any
 * other rejection falls back to one call per user, so one bad user never fails 19 good ones. Repeating
 * a create is safe because a second create answers 1007.
 *
 * A daily-limit 429 or an error that is not a ZCC API error (token failure, a bug) aborts the helper:
 * the error is rethrown and `partialOutcomesOf(err)` gives the outcomes decided before it.
 */
import { runPool } from '../util/pool';
import type { ZoomCcClient } from './client';
import { ZoomApiError, ZoomDailyLimitError, classify, type OperationIntent, type ZoomErrorKind } from './errors';
import type { BatchCreateUserItem, BatchPackageName, BatchUpdateUserItem, PackageName, UpdateUserBody, ZoomCcUser } from './types';
import { BATCH_LIMITS } from './types';
import { chunk } from '../util/chunk';

export type UserOutcomeKind = 'done' | 'already' | 'not_zoom_user' | 'license_exhausted' | 'failed';

/** Serialisable (fit for workflow payloads and the store). */
export interface OutcomeError {
  message: string;
  status?: number;
  code?: number;
  kind?: ZoomErrorKind;
}

export interface UserOutcome {
  email: string;
  outcome: UserOutcomeKind;
  userId?: string;
  /** A created user's display name, from the create call's answer (the ZCC mirror keeps it). */
  displayName?: string;
  error?: OutcomeError;
}

/** A user to give a ZCC profile/license: the batch item with the email required (outcomes key). */
export type CreateUserItem = BatchCreateUserItem & { user_email: string };

export interface UpdateUserItem {
  email: string;
  userId: string;
  body: UpdateUserBody;
}

/** A user as the delete/role/queue helpers take them: the id when known, else the email is sent. */
export interface UserRef {
  email: string;
  userId?: string;
}

export interface HelperOptions {
  /** Batches in flight at once (the governor paces them); default 4. */
  concurrency?: number;
}

export interface CreateUsersOptions extends HelperOptions {
  /** Look up the user id of users that already existed (one list call each). Default false. */
  resolveExistingIds?: boolean;
}

export { chunk };

const partials = new WeakMap<object, UserOutcome[]>();

/** The outcomes a helper had decided before it was aborted by `err`, if it was. */
export function partialOutcomesOf(err: unknown): UserOutcome[] | undefined {
  return typeof err === 'object' && err !== null ? partials.get(err) : undefined;
}

// ---- create ------------------------------------------------------------------------------------

export async function createUsers(client: ZoomCcClient, items: CreateUserItem[], opts: CreateUsersOptions = {}): Promise<UserOutcome[]> {
  const book = new OutcomeBook(items.map((i) => i.user_email));
  const unique = dedupeBy(items, (i) => i.user_email.toLowerCase());
  // Batches mix packages (each item names its own): ceil(n/20) calls is the lower bound the
  // apply engine is measured against. A shortage of one package (290010) sends that batch down
  // the one-by-one path, and later items of an exhausted package are settled without a call.
  const exhausted = new Set<string>();
  const batches = chunk(unique, BATCH_LIMITS.createUsers);

  const createOne = async (item: CreateUserItem): Promise<void> => {
    const key = packageKey(item);
    if (exhausted.has(key)) return book.set(item.user_email, 'license_exhausted', undefined, exhaustedError(item));
    try {
      const u = await client.createUser(item);
      book.set(item.user_email, 'done', u?.user_id);
      book.patchDisplayName(item.user_email, u?.display_name);
    } catch (err) {
      const e = zoomErrorOrThrow(err);
      if (e.kind === 'license_exhausted') exhausted.add(key);
      book.set(item.user_email, kindToOutcome(e.kind), undefined, outcomeError(e));
    }
  };
  const createSingly = async (list: CreateUserItem[]) => {
    for (const item of list) await createOne(item);
  };

  const createBatch = async (batch: CreateUserItem[]): Promise<void> => {
    let pending = batch.filter((item) => {
      if (!exhausted.has(packageKey(item))) return true;
      book.set(item.user_email, 'license_exhausted', undefined, exhaustedError(item));
      return false;
    });
    let already1007InARow = 0;
    while (pending.length > 0) {
      try {
        const created = await client.batchCreateUsers(pending);
        const byEmail = new Map(created.filter((u) => u?.user_email).map((u) => [u.user_email.toLowerCase(), u] as const));
        const missing: CreateUserItem[] = [];
        for (const item of pending) {
          const u = byEmail.get(item.user_email.toLowerCase());
          if (u) {
            book.set(item.user_email, 'done', u.user_id);
            book.patchDisplayName(item.user_email, u.display_name);
          }
          else if (created.length === 0) book.set(item.user_email, 'done'); // a 201 without a body still means created
          else missing.push(item);
        }
        // A 201 listing only some users (partial semantics): settle the rest one by one.
        await createSingly(missing);
        return;
      } catch (err) {
        const e = zoomErrorOrThrow(err);
        // Settle the users the rejection names with a user-specific code; resend the rest.
        const settled = attribute(e, pending, (i) => [i.user_email, i.user_id])
          .map((a) => ({ ...a, kind: classify(400, a.code, 'create') }))
          .filter((a) => a.kind === 'already_done' || a.kind === 'not_zoom_user');
        if (settled.length > 0) {
          for (const a of settled) book.set(a.item.user_email, kindToOutcome(a.kind), undefined, attributedError(e, a, 'create'));
          pending = without(pending, settled.map((a) => a.item));
          if (settled.every((a) => a.kind === 'already_done')) {
            // Twice in a row means the whole batch was probably applied by an earlier attempt whose
            // answer was lost and the server names one user per answer: one call per user is then
            // cheaper than peeling one name per batch call.
            if (++already1007InARow >= 2) return createSingly(pending);
          } else {
            already1007InARow = 0;
          }
          continue;
        }
        if (e.kind === 'retryable') {
          // Retries are used up: the service is in trouble, single calls would only add load.
          for (const item of pending) book.set(item.user_email, 'failed', undefined, outcomeError(e));
          return;
        }
        // 290010 (create one by one until the package runs out) and every unknown rejection.
        return createSingly(pending);
      }
    }
  };

  await runPoolWithPartials(batches, opts.concurrency ?? 4, createBatch, book);

  if (opts.resolveExistingIds) {
    const lookups = unique.filter((i) => book.get(i.user_email)?.outcome === 'already' && !book.get(i.user_email)?.userId);
    await runPoolWithPartials(lookups, opts.concurrency ?? 4, async (item) => {
      try {
        const u = await client.findUserByEmail(item.user_email);
        if (u) book.patchUserId(item.user_email, u.user_id);
      } catch (err) {
        zoomErrorOrThrow(err); // the id is a nicety: a failed lookup leaves it unset
      }
    }, book);
  }
  return book.list();
}

// ---- update ------------------------------------------------------------------------------------

/**
 * Batch update ≤ 20 (by `user_id`). Items whose body has fields the batch item lacks (`region_id`,
 * `channel_settings`) are updated one by one. A missing user (1001/1012) is 'failed' with the reason.
 */
export async function updateUsers(client: ZoomCcClient, items: UpdateUserItem[], opts: HelperOptions = {}): Promise<UserOutcome[]> {
  const book = new OutcomeBook(items.map((i) => i.email));
  const unique = dedupeBy(items, (i) => i.email.toLowerCase());
  const batchable = unique.filter((i) => i.body.region_id === undefined && i.body.channel_settings === undefined);
  const singles = unique.filter((i) => !batchable.includes(i));

  const updateOne = async (item: UpdateUserItem): Promise<void> => {
    try {
      await client.updateUser(item.userId, item.body);
      book.set(item.email, 'done', item.userId);
    } catch (err) {
      const e = zoomErrorOrThrow(err);
      book.set(item.email, kindToOutcome(e.kind), item.userId, outcomeError(e));
    }
  };

  const updateBatch = async (batch: UpdateUserItem[]): Promise<void> => {
    let pending = batch;
    while (pending.length > 0) {
      try {
        await client.batchUpdateUsers(pending.map(toBatchUpdateItem));
        for (const item of pending) book.set(item.email, 'done', item.userId);
        return;
      } catch (err) {
        const e = zoomErrorOrThrow(err);
        const missing = attribute(e, pending, (i) => [i.userId, i.email]).filter((a) => a.code === 1001 || a.code === 1012);
        if (missing.length > 0) {
          for (const a of missing) book.set(a.item.email, 'failed', a.item.userId, attributedError(e, a, 'other'));
          pending = without(pending, missing.map((a) => a.item));
          continue;
        }
        if (e.kind === 'retryable') {
          for (const item of pending) book.set(item.email, 'failed', item.userId, outcomeError(e));
          return;
        }
        // Anything else — including a server that wants the other package-name case — one by one.
        for (const item of pending) await updateOne(item);
        return;
      }
    }
  };

  const work: Array<() => Promise<void>> = [
    ...chunk(batchable, BATCH_LIMITS.updateUsers).map((b) => () => updateBatch(b)),
    ...singles.map((i) => () => updateOne(i)),
  ];
  await runPoolWithPartials(work, opts.concurrency ?? 4, (w) => w(), book);
  return book.list();
}

/**
 * The batch item's `package_name` enum is capitalised in the spec (`Essentials`…), unlike every
 * other schema; the client follows the spec here. If a server refuses it, the rejection is not one
 * that names a user, so `updateUsers` falls back to single updates, which use the lower-case enum.
 */
function toBatchUpdateItem(item: UpdateUserItem): BatchUpdateUserItem {
  const { region_id: _r, channel_settings: _c, package_name, ...rest } = item.body;
  const out: BatchUpdateUserItem = { user_id: item.userId, ...rest };
  if (package_name) out.package_name = capitalisePackage(package_name);
  return out;
}

export function capitalisePackage(p: PackageName): BatchPackageName {
  return (p.charAt(0).toUpperCase() + p.slice(1)) as BatchPackageName;
}

// ---- delete ------------------------------------------------------------------------------------

/** Batch delete ≤ 20 (by id; by email for refs without an id). Missing users (1001/1012) → 'already'. */
export async function deleteUsers(client: ZoomCcClient, refs: UserRef[], opts: HelperOptions = {}): Promise<UserOutcome[]> {
  const book = new OutcomeBook(refs.map((r) => r.email));
  const unique = dedupeBy(refs, (r) => r.email.toLowerCase());
  const withId = unique.filter((r) => r.userId);
  const byEmail = unique.filter((r) => !r.userId);

  const deleteOne = async (ref: UserRef): Promise<void> => {
    try {
      let id = ref.userId;
      if (!id) {
        id = (await client.findUserByEmail(ref.email))?.user_id;
        if (!id) return book.set(ref.email, 'already');
      }
      await client.deleteUser(id);
      book.set(ref.email, 'done', id);
    } catch (err) {
      const e = zoomErrorOrThrow(err);
      book.set(ref.email, kindToOutcome(e.kind), ref.userId, e.kind === 'already_done' ? undefined : outcomeError(e));
    }
  };

  const deleteBatch = async (batch: UserRef[], by: 'id' | 'email'): Promise<void> => {
    let pending = batch;
    // Users a 1012 did not name existed when that call ran. If a later call names them, the earlier
    // call deleted them (a batch delete that removes the users that exist, as the emulator does).
    const existedEarlier = new Set<UserRef>();
    while (pending.length > 0) {
      try {
        await client.batchDeleteUsers(by === 'id' ? { userIds: pending.map((r) => r.userId!) } : { emails: pending.map((r) => r.email) });
        for (const r of pending) book.set(r.email, 'done', r.userId);
        return;
      } catch (err) {
        const e = zoomErrorOrThrow(err);
        const named = attribute(e, pending, (r) => [by === 'id' ? r.userId : r.email])
          .filter((a) => a.code === undefined || classify(404, a.code, 'remove') === 'already_done')
          .map((a) => a.item);
        if (e.kind === 'already_done' && named.length > 0) {
          for (const r of named) book.set(r.email, existedEarlier.has(r) ? 'done' : 'already', r.userId);
          pending = without(pending, named);
          for (const r of pending) existedEarlier.add(r);
          continue;
        }
        if (e.kind === 'retryable') {
          for (const r of pending) book.set(r.email, 'failed', r.userId, outcomeError(e));
          return;
        }
        for (const r of pending) await deleteOne(r);
        return;
      }
    }
  };

  const work: Array<() => Promise<void>> = [
    ...chunk(withId, BATCH_LIMITS.deleteUsers).map((b) => () => deleteBatch(b, 'id')),
    ...chunk(byEmail, BATCH_LIMITS.deleteUsers).map((b) => () => deleteBatch(b, 'email')),
  ];
  await runPoolWithPartials(work, opts.concurrency ?? 4, (w) => w(), book);
  return book.list();
}

// ---- queues and roles --------------------------------------------------------------------------

/** Assigns agents to a queue, 30 a call (by id, else email); a rejected call is retried per user. */
export function assignToQueue(client: ZoomCcClient, queueId: string, refs: UserRef[], opts: HelperOptions = {}): Promise<UserOutcome[]> {
  return assignInBatches(refs, BATCH_LIMITS.assignQueue, opts, async (ids) =>
    (await client.assignQueueAgents(queueId, ids)).map((a) => ({ user_id: a.user_id, user_email: a.user_email })));
}

/** Assigns users to a role, 30 a call (by id, else email); a rejected call is retried per user. */
export function assignRole(client: ZoomCcClient, roleId: string, refs: UserRef[], opts: HelperOptions = {}): Promise<UserOutcome[]> {
  return assignInBatches(refs, BATCH_LIMITS.assignRole, opts, async (ids) =>
    (await client.assignRoleUsers(roleId, ids)).map((u) => ({ user_id: u.user_id, user_email: u.user_email })));
}

/** Removes agents from a queue, one call each; "queue agent does not exist" (1201) → 'already'. */
export async function removeFromQueue(
  client: ZoomCcClient,
  queueId: string,
  refs: Array<UserRef & { userId: string }>,
  opts: HelperOptions = {},
): Promise<UserOutcome[]> {
  const book = new OutcomeBook(refs.map((r) => r.email));
  await runPoolWithPartials(dedupeBy(refs, (r) => r.email.toLowerCase()), opts.concurrency ?? 4, async (r) => {
    try {
      await client.removeQueueAgent(queueId, r.userId);
      book.set(r.email, 'done', r.userId);
    } catch (err) {
      const e = zoomErrorOrThrow(err);
      book.set(r.email, kindToOutcome(e.kind), r.userId, e.kind === 'already_done' ? undefined : outcomeError(e));
    }
  }, book);
  return book.list();
}

type Assigned = Pick<ZoomCcUser, 'user_id'> & { user_email?: string };

async function assignInBatches(
  refs: UserRef[],
  size: number,
  opts: HelperOptions,
  call: (idsOrEmails: string[]) => Promise<Assigned[]>,
): Promise<UserOutcome[]> {
  const book = new OutcomeBook(refs.map((r) => r.email));
  const unique = dedupeBy(refs, (r) => r.email.toLowerCase());
  const ident = (r: UserRef) => r.userId || r.email;
  const idFrom = (r: UserRef, answer: Assigned[]) =>
    r.userId ?? answer.find((a) => a.user_email?.toLowerCase() === r.email.toLowerCase())?.user_id;

  const one = async (r: UserRef): Promise<void> => {
    try {
      const answer = await call([ident(r)]);
      book.set(r.email, 'done', idFrom(r, answer));
    } catch (err) {
      const e = zoomErrorOrThrow(err);
      book.set(r.email, kindToOutcome(e.kind), r.userId, outcomeError(e));
    }
  };

  await runPoolWithPartials(chunk(unique, size), opts.concurrency ?? 4, async (batch) => {
    try {
      const answer = await call(batch.map(ident));
      for (const r of batch) book.set(r.email, 'done', idFrom(r, answer));
    } catch (err) {
      const e = zoomErrorOrThrow(err);
      if (e.kind === 'retryable') {
        for (const r of batch) book.set(r.email, 'failed', r.userId, outcomeError(e));
        return;
      }
      for (const r of batch) await one(r);
    }
  }, book);
  return book.list();
}

// ---- shared machinery --------------------------------------------------------------------------

/** One outcome per distinct email (case-insensitive), listed in first-seen order. */
class OutcomeBook {
  private readonly order: string[] = [];
  private readonly map = new Map<string, UserOutcome>();

  constructor(emails: string[]) {
    for (const e of emails) {
      const k = e.toLowerCase();
      if (!this.map.has(k)) {
        this.order.push(k);
        this.map.set(k, { email: e, outcome: 'failed', error: { message: 'not attempted' } });
      }
    }
  }

  set(email: string, outcome: UserOutcomeKind, userId?: string, error?: OutcomeError): void {
    const k = email.toLowerCase();
    const o: UserOutcome = { email: this.map.get(k)?.email ?? email, outcome };
    if (userId) o.userId = userId;
    if (error && outcome !== 'done') o.error = error;
    this.map.set(k, o);
  }

  patchDisplayName(email: string, name: string | null | undefined): void {
    const o = this.map.get(email.toLowerCase());
    if (o && name) o.displayName = name;
  }

    patchUserId(email: string, userId: string): void {
    const o = this.map.get(email.toLowerCase());
    if (o) o.userId = userId;
  }

  get(email: string): UserOutcome | undefined {
    return this.map.get(email.toLowerCase());
  }

  list(): UserOutcome[] {
    return this.order.map((k) => this.map.get(k)!);
  }
}

function kindToOutcome(kind: ZoomErrorKind): UserOutcomeKind {
  switch (kind) {
    case 'already_done': return 'already';
    case 'not_zoom_user': return 'not_zoom_user';
    case 'license_exhausted': return 'license_exhausted';
    default: return 'failed';
  }
}

function outcomeError(e: ZoomApiError): OutcomeError {
  return { message: e.message, status: e.status, code: e.code, kind: e.kind };
}

function attributedError(e: ZoomApiError, a: Attribution<unknown>, intent: OperationIntent): OutcomeError {
  return { message: `ZCC ${e.method} ${e.pathTemplate}: ${a.message}`, status: e.status, code: a.code, kind: classify(e.status, a.code, intent) };
}

function exhaustedError(item: CreateUserItem): OutcomeError {
  return {
    message: `no ${item.package_name ?? 'default'} license left (an earlier create in this run answered 290010); not attempted`,
    code: 290010,
    kind: 'license_exhausted',
  };
}

/** ZCC API errors become outcomes; a daily limit and anything else (auth, bugs) abort the helper. */
function zoomErrorOrThrow(err: unknown): ZoomApiError {
  if (err instanceof ZoomApiError && !(err instanceof ZoomDailyLimitError)) return err;
  throw err;
}

/** License pool an item draws from: its package and add-ons. */
function packageKey(item: { package_name?: string; add_ons_plan?: string[] }): string {
  return `${item.package_name ?? ''}|${[...(item.add_ons_plan ?? [])].sort().join(',')}`;
}

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/g;
const TOKEN_RE = /[A-Za-z0-9_-]+/g;
const INDEX_RE = /users\[(\d+)\]/;
const CODE_RE = /\bcode[:\s]+(\d+)/i;

/** A user a rejection names, with the Zoom code that applies to that user. */
export interface Attribution<T> {
  item: T;
  code?: number;
  message: string;
}

function namesIn(text: string): Set<string> {
  const found = new Set<string>();
  for (const m of text.matchAll(EMAIL_RE)) found.add(m[0].replace(/\.+$/, '').toLowerCase());
  for (const m of text.matchAll(TOKEN_RE)) found.add(m[0].toLowerCase());
  return found;
}

/**
 * The users a batch rejection names, each with its own code. Zoom documents one user in the message
 * ("User already exists: $email"); a server may also list every failing item in `errors[]` (the
 * emulator sends `{ field: "users[i]", message: "<who>: <message> (code N)" }`), each with its own
 * code. Users are matched by whole email or id (so `a@x.com` never matches `ba@x.com`, and a
 * sentence's final dot is not part of an email), else by the `users[i]` index of the request.
 */
export function attribute<T>(e: ZoomApiError, items: T[], idents: (item: T) => Array<string | undefined>): Array<Attribution<T>> {
  const out = new Map<T, Attribution<T>>();
  const matching = (text: string): T[] => {
    const found = namesIn(text);
    return items.filter((item) => idents(item).some((id) => id !== undefined && id !== '' && found.has(id.toLowerCase())));
  };
  for (const d of e.errors) {
    const text = [d.field, d.message].filter((x): x is string => typeof x === 'string').join(' ');
    const codeMatch = CODE_RE.exec(d.message ?? '');
    const code = codeMatch ? Number(codeMatch[1]) : e.code;
    let named = matching(text);
    const idx = INDEX_RE.exec(d.field ?? '');
    if (named.length === 0 && idx && Number(idx[1]) < items.length) named = [items[Number(idx[1])]];
    for (const item of named) if (!out.has(item)) out.set(item, { item, code, message: d.message ?? e.zoomMessage });
  }
  for (const item of matching(e.zoomMessage)) if (!out.has(item)) out.set(item, { item, code: e.code, message: e.zoomMessage });
  return [...out.values()];
}

/** The items a rejection names (any code). */
export function namedItems<T>(e: ZoomApiError, items: T[], idents: (item: T) => Array<string | undefined>): T[] {
  return attribute(e, items, idents).map((a) => a.item);
}

function without<T>(items: T[], remove: T[]): T[] {
  const r = new Set(remove);
  return items.filter((i) => !r.has(i));
}

function dedupeBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = key(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The pool over `tasks`, recording on an abort (an error `fn` rethrows) the outcomes decided so far
 * on the error. The pool starts no new task after the error and lets the running ones finish first,
 * so those outcomes include theirs.
 */
async function runPoolWithPartials<T>(tasks: readonly T[], concurrency: number, fn: (t: T) => Promise<void>, book: OutcomeBook): Promise<void> {
  try {
    await runPool(tasks, concurrency, fn);
  } catch (err) {
    if (typeof err === 'object' && err !== null) partials.set(err, book.list());
    throw err;
  }
}
