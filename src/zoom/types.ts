/**
 * Typed requests and responses of the ZCC endpoints zcc-sync uses. Field names follow Zoom's
 * OpenAPI document (`../shared/zoom-cc/openapi.json`, Sept-2025 snapshot) exactly.
 *
 * Response fields are optional unless zcc-sync cannot work without them: the live API is newer than
 * the snapshot and may add or omit fields, and the client must tolerate both.
 */

export type ZoomPlan = 'pro' | 'business';
/** Zoom's rate-limit labels; every operation carries one (API.md §1.1, §2, §4). */
export type RateLabel = 'light' | 'medium' | 'heavy';

export type PackageName = 'essentials' | 'premium' | 'elite';
/**
 * The batch-update item's `package_name` enum is capitalised in the spec while the single update and
 * the create schemas are lower case (API.md §1.7, UNCONFIRMED which one the server takes).
 */
export type BatchPackageName = 'Essentials' | 'Premium' | 'Elite';
export type UserAccess = 'active' | 'inactive';
export type ClientIntegration = 'Default' | 'Salesforce' | 'Zendesk' | 'ServiceNow' | 'Microsoft_Dynamics_365';
export type AddOnPlan = 'ai_expert_assist';
export type QueueChannel = 'voice' | 'video' | 'messaging' | 'email';

export interface ChannelSettings {
  multi_channel_engagements?: {
    enable?: boolean;
    /** 1..100 */
    max_agent_load?: number;
    /** 1..100 */
    email_max_agent_load?: number;
  };
  /** 0..20 */
  concurrent_message_capacity?: number;
  /** 0..20 */
  concurrent_email_capacity?: number;
}

/** A ZCC user as list users / get user / create return it. */
export interface ZoomCcUser {
  user_id: string;
  user_email: string;
  display_name?: string;
  role_id?: string;
  role_name?: string;
  client_integration?: ClientIntegration;
  /** Only in the get-one and create responses. */
  client_integration_name?: string;
  status_id?: string;
  status_name?: string;
  sub_status_id?: string;
  sub_status_name?: string;
  user_access?: UserAccess;
  /** Only in the list item. */
  modified_by?: string;
  /** Only in the list item. */
  last_modified_time?: string;
  country_iso_code?: string;
  region_id?: string;
  region_name?: string;
  channel_settings?: ChannelSettings;
  /** The CC license (package); absent when the user has none. */
  package_name?: PackageName;
  add_ons_plan?: string[];
}

/** Settings shared by create, batch create, update and batch update. */
interface UserSettingsFields {
  role_id?: string;
  country_iso_code?: string;
  client_integration?: ClientIntegration;
  client_integration_name?: string;
  user_access?: UserAccess;
  template_id?: string;
  add_ons_plan?: AddOnPlan[];
}

/** `POST /contact_center/users`. Give `user_email` or `user_id` (if both, Zoom uses `user_email`). */
export interface CreateUserBody extends UserSettingsFields {
  user_email?: string;
  user_id?: string;
  region_id?: string;
  channel_settings?: ChannelSettings;
  package_name?: PackageName;
}

/** One item of `POST /contact_center/users/batch`: as create, minus `region_id`. */
export type BatchCreateUserItem = Omit<CreateUserBody, 'region_id'>;

export interface BatchCreateUsersBody {
  users: BatchCreateUserItem[];
}

export interface BatchCreateUsersResponse {
  users?: ZoomCcUser[];
}

/** `PATCH /contact_center/users/{userId}` (204). There is no display name or email update. */
export interface UpdateUserBody extends UserSettingsFields {
  region_id?: string;
  channel_settings?: ChannelSettings;
  /** An empty value does not assign the user to ZCC (per the spec). */
  package_name?: PackageName;
  /** Deprecated in the spec; kept for completeness. */
  status_id?: string;
  sub_status_id?: string;
}

/**
 * One item of `PATCH /contact_center/users` (204). Identified by `user_id` or `user_email`
 * (if both, Zoom uses `user_id`). No `region_id` and no `channel_settings` in the batch item.
 */
