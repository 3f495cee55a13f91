/**
 * `ZoomCcClient`: the typed ZCC API client zcc-sync's activities and CLI use. One method per
 * operation (single-batch methods refuse more than the API's maximum before any call), async
 * iterators for every list, and name → id resolution for roles and queues. The batch-splitting,
 * idempotent helpers the apply engine uses live in `batching.ts`.
 */
import type { Config } from '../config/schema';
import { TokenManager } from './auth';
import { ZoomInputError } from './errors';
import { getProcessGovernor, RateGovernor } from './governor';
import { DEFAULT_RETRY, HttpCore, type RequestArgs, type RetryOptions } from './http';
import { OPERATIONS } from './operations';
import { collect, itemsOf, paginate, type PaginateOptions } from './paging';
import {
  BATCH_LIMITS,
  silentLogger,
  type AssignQueueAgentsResponse,
  type AssignRoleUsersResponse,
  type BatchCreateUserItem,
  type BatchCreateUsersResponse,
  type BatchDeleteSelector,
  type BatchUpdateUserItem,
  type CreateUserBody,
  type ListEnvelope,
  type ListQueueAgentsResponse,
  type ListQueuesResponse,
  type ListRoleUsersResponse,
  type ListRolesResponse,
  type ListUserQueuesResponse,
  type ListUsersQuery,
  type ListUsersResponse,
  type Page,
  type Queue,
  type QueueAgent,
  type Role,
  type RoleUser,
  type TokenCheck,
  type UpdateUserBody,
  type UserQueue,
  type ZoomCcUser,
  type ZoomLogger,
  type ZoomPlan,
} from './types';

export interface ZoomCcClientOptions {
  /** e.g. https://api.zoom.us/v2 or http://127.0.0.1:P/v2 */
  baseUrl: string;
  /** e.g. https://zoom.us/oauth/token */
  tokenUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  plan: ZoomPlan;
  /** Share of the account's rate limits this process may use, 0 < x ≤ 1 (default 1). */
  rateShare?: number;
  /** Multiplies the plan's rates (the emulator's --time-scale); 1 for Zoom. */
  rateScale?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  logger?: ZoomLogger;
  retry?: Partial<RetryOptions>;
  /** Shared per process; default: `getProcessGovernor(plan, rateShare, rateScale)`. */
  governor?: RateGovernor;
  /** For tests (capturing requests); default: global fetch. */
  fetchImpl?: typeof fetch;
}

/** The id to use in queue paths: the Contact Center queue id, else the legacy one. */
export function queueIdOf(q: Pick<Queue, 'cc_queue_id' | 'queue_id'>): string {
  const id = q.cc_queue_id || q.queue_id;
  if (!id) throw new ZoomInputError('a queue in the ZCC answer has neither cc_queue_id nor queue_id');
  return id;
}

/** One list operation for `ZoomCcClient.pages`: what to send (without the page token) and how to read a page. */
interface ListRequest<Raw extends ListEnvelope, Item> extends Omit<PaginateOptions<Raw, Item>, 'fetchPage'> {
  request: Omit<RequestArgs, 'query' | 'body'> & { query: NonNullable<RequestArgs['query']> };
}

export class ZoomCcClient {
  readonly governor: RateGovernor;
  readonly tokens: TokenManager;
  private readonly http: HttpCore;
  private readonly logger: ZoomLogger;

  constructor(readonly options: ZoomCcClientOptions) {
    const fetchImpl = options.fetchImpl ?? fetch;
    this.logger = options.logger ?? silentLogger;
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.governor = options.governor ?? getProcessGovernor(options.plan, options.rateShare ?? 1, options.rateScale ?? 1);
    this.tokens = new TokenManager({
      tokenUrl: options.tokenUrl,
      accountId: options.accountId,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      timeoutMs,
      logger: this.logger,
      fetchImpl,
    });
    this.http = new HttpCore({
      baseUrl: options.baseUrl,
      tokens: this.tokens,
      governor: this.governor,
      timeoutMs,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      logger: this.logger,
      fetchImpl,
    });
  }

