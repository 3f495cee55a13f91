/**
 * The typed configuration of zcc-sync: one YAML file, validated by these zod schemas.
 * Every section has embedded defaults that match `zcc-sync dev up` (the demo stack), so a
 * missing file or section is only an error where no safe default exists.
 */
import { z } from 'zod';
import { DIRECTORY_PRESETS, DIRECTORY_TYPES } from './directory-types';

const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, { message: `expected a URL with scheme ${protocols.join(' or ')}` });

export const PACKAGES = ['essentials', 'premium', 'elite'] as const;
export type PackageName = (typeof PACKAGES)[number];

export const temporalSchema = z.object({
  /** host:port of the frontend; empty means "use the stack of `zcc-sync dev up`". */
  address: z
    .string()
    .regex(/^(|[A-Za-z0-9.-]+:\d{1,5}|\[[0-9A-Fa-f:.]+\]:\d{1,5})$/, 'expected host:port such as 127.0.0.1:7233, or empty')
    .default(''),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).default('zcc-sync'),
  tls: z
    .object({
      caFile: z.string().optional(),
      certFile: z.string().optional(),
      keyFile: z.string().optional(),
      serverName: z.string().optional(),
    })
    .optional(),
  apiKey: z.string().optional(),
  /** Web UI base URL, used for links in emails and the CLI. */
  uiUrl: z.string().optional(),
}).strict();

const directoryFields = z.object({
  url: url(['ldap', 'ldaps']).default('ldap://127.0.0.1:3890'),
  bindDN: z.string().default('cn=reader,ou=services,dc=example,dc=com'),
  bindPassword: z.string().default(''),
  tlsCaFile: z.string().optional(),
  startTls: z.boolean().default(false),
  userBase: z.string().default('ou=people,dc=example,dc=com'),
  userFilter: z.string().optional(),
  groupBase: z.string().default('ou=groups,dc=example,dc=com'),
  groupFilter: z.string().optional(),
  attributes: z.object({
    email: z.string().optional(),
    displayName: z.string().optional(),
    uniqueId: z.string().optional(),
    member: z.string().optional(),
  }).strict().default({}),
  /** Sets the defaults of the filters, the attributes and the disabled rule (src/config/directory-types.ts). */
  type: z.enum(DIRECTORY_TYPES).default('openldap'),
  /** An LDAP filter matching disabled entries (leavers); replaces the type's rule. */
  disabledFilter: z.string().optional(),
  /** Email domain rewrites, e.g. { corp.example.local: example.com } for AD UPNs. */
  emailDomains: z.record(z.string(), z.string()).default({}),
  nestedGroups: z.enum(['expand', 'ignore']).default('expand'),
  pageSize: z.number().int().min(1).max(10000).default(1000),
  timeoutMs: z.number().int().positive().default(120000),
}).strict();

/** The directory section with the type's defaults filled in where the config leaves them out. */
export const directorySchema = directoryFields.transform((d) => {
  const preset = DIRECTORY_PRESETS[d.type];
  const a = d.attributes;
  return {
    ...d,
    userFilter: d.userFilter ?? preset.userFilter,
    groupFilter: d.groupFilter ?? preset.groupFilter,
    attributes: {
      email: a.email ?? preset.attributes.email,
      displayName: a.displayName ?? preset.attributes.displayName,
      uniqueId: a.uniqueId ?? preset.attributes.uniqueId,
      member: a.member ?? preset.attributes.member,
    },
  };
});

export const contactCenterSchema = z.object({
  baseUrl: url(['http', 'https']).default('https://api.zoom.us/v2'),
  tokenUrl: url(['http', 'https']).default('https://zoom.us/oauth/token'),
  accountId: z.string().default(''),
  clientId: z.string().default(''),
  clientSecret: z.string().default(''),
  plan: z.enum(['pro', 'business']).default('pro'),
  /** Share of the plan's per-second limits this process may use (Zoom limits are per account). */
  rateShare: z.number().gt(0).max(1).default(1),
  /** Multiplies the plan's rates. Only for the emulator's --time-scale (benchmarks, tests); keep 1 for Zoom. */
  rateScale: z.number().positive().default(1),
  timeoutMs: z.number().int().positive().default(30000),
}).strict();