export interface BatchUpdateUserItem extends UserSettingsFields {
  user_id?: string;
  user_email?: string;
  package_name?: BatchPackageName;
}

export interface BatchUpdateUsersBody {
  users: BatchUpdateUserItem[];
}

export type BatchDeleteSelector = { userIds: string[] } | { emails: string[] };

export interface ListUsersQuery {
  search_key?: string;
  user_access?: UserAccess;
  region_id?: string;
  /** ≤ 300; the client uses 300 when absent. */
  page_size?: number;
}

/** Common envelope of every CC list response. */
export interface ListEnvelope {
  next_page_token?: string;
  page_size?: number;
  total_records?: number;
}

export interface ListUsersResponse extends ListEnvelope {
  users?: ZoomCcUser[];
}

export interface Role {
  role_id: string;
  role_name: string;
  role_description?: string;
  total_users?: number;
  modified_by?: string;
  last_modified_time?: string;
}

export interface ListRolesResponse extends ListEnvelope {
  roles?: Role[];
}

export interface RoleUser {
  user_id: string;
  display_name?: string;
  user_email?: string;
}

export interface ListRoleUsersResponse extends ListEnvelope {
  users?: RoleUser[];
}

/** Body of role and queue assignment: values may be user IDs or emails; ≤ 30. */
export interface AssignUsersBody {
  user_ids: string[];
}

export interface AssignRoleUsersResponse {
  users?: RoleUser[];
}

export interface Queue {
  /** Legacy task-queue id, deprecated by Zoom. */
  queue_id?: string;
  /** The id to use in paths (the spec prefers it over `queue_id`). */
  cc_queue_id?: string;
  queue_name: string;
  agents_count?: number;
  supervisors_count?: number;
  channel_types?: string[];
  channel?: QueueChannel;
  modified_by?: string;
  last_modified_time?: string;
}

export interface ListQueuesResponse extends ListEnvelope {
  queues?: Queue[];
}

export interface QueueAgent {
  user_id: string;
  display_name?: string;
  user_email?: string;
  role_id?: string;
  role_name?: string;
  status_id?: string;
  status_name?: string;
  user_access?: UserAccess;
  /** 0 opted in, 1 opted out by a supervisor/admin, 2 opted out by the agent. */
  opt_in_out_status?: 0 | 1 | 2;
}

export interface ListQueueAgentsResponse extends ListEnvelope {
  agents?: QueueAgent[];
}

export interface AssignQueueAgentsResponse {
  agents?: QueueAgent[];
}

/** An item of `GET /contact_center/users/{userId}/queues`. */
export interface UserQueue {
  queue_id?: string;
  cc_queue_id?: string;
  queue_name: string;
  channel?: QueueChannel;
  user_assignment_type?: 'agent' | 'supervisor' | 'any' | 'both';
  queue_description?: string;
  caller_ids?: string[];
}

export interface ListUserQueuesResponse extends ListEnvelope {
  queues?: UserQueue[];
}

/** One page of any list, as the client's iterators yield it. */
export interface Page<T> {
  items: T[];
  /** The token of the next page; undefined on the last page. */
  nextPageToken?: string;
  totalRecords?: number;
  /** 1-based page number within this iteration. */
  pageNumber: number;
}

/** `POST {tokenUrl}` answer (Server-to-Server OAuth). */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in: number;
  scope?: string;
}

/** What `checkToken()` reports; never the token itself. */
export interface TokenCheck {
  expiresInSeconds: number;
  scopes: string[];
}

/** The API's own batch maxima (API.md §1.5, §1.7, §1.8, §2). */
export const BATCH_LIMITS = {
  createUsers: 20,
  updateUsers: 20,
  deleteUsers: 20,
  assignRole: 30,
  assignQueue: 30,
  pageSize: 300,
  /** Queue agents: the response schema caps page_size at 100 (request max UNCONFIRMED). */
  queueAgentsPageSize: 100,
} as const;

/** The pino-like logger the client writes to (only these three levels). */
export interface ZoomLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: ZoomLogger = { debug() {}, info() {}, warn() {} };