  /** Requests a fresh token (for `config check`); throws `ZoomAuthError` naming the token check. */
  checkToken(): Promise<TokenCheck> {
    return this.tokens.checkToken();
  }

  /**
   * The raw request path (governed, authenticated, retried) with no client-side checks. For tests
   * that must send what the typed methods refuse (e.g. 21 users in one batch).
   */
  request<T>(args: RequestArgs): Promise<T> {
    return this.http.request<T>(args);
  }

  // ---- users ---------------------------------------------------------------------------------

  /** Pages of ZCC users (300 a page unless `page_size` says otherwise). */
  listUsers(query: ListUsersQuery = {}): AsyncGenerator<Page<ZoomCcUser>> {
    return this.pages({
      what: 'list users',
      request: { op: OPERATIONS.listUsers, query: { ...query, page_size: query.page_size ?? BATCH_LIMITS.pageSize } },
      itemsOf: (r: ListUsersResponse) => r.users,
      idOf: (u) => u.user_id,
    });
  }

  /** Every ZCC user matching the query, one at a time. */
  allUsers(query: ListUsersQuery = {}): AsyncGenerator<ZoomCcUser> {
    return itemsOf(this.listUsers(query));
  }

  /** The ZCC user with exactly this email (case-insensitive), found through `search_key`. */
  async findUserByEmail(email: string): Promise<ZoomCcUser | undefined> {
    const want = email.toLowerCase();
    for await (const u of this.allUsers({ search_key: email })) {
      if (u.user_email?.toLowerCase() === want) return u;
    }
    return undefined;
  }

  getUser(userId: string): Promise<ZoomCcUser> {
    return this.http.request<ZoomCcUser>({ op: OPERATIONS.getUser, pathParams: { userId } });
  }

  /** Assigns a ZCC license/profile to an existing Zoom user (201 + the user). */
  createUser(body: CreateUserBody): Promise<ZoomCcUser> {
    if (!body.user_email && !body.user_id) throw new ZoomInputError('createUser: give user_email or user_id');
    return this.http.request<ZoomCcUser>({ op: OPERATIONS.createUser, body });
  }

  /** One batch create call (≤ 20). Use `createUsers` in batching.ts for any number. */
  async batchCreateUsers(users: BatchCreateUserItem[]): Promise<ZoomCcUser[]> {
    checkBatch('batchCreateUsers', users.length, BATCH_LIMITS.createUsers, 'createUsers()');
    if (users.length === 0) return [];
    const res = await this.http.request<BatchCreateUsersResponse | undefined>({ op: OPERATIONS.batchCreateUsers, body: { users } });
    return res?.users ?? [];
  }

  /** Updates one user's settings (204). */
  async updateUser(userId: string, body: UpdateUserBody): Promise<void> {
    await this.http.request<void>({ op: OPERATIONS.updateUser, pathParams: { userId }, body });
  }

  /** One batch update call (≤ 20; 204). Use `updateUsers` in batching.ts for any number. */
  async batchUpdateUsers(users: BatchUpdateUserItem[]): Promise<void> {
    checkBatch('batchUpdateUsers', users.length, BATCH_LIMITS.updateUsers, 'updateUsers()');
    if (users.length === 0) return;
    await this.http.request<void>({ op: OPERATIONS.batchUpdateUsers, body: { users } });
  }

  /** Removes one user's ZCC profile (204). */
  async deleteUser(userId: string): Promise<void> {
    await this.http.request<void>({ op: OPERATIONS.deleteUser, pathParams: { userId } });
  }

