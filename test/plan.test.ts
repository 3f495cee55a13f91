/** The reconcile planner, as a table: each case is directory + ZCC + store → exact ops. */
import { mappingSchema, policySchema, type Mapping, type Policy } from '../src/config/schema';
import type { ActualUser, DesiredUser, DirectoryUser, ManagedRecord, Op } from '../src/domain/types';
import { desiredState } from '../src/reconcile/desired';
import { diffSettings, excludeMatcher, plan, type PlanInput } from '../src/reconcile/plan';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

const want = (email: string, over: Partial<DesiredUser> = {}): DesiredUser => ({
  email,
  displayName: email.split('@')[0],
  roleName: 'Agent',
  packageName: 'premium',
  queues: ['Sales'],
  settings: {},
  ...over,
});
const have = (email: string, over: Partial<ActualUser> = {}): ActualUser => ({
  email,
  userId: `id-${email}`,
  displayName: email.split('@')[0],
  roleName: 'Agent',
  packageName: 'premium',
  access: 'active',
  queues: ['Sales'],
  settings: {},
  ...over,
});
const rec = (email: string, deactivatedAt: string | null = null): ManagedRecord => ({ email, userId: `id-${email}`, deactivatedAt });

interface Case {
  name: string;
  desired?: DesiredUser[];
  actual?: ActualUser[];
  managed?: ManagedRecord[];
  policy?: Partial<Policy>;
  mappedQueues?: string[];
  /** Ops as `kind email` plus a compact detail, in plan order. */
  ops: string[];
  unchanged?: number;
  adopt?: string[];
  warning?: RegExp;
}

/** `create a@x {…after}`, `update a@x {before}→{after}`, `queueAdd a@x Sales`, … */
function show(op: Op): string {
  switch (op.kind) {
    case 'create':
      return `create ${op.email} ${JSON.stringify(op.after)}`;
    case 'update':
      return `update ${op.email} ${JSON.stringify(op.before)}→${JSON.stringify(op.after)}`;
    case 'queueAdd':
      return `queueAdd ${op.email} ${(op.after as { queue: string }).queue}`;
    case 'queueRemove':
      return `queueRemove ${op.email} ${(op.before as { queue: string }).queue}`;
    default:
      return `${op.kind} ${op.email}`;
  }
}

function run(c: Pick<Case, 'desired' | 'actual' | 'managed' | 'policy' | 'mappedQueues'>) {
  const input: PlanInput = {
    desired: new Map((c.desired ?? []).map((u) => [u.email, u])),
    actual: new Map((c.actual ?? []).map((u) => [u.email, u])),
    managed: new Map((c.managed ?? []).map((u) => [u.email, u])),
    policy: policySchema.parse(c.policy ?? {}),
    now: NOW,
    mappedQueues: c.mappedQueues,
  };
  return plan(input);
}