export const storeSchema = z.object({
  client: z.enum(['sqlite3', 'pg']).default('sqlite3'),
  /** sqlite3: { filename }; pg: a connection string or object. Default: <stateDir>/zcc-sync.sqlite */
  connection: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
}).strict();

export const emailSchema = z.object({
  enabled: z.boolean().default(true),
  notifyUsers: z.boolean().default(true),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(2525),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  from: z.string().email().default('zcc-sync@example.com'),
  admins: z.array(z.string().email()).default([]),
}).strict();

export const settingsSchema = z.object({
  country_iso_code: z.string().regex(/^[A-Z]{2}$/, 'expected a two-letter ISO country code such as US').optional(),
  client_integration: z.enum(['Default', 'Salesforce', 'Zendesk', 'ServiceNow', 'Microsoft_Dynamics_365']).optional(),
  client_integration_name: z.string().optional(),
  user_access: z.enum(['active', 'inactive']).optional(),
  region_id: z.string().optional(),
  channel_settings: z.object({
    multi_channel_engagements: z.object({
      enable: z.boolean().optional(),
      max_agent_load: z.number().int().min(1).max(100).optional(),
      email_max_agent_load: z.number().int().min(1).max(100).optional(),
    }).strict().optional(),
    concurrent_message_capacity: z.number().int().min(0).max(20).optional(),
    concurrent_email_capacity: z.number().int().min(0).max(20).optional(),
  }).strict().optional(),
}).strict();
export type UserSettings = z.infer<typeof settingsSchema>;

export const mappingSchema = z.object({
  group: z.string().min(1),
  role: z.string().min(1),
  package: z.enum(PACKAGES).default('essentials'),
  queues: z.array(z.string().min(1)).default([]),
  settings: settingsSchema.default({}),
  priority: z.number().int().default(0),
}).strict();
export type Mapping = z.infer<typeof mappingSchema>;

export const policySchema = z.object({
  leaver: z.enum(['deactivate', 'remove']).default('deactivate'),
  /** With leaver=deactivate: remove the license this many days after deactivation (0 = never). */
  removeAfterDays: z.number().int().min(0).default(30),
  guards: z.object({
    maxRemovals: z.number().int().min(0).default(50),
    maxRemovalPercent: z.number().min(0).max(100).default(10),
    minDirectoryUsers: z.number().int().min(0).default(1),
    maxShrinkPercent: z.number().min(0).max(100).default(20),
  }).strict().default({ maxRemovals: 50, maxRemovalPercent: 10, minDirectoryUsers: 1, maxShrinkPercent: 20 }),
  /** Emails or glob patterns (`*` wildcard) that zcc-sync never changes. */
  exclude: z.array(z.string()).default([]),
  chunkSize: z.number().int().min(1).max(100).default(100),
  /** Chunk activities run at once; the rate governor paces their API calls. */
  concurrency: z.number().int().min(1).max(32).default(4),
  /** A directory user who is not a Zoom user (1004) is tried again only after this many hours, so
   *  every run does not repeat a create that cannot succeed; they are listed as plan warnings. */
  retryNotZoomUsersAfterHours: z.number().min(0).default(24),
  /** How long a held run waits for approve/reject before it expires (changing nothing). */
  approvalTimeoutHours: z.number().positive().default(24),
}).strict();
export type Policy = z.infer<typeof policySchema>;

const duration = z.string().regex(/^\d+(s|m|h|d)$/, 'expected a duration such as 30s, 15m or 1h');

export const scheduleSchema = z.object({
  /** The full reconcile's interval (the safety net: reads the whole directory and ZCC), e.g. 6h. */
  every: duration.optional(),
  cron: z.string().optional(),
  paused: z.boolean().default(false),
  /** The delta reconcile's schedule (`<scheduleId>-delta`): polls the directory for changes, e.g. every 30s. Absent: no delta schedule. */
  delta: z.object({
    every: z.string().regex(/^[1-9]\d*(s|m|h|d)$/, 'expected a duration such as 30s, 1m or 5m').optional(),
  }).strict().optional(),
}).strict();

