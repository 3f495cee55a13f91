/**
 * The emulator's public types: options, the seed file, faults, the admin views (stats, state).
 * The JSON shapes of Seed, Stats and StateSnapshot are a contract with tests, benchmarks and
 * `zcc-sync dev up`: add fields, never rename them.
 */

export type Plan = 'pro' | 'business';
export type PackageName = 'essentials' | 'premium' | 'elite';
export type UserAccess = 'active' | 'inactive';
/** Zoom's rate-limit labels ("Rate Limit Label" of each operation in the spec). */
export type RateLabel = 'LIGHT' | 'MEDIUM' | 'HEAVY';

export const PACKAGES: readonly PackageName[] = ['essentials', 'premium', 'elite'];

/** The seed file (`--seed FILE`, `POST /__emulator/seed`). */
export interface Seed {
  /** Users of the Zoom account: only these can be given a ZCC license. */
  accountUsers?: { email: string; name?: string }[];
  /** ZCC roles. Absent → Admin, Supervisor, Agent. Present (even empty) → exactly these. */
  roles?: { name: string; description?: string }[];
  queues?: { name: string; channel?: 'voice' | 'video' | 'messaging' | 'email' }[];
  /** License capacity per package; a missing entry means unlimited. */
  licenses?: Partial<Record<PackageName, number>>;
  /** ZCC users that already exist. An email missing from accountUsers is added to the account. */
  ccUsers?: {
    email: string;
    /** Role name (or role id). Absent → the default role (Agent, else the first role). */
    role?: string;
    /** Absent → essentials. */
    package?: PackageName;
    /** Absent → active. */
    access?: UserAccess;
    /** Queue names (or queue ids). */
    queues?: string[];
    /** Display name when the email is not among accountUsers. */
    name?: string;
  }[];
}

/** One fault rule, for one endpoint template (`POST /contact_center/users/batch`) or `*`. */
export interface FaultRule {
  /** Share (0..1) of calls answered 5xx *before* the change is applied (nothing happens). */
  errorRate?: number;
  /** Share (0..1) of calls whose change IS applied, then answered 5xx (the idempotency trap). */
  errorAfterApplyRate?: number;
  /** HTTP status of injected errors; default 500. */
  errorStatus?: number;
  /** Added latency before answering: a fixed ms value, or [min, max] drawn per call. */
  latencyMs?: number | [number, number];
  /** The next N calls get a 429 (per-second type), then the burst is used up. */
  burst429?: number;
  /** Share (0..1) of calls whose socket is destroyed without an answer, before applying. */
  dropRate?: number;
  /** Share (0..1) of calls whose change IS applied, then the socket is destroyed. */
  dropAfterApplyRate?: number;
}

export interface FaultSpec {
  /** PRNG seed: the same seed and call sequence give the same faults. Default 1. */
  seed?: number;
  /** Rules keyed by `METHOD /template` or `*`. An endpoint's own rule overrides `*` field by field. */
  rules?: Record<string, FaultRule>;
}

export interface UserChangeCounts {
  create: number;
  update: number;
  delete: number;
  queueAdd: number;
  queueRemove: number;
}

/** `GET /__emulator/stats`. */
export interface Stats {
  /** Every call by `METHOD /template` (ids as {userId}, {roleId}, {queueId}), rejected ones included. */
  calls: Record<string, number>;
  /** Changes actually applied, per user email. */
  byUser: Record<string, UserChangeCounts>;
  /** 429 answers (rate limits and injected bursts). */
  rateLimited: number;
  /** Added: answers by HTTP status. */
  statuses: Record<string, number>;
  /** Added: injected faults by kind (error, errorAfterApply, drop, dropAfterApply, burst429). */
  faults: Record<string, number>;
  /** Added: access tokens issued. */
  tokensIssued: number;
}

export interface StateUser {
  email: string;
  userId: string;
  /** Role name. */
  role: string;
  package: PackageName;
  access: UserAccess;
  /** Queue names, in assignment order. */
  queues: string[];
  /** Added: display name from the Zoom account. */
  name: string;
  /** Added: the other settings, as Zoom field names. */
  settings: {
    country_iso_code?: string;
    client_integration?: string;
    client_integration_name?: string;
    channel_settings: Record<string, unknown>;
    add_ons_plan: string[];
    status_id: string;
    sub_status_id?: string;
  };
}

/** `GET /__emulator/state`. */
export interface StateSnapshot {
  users: StateUser[];
  /** Added. */
  roles: { roleId: string; name: string; users: number }[];
  /** Added. */
  queues: { queueId: string; ccQueueId: string; name: string; agents: number }[];
  /** Added: capacity null = unlimited. */
  licenses: Record<PackageName, { capacity: number | null; used: number }>;
  /** Added: number of users in the Zoom account. */
  accountUsers: number;
}

export interface Credentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export interface EmulatorOptions {
  /** 0 (default) = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  seed?: Seed;
  /** Default pro. */
  plan?: Plan;
  /** Multiplies the plan's rates (and the daily limit). Default 1. */
  timeScale?: number;
  faults?: FaultSpec;
  /** SQLite file; default in memory. */
  db?: string;
  /** Default emulator-account / emulator-client / emulator-secret. */
  credentials?: Credentials;
  /** Access token lifetime; default 3600. */
  tokenTtlSeconds?: number;
  /** false disables rate limiting (functional tests). Default true. */
  rateLimits?: boolean;
  /** next_page_token lifetime; default 900 (Zoom: 15 minutes). */
  pageTokenTtlSeconds?: number;
  /** Clock in ms since the epoch, for tests (token expiry, page tokens, rate limits). Default Date.now. */
  clock?: () => number;
  /** Salt of the deterministic ids; the same salt and seed give the same ids. Default 'zcc-emulator'. */
  idSalt?: string;
}

export interface EmulatorHandle {
  port: number;
  /** http://host:port */
  url: string;
  /** url + /v2 */
  baseUrl: string;
  /** url + /oauth/token */
  tokenUrl: string;
  stats(): Stats;
  resetStats(): void;
  state(): Promise<StateSnapshot>;
  /** Replaces the whole state with this seed (counters are kept). */
  seed(seed: Seed): Promise<void>;
  /** Back to the last seed, counters zeroed, rate-limit budgets full, page tokens invalidated. */
  reset(): Promise<void>;
  setFaults(faults: FaultSpec | undefined): void;
  /** Every access token issued so far stops working (401 code 124). */
  expireTokens(): void;
  close(): Promise<void>;
}