const cases: Case[] = [
  {
    name: 'create: desired, not in ZCC → create + one queueAdd per queue',
    desired: [want('a@x.com', { queues: ['Sales', 'Support'], settings: { country_iso_code: 'US' } })],
    ops: [
      'create a@x.com {"role":"Agent","package":"premium","queues":["Sales","Support"],"settings":{"country_iso_code":"US"}}',
      'queueAdd a@x.com Sales',
      'queueAdd a@x.com Support',
    ],
    unchanged: 0,
  },
  {
    name: 'no-op: desired and identical in ZCC',
    desired: [want('a@x.com')],
    actual: [have('a@x.com')],
    managed: [rec('a@x.com')],
    ops: [],
    unchanged: 1,
    adopt: [],
  },
  {
    name: 'role change',
    desired: [want('a@x.com', { roleName: 'Supervisor' })],
    actual: [have('a@x.com')],
    managed: [rec('a@x.com')],
    ops: ['update a@x.com {"role":"Agent"}→{"role":"Supervisor"}'],
    unchanged: 0,
  },
  {
    name: 'role names compare case-insensitively (no perpetual update)',
    desired: [want('a@x.com', { roleName: 'agent', queues: ['sales'] })],
    actual: [have('a@x.com', { roleName: 'Agent', queues: ['Sales'] })],
    managed: [rec('a@x.com')],
    ops: [],
    unchanged: 1,
  },
  {
    name: 'package change',
    desired: [want('a@x.com', { packageName: 'elite' })],
    actual: [have('a@x.com', { packageName: 'essentials' })],
    managed: [rec('a@x.com')],
    ops: ['update a@x.com {"package":"essentials"}→{"package":"elite"}'],
  },
  {
    name: 'settings change: only fields the mapping sets, leaf by leaf',
    desired: [
      want('a@x.com', {
        settings: { country_iso_code: 'GB', channel_settings: { concurrent_message_capacity: 3, multi_channel_engagements: { enable: true } } },
      }),
    ],
    actual: [
      have('a@x.com', {
        settings: {
          country_iso_code: 'US',
          client_integration: 'Salesforce', // not set by the mapping: never compared
          channel_settings: { concurrent_message_capacity: 3, concurrent_email_capacity: 9, multi_channel_engagements: { enable: false } },
        },
      }),
    ],
    managed: [rec('a@x.com')],
    ops: [
      'update a@x.com {"settings":{"country_iso_code":"US","channel_settings":{"multi_channel_engagements":{"enable":false}}}}→{"settings":{"country_iso_code":"GB","channel_settings":{"multi_channel_engagements":{"enable":true}}}}',
    ],
  },
  {
    name: 'settings equal on the fields the mapping sets → no op',
    desired: [want('a@x.com', { settings: { country_iso_code: 'US' } })],
    actual: [have('a@x.com', { settings: { country_iso_code: 'US', client_integration: 'Zendesk' } })],
    managed: [rec('a@x.com')],
    ops: [],
    unchanged: 1,
  },
  {
    name: 'queue add and remove',
    desired: [want('a@x.com', { queues: ['Billing', 'Sales'] })],
    actual: [have('a@x.com', { queues: ['Sales', 'Support'] })],
    managed: [rec('a@x.com')],
    ops: ['queueAdd a@x.com Billing', 'queueRemove a@x.com Support'],
  },
  {
    name: 'queue removal spares queues zcc-sync does not manage (mappedQueues)',
    desired: [want('a@x.com', { queues: ['Sales'] })],
    actual: [have('a@x.com', { queues: ['Sales', 'Support', 'VIP-by-hand'] })],
    managed: [rec('a@x.com')],
    mappedQueues: ['Sales', 'Support'],
    ops: ['queueRemove a@x.com Support'],
  },
  {
    name: 'leaver → deactivate + queue removes',
    actual: [have('l@x.com', { queues: ['Sales', 'Support'] })],
    managed: [rec('l@x.com')],
    ops: ['queueRemove l@x.com Sales', 'queueRemove l@x.com Support', 'deactivate l@x.com'],
    unchanged: 0,
  },
  {
    name: 'leaver already deactivated, within grace → nothing (unchanged)',
    actual: [have('l@x.com', { access: 'inactive', queues: [] })],
    managed: [rec('l@x.com', daysAgo(10))],
    ops: [],
    unchanged: 1,
  },
  {
    name: 'leaver deactivated but a queue removal is still missing → queue remove only',
    actual: [have('l@x.com', { access: 'inactive', queues: ['Sales'] })],
    managed: [rec('l@x.com', daysAgo(1))],
    ops: ['queueRemove l@x.com Sales'],
  },
  {
    name: 'leaver inactive in ZCC but never recorded as deactivated → deactivate (starts the grace clock)',
    actual: [have('l@x.com', { access: 'inactive', queues: [] })],
    managed: [rec('l@x.com', null)],
    ops: ['deactivate l@x.com'],
  },
  {
    name: 'leaver past grace (removeAfterDays) → remove',
    actual: [have('l@x.com', { access: 'inactive', queues: [] })],
    managed: [rec('l@x.com', daysAgo(31))],
    policy: { removeAfterDays: 30 },
    ops: ['remove l@x.com'],
  },
  {
    name: 'leaver exactly at the grace boundary → remove',
    actual: [have('l@x.com', { access: 'inactive', queues: [] })],
    managed: [rec('l@x.com', daysAgo(30))],
    policy: { removeAfterDays: 30 },
    ops: ['remove l@x.com'],
  },
  {
    name: 'removeAfterDays 0 → never removed',
    actual: [have('l@x.com', { access: 'inactive', queues: [] })],
    managed: [rec('l@x.com', daysAgo(400))],
    policy: { removeAfterDays: 0 },
    ops: [],
    unchanged: 1,
  },
  {
    name: 'leaver with policy.leaver = remove → remove at once (no deactivate, no queue ops)',
    actual: [have('l@x.com', { queues: ['Sales'] })],
    managed: [rec('l@x.com')],
    policy: { leaver: 'remove' },
    ops: ['remove l@x.com'],
  },
  {
    name: 'managed user already gone from ZCC → nothing, not counted',
    managed: [rec('gone@x.com', daysAgo(40))],
    ops: [],
    unchanged: 0,
  },
  {
    name: 're-joiner (deactivated by zcc-sync) → reactivated + queues back',
    desired: [want('r@x.com', { queues: ['Sales', 'Support'] })],
    actual: [have('r@x.com', { access: 'inactive', queues: [] })],
    managed: [rec('r@x.com', daysAgo(5))],
    ops: ['update r@x.com {"access":"inactive"}→{"access":"active"}', 'queueAdd r@x.com Sales', 'queueAdd r@x.com Support'],
  },
  {
    name: 'desired but inactive by an admin (not by zcc-sync) → left inactive, warned',
    desired: [want('h@x.com')],
    actual: [have('h@x.com', { access: 'inactive' })],
    managed: [rec('h@x.com', null)],
    ops: [],
    unchanged: 1,
    warning: /inactive in ZCC but were not deactivated by zcc-sync.*h@x\.com/,
  },
  {
    name: 'hand-made ZCC user (not desired, not managed) → untouched',
    actual: [have('admin@x.com', { roleName: 'Admin', queues: ['Sales'] })],
    ops: [],
    unchanged: 0,
  },
  {
    name: 'excluded user (exact, any case) → no ops even if desired or a leaver',
    desired: [want('boss@x.com', { roleName: 'Supervisor' })],
    actual: [have('boss@x.com'), have('old@x.com')],
    managed: [rec('boss@x.com'), rec('old@x.com')],
    policy: { exclude: ['BOSS@x.com', 'old@X.COM'] },
    ops: [],
    unchanged: 0,
  },
  {
    name: 'excluded user (glob) → no create',
    desired: [want('svc-bot@x.com'), want('ann@x.com', { queues: [] })],
    policy: { exclude: ['svc-*@x.com'] },
    ops: ['create ann@x.com {"role":"Agent","package":"premium","queues":[],"settings":{}}'],
  },
  {
    name: 'email case: Bob@X.com desired vs bob@x.com in ZCC → no create, no duplicate',
    desired: [want('Bob@X.com')],
    actual: [have('bob@x.com')],
    managed: [rec('BOB@x.com')],
    ops: [],
    unchanged: 1,
    adopt: [],
  },
  {
    name: 'adopted: desired user created by hand in ZCC → updated to match and listed for adoption',
    desired: [want('hand@x.com', { roleName: 'Supervisor', queues: ['Sales'] })],
    actual: [have('hand@x.com', { roleName: 'Agent', queues: [] })],
    ops: ['update hand@x.com {"role":"Agent"}→{"role":"Supervisor"}', 'queueAdd hand@x.com Sales'],
    adopt: ['hand@x.com'],
    warning: /adopted.*hand@x\.com/,
  },
  {
    name: 'adopted with nothing to change → no op, still listed for adoption, unchanged',
    desired: [want('same@x.com')],
    actual: [have('same@x.com')],
    ops: [],
    unchanged: 1,
    adopt: ['same@x.com'],
  },
];