  /** One batch delete call (≤ 20) by user ids or by emails (204). */
  async batchDeleteUsers(selector: BatchDeleteSelector): Promise<void> {
    const ids = 'userIds' in selector ? selector.userIds : selector.emails;
    checkBatch('batchDeleteUsers', ids.length, BATCH_LIMITS.deleteUsers, 'deleteUsers()');
    if (ids.length === 0) return;
    const query = 'userIds' in selector ? { user_ids: selector.userIds } : { user_emails: selector.emails };
    await this.http.request<void>({ op: OPERATIONS.batchDeleteUsers, query });
  }

  /** Pages of the queues a user belongs to. */
  listUserQueues(userId: string): AsyncGenerator<Page<UserQueue>> {
    return this.pages({
      what: `list queues of user ${userId}`,
      request: { op: OPERATIONS.listUserQueues, pathParams: { userId }, query: { page_size: BATCH_LIMITS.pageSize } },
      itemsOf: (r: ListUserQueuesResponse) => r.queues,
      idOf: (q) => q.cc_queue_id || q.queue_id || q.queue_name,
    });
  }

  // ---- roles ---------------------------------------------------------------------------------

  listRoles(): AsyncGenerator<Page<Role>> {
    return this.pages({
      what: 'list roles',
      request: { op: OPERATIONS.listRoles, query: { page_size: BATCH_LIMITS.pageSize } },
      itemsOf: (r: ListRolesResponse) => r.roles,
      idOf: (r) => r.role_id,
    });
  }

  listRoleUsers(roleId: string): AsyncGenerator<Page<RoleUser>> {
    return this.pages({
      what: `list users of role ${roleId}`,
      request: { op: OPERATIONS.listRoleUsers, pathParams: { roleId }, query: { page_size: BATCH_LIMITS.pageSize } },
      itemsOf: (r: ListRoleUsersResponse) => r.users,
      idOf: (u) => u.user_id,
    });
  }

  /** Assigns users (ids or emails, ≤ 30) to a role (201). */
  async assignRoleUsers(roleId: string, idsOrEmails: string[]): Promise<RoleUser[]> {
    checkBatch('assignRoleUsers', idsOrEmails.length, BATCH_LIMITS.assignRole, 'assignRole()');
    if (idsOrEmails.length === 0) return [];
    const res = await this.http.request<AssignRoleUsersResponse | undefined>({
      op: OPERATIONS.assignRoleUsers, pathParams: { roleId }, body: { user_ids: idsOrEmails },
    });
    return res?.users ?? [];
  }

  async unassignRoleUser(roleId: string, userId: string): Promise<void> {
    await this.http.request<void>({ op: OPERATIONS.unassignRoleUser, pathParams: { roleId, userId } });
  }

  // ---- queues --------------------------------------------------------------------------------

  listQueues(): AsyncGenerator<Page<Queue>> {
    return this.pages({
      what: 'list queues',
      request: { op: OPERATIONS.listQueues, query: { page_size: BATCH_LIMITS.pageSize } },
      itemsOf: (r: ListQueuesResponse) => r.queues,
      idOf: (q) => q.cc_queue_id || q.queue_id || q.queue_name,
    });
  }

  /** Pages of a queue's agents (100 a page: the spec's response maximum for this list). */
  listQueueAgents(queueId: string): AsyncGenerator<Page<QueueAgent>> {
    return this.pages({
      what: `list agents of queue ${queueId}`,
      request: { op: OPERATIONS.listQueueAgents, pathParams: { queueId }, query: { page_size: BATCH_LIMITS.queueAgentsPageSize } },
      itemsOf: (r: ListQueueAgentsResponse) => r.agents,
      idOf: (a) => a.user_id,
    });
  }

  /** Assigns agents (ids or emails, ≤ 30) to a queue (201). */
  async assignQueueAgents(queueId: string, idsOrEmails: string[]): Promise<QueueAgent[]> {
    checkBatch('assignQueueAgents', idsOrEmails.length, BATCH_LIMITS.assignQueue, 'assignToQueue()');
    if (idsOrEmails.length === 0) return [];
    const res = await this.http.request<AssignQueueAgentsResponse | undefined>({
      op: OPERATIONS.assignQueueAgents, pathParams: { queueId }, body: { user_ids: idsOrEmails },
    });
    return res?.agents ?? [];
  }