export const workerSchema = z.object({
  metrics: z.object({
    /** host:port of the worker's metrics and health listener (/metrics, /healthz, /readyz); absent: off. */
    listen: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, 'expected host:port such as 127.0.0.1:9464').optional(),
    /** host:port where the Temporal SDK's own Prometheus metrics are served (task slots, poll and task latency); absent: off. */
    temporalListen: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, 'expected host:port such as 127.0.0.1:9465').optional(),
  }).strict().default({}),
}).strict();

export const alertsSchema = z.object({
  /** No reconcile completed for this long: the admins are emailed (once) and the metric says stale. Default: 3 × schedule.every (else 3h). */
  staleAfter: duration.optional(),
}).strict();

/** Group DNs of the demo directory's console role groups (devstack/console-accounts.ts seeds them). */
const DEMO_ROLE_GROUPS = {
  viewer: 'cn=console-viewers,ou=groups,dc=example,dc=com',
  operator: 'cn=console-operators,ou=groups,dc=example,dc=com',
  approver: 'cn=console-approvers,ou=groups,dc=example,dc=com',
} as const;

const hostPort = (example: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, `expected host:port such as ${example}`)
    .refine((v) => {
      const port = Number(v.slice(v.lastIndexOf(':') + 1));
      return port >= 1 && port <= 65535;
    }, { message: `expected host:port with a port from 1 to 65535, such as ${example}` });

/** The web console (console/): where it listens, its sessions, and who may do what (directory groups). */
export const consoleSchema = z.object({
  /** host:port the console listens on; loopback by default (put it behind TLS before opening it up). */
  listen: hostPort('127.0.0.1:8080').default('127.0.0.1:8080'),
  /** HTTPS: both files (PEM); absent: plain HTTP. */
  tls: z.object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
  }).strict().optional(),
  /** Key of the session cookies, ≥ 32 characters. Absent: a random key per start (everyone signs in again after a restart). */
  sessionSecret: z.string().min(32).optional(),
  /** How long a sign-in lasts. */
  sessionTtl: duration.default('8h'),
  /** Directory group DNs per console role; a member of a nested group counts when directory.nestedGroups is expand. */
  roles: z.object({
    viewer: z.array(z.string().min(1)).default(() => [DEMO_ROLE_GROUPS.viewer]),
    operator: z.array(z.string().min(1)).default(() => [DEMO_ROLE_GROUPS.operator]),
    approver: z.array(z.string().min(1)).default(() => [DEMO_ROLE_GROUPS.approver]),
  }).strict().default(() => ({ viewer: [DEMO_ROLE_GROUPS.viewer], operator: [DEMO_ROLE_GROUPS.operator], approver: [DEMO_ROLE_GROUPS.approver] })),
  /** The console's address as people reach it (links in emails and the CLI), e.g. https://zcc-sync.example.com. */
  publicUrl: url(['http', 'https']).optional(),
}).strict();
export type ConsoleConfig = z.infer<typeof consoleSchema>;

export const configSchema = z.object({
  /** Where the embedded stack, the SQLite store and the Temporal build cache live. */
  stateDir: z.string().default('.state'),
  temporal: temporalSchema.default(temporalSchema.parse({})),
  directory: directorySchema.default(directorySchema.parse({})),
  contactCenter: contactCenterSchema.default(contactCenterSchema.parse({})),
  store: storeSchema.default(storeSchema.parse({})),
  email: emailSchema.default(emailSchema.parse({})),
  mappings: z.array(mappingSchema).default([]),
  policy: policySchema.default(policySchema.parse({})),
  schedule: scheduleSchema.default(scheduleSchema.parse({})),
  worker: workerSchema.default(workerSchema.parse({})),
  alerts: alertsSchema.default(alertsSchema.parse({})),
  console: consoleSchema.default(consoleSchema.parse({})),
  log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') }).strict().default({ level: 'info' }),
}).strict();

export type Config = z.infer<typeof configSchema>;

/** Config paths whose values are secrets: masked in errors, redacted in logs. */
export const SECRET_PATHS = [
  'directory.bindPassword',
  'contactCenter.clientSecret',
  'email.password',
  'temporal.apiKey',
  'console.sessionSecret',
] as const;