describe('plan', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = run(c);
    expect(result.ops.map(show)).toEqual(c.ops);
    for (const op of result.ops) expect(result.summary[op.kind]).toBeGreaterThan(0);
    expect(result.summary.create + result.summary.update + result.summary.queueAdd + result.summary.queueRemove + result.summary.deactivate + result.summary.remove).toBe(c.ops.length);
    if (c.unchanged !== undefined) expect(result.summary.unchanged).toBe(c.unchanged);
    if (c.adopt !== undefined) expect(result.adopt).toEqual(c.adopt);
    if (c.warning) expect(result.warnings.join('\n')).toMatch(c.warning);
  });

  test('user in two groups: priority wins role/package/settings, queues are the union (desired → plan)', () => {
    const mappings: Mapping[] = [
      mappingSchema.parse({ group: 'cn=agents,ou=groups,dc=x', role: 'Agent', package: 'essentials', queues: ['Support'], settings: { country_iso_code: 'US' }, priority: 1 }),
      mappingSchema.parse({ group: 'cn=leads,ou=groups,dc=x', role: 'Supervisor', package: 'elite', queues: ['Escalations', 'Support'], settings: { country_iso_code: 'GB' }, priority: 10 }),
    ];
    const users: DirectoryUser[] = [
      { email: 'both@x.com', displayName: 'Both', uniqueId: '1', dn: 'uid=both', groups: ['cn=agents,ou=groups,dc=x', 'cn=leads,ou=groups,dc=x'] },
    ];
    const result = run({ desired: [...desiredState(users, mappings).values()] });
    expect(result.ops.map(show)).toEqual([
      'create both@x.com {"role":"Supervisor","package":"elite","queues":["Escalations","Support"],"settings":{"country_iso_code":"GB"}}',
      'queueAdd both@x.com Escalations',
      'queueAdd both@x.com Support',
    ]);
  });

  test('moving a user between groups: role and queues follow', () => {
    const result = run({
      desired: [want('m@x.com', { roleName: 'Supervisor', queues: ['Escalations'] })],
      actual: [have('m@x.com', { roleName: 'Agent', queues: ['Sales'] })],
      managed: [rec('m@x.com')],
    });
    expect(result.ops.map(show)).toEqual([
      'update m@x.com {"role":"Agent"}→{"role":"Supervisor"}',
      'queueAdd m@x.com Escalations',
      'queueRemove m@x.com Sales',
    ]);
  });

  test('active leaver whose record says deactivated long ago (reactivated by hand) is removed, not re-deactivated', () => {
    const result = run({ actual: [have('l@x.com')], managed: [rec('l@x.com', daysAgo(60))] });
    expect(result.ops.map(show)).toEqual(['remove l@x.com']);
    expect(result.ops[0].before).toMatchObject({ access: 'active', deactivatedAt: daysAgo(60) });
  });

  test('desired user reactivated by hand after a zcc-sync deactivation → record cleared, no op', () => {
    const result = run({ desired: [want('r@x.com')], actual: [have('r@x.com')], managed: [rec('r@x.com', daysAgo(3))] });
    expect(result.ops).toEqual([]);
    expect(result.clearDeactivated).toEqual(['r@x.com']);
  });

  test('ops are sorted by OP_ORDER, then email, then queue — whatever the input order', () => {
    const desired = [want('z@x.com', { queues: ['B', 'A'] }), want('a@x.com', { roleName: 'Supervisor' }), want('m@x.com')];
    const actual = [have('a@x.com'), have('l2@x.com'), have('l1@x.com', { queues: [] })];
    const managed = [rec('l2@x.com'), rec('l1@x.com'), rec('a@x.com')];
    const r1 = run({ desired, actual, managed });
    const r2 = run({ desired: [...desired].reverse(), actual: [...actual].reverse(), managed: [...managed].reverse() });
    expect(r1.ops).toEqual(r2.ops);
    expect(r1.ops.map(show)).toEqual([
      'create m@x.com {"role":"Agent","package":"premium","queues":["Sales"],"settings":{}}',
      'create z@x.com {"role":"Agent","package":"premium","queues":["B","A"],"settings":{}}',
      'update a@x.com {"role":"Agent"}→{"role":"Supervisor"}',
      'queueAdd m@x.com Sales',
      'queueAdd z@x.com A',
      'queueAdd z@x.com B',
      'queueRemove l2@x.com Sales',
      'deactivate l1@x.com',
      'deactivate l2@x.com',
    ]);
    expect(r1.summary).toEqual({ create: 2, update: 1, queueAdd: 3, queueRemove: 1, deactivate: 2, remove: 0, unchanged: 0 });
  });

  test('the input maps are not modified', () => {
    const desired = new Map([['A@x.com', want('A@x.com')]]);
    const actual = new Map([['a@x.com', have('a@x.com', { queues: [] })]]);
    const managed = new Map<string, ManagedRecord>();
    plan({ desired, actual, managed, policy: policySchema.parse({}), now: NOW });
    expect([...desired.keys()]).toEqual(['A@x.com']);
    expect(actual.get('a@x.com')?.queues).toEqual([]);
  });

  test('an explicit excluded() overrides policy.exclude', () => {
    const result = plan({
      desired: new Map([['a@x.com', want('a@x.com')]]),
      actual: new Map(),
      managed: new Map(),
      policy: policySchema.parse({ exclude: ['a@x.com'] }),
      now: NOW,
      excluded: () => false,
    });
    expect(result.summary.create).toBe(1);
  });
});

describe('excludeMatcher', () => {
  const m = excludeMatcher(['ceo@x.com', '*@contractors.x.com', 'svc-*', ' Admin.*@X.com ']);
  test.each([
    ['ceo@x.com', true],
    ['CEO@X.COM', true],
    ['bob@contractors.x.com', true],
    ['bob@contractorsXx.com', false], // '.' is literal
    ['svc-backup@x.com', true],
    ['admin.jane@x.com', true],
    ['jane@x.com', false],
    ['ceo@x.com.evil', false], // anchored
  ])('%s → %s', (email, expected) => expect(m(email)).toBe(expected));
});

describe('diffSettings', () => {
  test('missing actual field counts as a difference; equal leaves do not', () => {
    expect(diffSettings({ region_id: 'r1' }, {})).toEqual({ before: { region_id: null }, after: { region_id: 'r1' } });
    expect(diffSettings({ channel_settings: { concurrent_email_capacity: 2 } }, { channel_settings: { concurrent_email_capacity: 2 } })).toBeNull();
  });
});