  async removeQueueAgent(queueId: string, userId: string): Promise<void> {
    await this.http.request<void>({ op: OPERATIONS.removeQueueAgent, pathParams: { queueId, userId } });
  }

  // ---- paging --------------------------------------------------------------------------------

  /**
   * Pages of one list operation: the same request again with each answer's `next_page_token`
   * (paging.ts stops a list whose tokens or pages repeat).
   */
  private pages<Raw extends ListEnvelope, Item>(list: ListRequest<Raw, Item>): AsyncGenerator<Page<Item>> {
    const { request, ...paging } = list;
    return paginate({
      ...paging,
      fetchPage: (token) => this.http.request<Raw>({ ...request, query: { ...request.query, next_page_token: token } }),
    });
  }

  // ---- names → ids ---------------------------------------------------------------------------

  /** Role names → role ids; unknown names → a `ZoomInputError` listing the roles that exist. */
  async resolveRoles(names: Iterable<string>): Promise<Map<string, string>> {
    const roles = await collect(this.listRoles());
    return resolveNames('role', names, roles.map((r) => ({ name: r.role_name, id: r.role_id })));
  }

  /** Queue names → queue ids (cc_queue_id); unknown names → a `ZoomInputError` listing the queues. */
  async resolveQueues(names: Iterable<string>): Promise<Map<string, string>> {
    const queues = await collect(this.listQueues());
    return resolveNames('queue', names, queues.map((q) => ({ name: q.queue_name, id: queueIdOf(q) })));
  }
}

function checkBatch(method: string, n: number, max: number, helper: string): void {
  if (n > max) {
    throw new ZoomInputError(`${method}: ${n} users given; the ZCC API takes at most ${max} per call — use ${helper} from src/zoom/batching to split`);
  }
}

/**
 * Exact names first; a name that differs only in case matches when exactly one entity has it.
 * Unknown names are all reported at once, with the names that exist.
 */
export function resolveNames(kind: 'role' | 'queue', names: Iterable<string>, existing: Array<{ name: string; id: string }>): Map<string, string> {
  const exact = new Map(existing.map((e) => [e.name, e.id]));
  const byLower = new Map<string, Array<{ name: string; id: string }>>();
  for (const e of existing) {
    const k = e.name.toLowerCase();
    byLower.set(k, [...(byLower.get(k) ?? []), e]);
  }
  const out = new Map<string, string>();
  const unknown: string[] = [];
  for (const name of names) {
    const id = exact.get(name) ?? (byLower.get(name.toLowerCase())?.length === 1 ? byLower.get(name.toLowerCase())![0].id : undefined);
    if (id === undefined) unknown.push(name);
    else out.set(name, id);
  }
  if (unknown.length) {
    const list = [...new Set(unknown)].map((n) => `'${n}'`).join(', ');
    const exists = existing.map((e) => e.name).sort((a, b) => a.localeCompare(b)).join(', ') || '(none)';
    const plural = unknown.length > 1 ? `${kind}s` : kind;
    throw new ZoomInputError(`unknown ${plural} ${list}; ${kind}s that exist: ${exists}`);
  }
  return out;
}

/** Builds a client from the config's `contactCenter` section, sharing the process governor. */
export function createZoomClient(config: Config['contactCenter'], logger?: ZoomLogger, overrides: Partial<ZoomCcClientOptions> = {}): ZoomCcClient {
  return new ZoomCcClient({
    baseUrl: config.baseUrl,
    tokenUrl: config.tokenUrl,
    accountId: config.accountId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    plan: config.plan,
    rateShare: config.rateShare,
    rateScale: config.rateScale,
    timeoutMs: config.timeoutMs,
    logger,
    ...overrides,
  });
}
