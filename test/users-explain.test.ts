/**
 * `zcc-sync users explain EMAIL [--json]` (issue 13, item 5): why a user has what they have.
 * Real slapd (nested groups with a cycle, a ppolicy-locked account, an email domain rewrite), the
 * ZCC emulator, Temporal and a worker; every command through the compiled CLI. For each kind of
 * user the explanation says the right thing (text and --json), and what it says the next
 * reconcile does is exactly what `plan --json` plans for that user.
 *
 * The pure parts (nesting path, op reasons) are tested first, without the stack.
 */
import { addGroupMember, modifyUser, removeGroupMember } from './support/ldap-admin';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import { groupDn, userDn, type DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { firstRdn, nestingPath } from '../src/explain/nesting-path';
import { decide, type DecideInput } from '../src/explain/decide';
import { groupNode } from '../src/ldap/snapshot/records';
import { policySchema, mappingSchema } from '../src/config/schema';
import type { Explanation } from '../src/explain/types';

const G = (cn: string) => groupDn(cn);

describe('nesting path (pure)', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([g, members]) => [g, groupNode(g, members)]));

  test('direct member: [group, user]; nested: through the shortest chain; cycles end', () => {
    const groups = graph({ 'cn=a': ['uid=x', 'cn=b'], 'cn=b': ['cn=c', 'uid=y'], 'cn=c': ['cn=b', 'uid=z'] });
    const isUser = (k: string) => k.startsWith('uid=');
    expect(nestingPath(groups, isUser, 'cn=a', new Set(['uid=x']), true)).toEqual(['cn=a', 'uid=x']);
    expect(nestingPath(groups, isUser, 'cn=a', new Set(['uid=z']), true)).toEqual(['cn=a', 'cn=b', 'cn=c', 'uid=z']);
    expect(nestingPath(groups, isUser, 'cn=a', new Set(['uid=nobody']), true)).toBeNull(); // the b ⊃ c ⊃ b cycle ends
    expect(nestingPath(groups, isUser, 'cn=a', new Set(['uid=y']), false)).toBeNull(); // nestedGroups: ignore
  });

  test('firstRdn keeps escaped commas', () => {
    expect(firstRdn('cn=Agents\\, EMEA,ou=groups,dc=x')).toBe('cn=Agents\\, EMEA');
  });
});

describe('decide (pure): the reasons follow the planner', () => {
  const policy = policySchema.parse({ removeAfterDays: 30, exclude: ['vip-*@example.com'] });
  const mappings = [mappingSchema.parse({ group: 'cn=a', role: 'Agent', queues: ['Support'] })];
  const now = new Date('2026-12-04T12:00:00.000Z');
  const base: DecideInput = { email: 'x@example.com', user: null, actual: null, managed: null, mappings, policy, recentNotZoomUsers: new Map(), lastNotZoomUser: null, held: [], now };
  const user = { email: 'x@example.com', displayName: 'X', uniqueId: 'x', dn: 'uid=x', groups: ['cn=a'] };
  const active = { email: 'x@example.com', userId: 'u1', displayName: 'X', roleName: 'Agent', packageName: 'essentials' as const, access: 'active' as const, queues: ['Support'], settings: {} };

  test('create, then deferred as not a Zoom user with the next try', () => {
    expect(decide({ ...base, user }).reasons.map((r) => r.code)).toEqual(['create']);
    const d = decide({ ...base, user, recentNotZoomUsers: new Map([['x@example.com', '2026-12-04T10:00:00.000Z']]), lastNotZoomUser: '2026-12-04T10:00:00.000Z' });
    expect(d.ops).toEqual([]);
    expect(d.reasons[0]).toMatchObject({ code: 'not-zoom-user', at: '2026-12-05T10:00:00.000Z' });
  });

  test('a leaver in the grace period, then removed when it ends', () => {
    const managed = { email: 'x@example.com', userId: 'u1', provisionedBy: 'r', provisionedAt: '2026-11-01T00:00:00.000Z', deactivatedAt: '2026-11-20T00:00:00.000Z', removedAt: null };
    const inGrace = decide({ ...base, actual: { ...active, access: 'inactive', queues: [] }, managed });
    expect(inGrace.ops).toEqual([]);
    expect(inGrace.reasons.map((r) => r.code)).toEqual(['leaver', 'grace-period']);
    expect(inGrace.reasons[1].text).toContain('license removed on 2026-12-20');
    const over = decide({ ...base, actual: { ...active, access: 'inactive', queues: [] }, managed, now: new Date('2026-12-21T00:00:00.000Z') });
    expect(over.ops.map((o) => o.kind)).toEqual(['remove']);
    expect(over.reasons.map((r) => r.code)).toEqual(['leaver', 'remove']);
  });

  test('excluded and not managed users get no op', () => {
    expect(decide({ ...base, email: 'vip-a@example.com', user: { ...user, email: 'vip-a@example.com' } })).toMatchObject({ ops: [], excluded: 'vip-*@example.com' });
    expect(decide({ ...base, actual: active }).reasons.map((r) => r.code)).toEqual(['not-managed']);
  });
});

// ---- the real stack -------------------------------------------------------------------------

const uid = (i: number) => `x${String(i).padStart(3, '0')}`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const M = (name: string) => `${name}@example.com`;
const LOCKED = '000001010000Z';

const directory: DirectorySpec = {
  users: [
    ...range(1, 12).map((i) => ({ uid: uid(i), displayName: `Explain ${i}` })),
    { uid: 'both', displayName: 'Two Groups' },
    { uid: 'tie', mail: 'tie@corp.example.local', displayName: 'Tie Rewrite' },
    { uid: 'nested', displayName: 'Nested Member' },
    { uid: 'vip-boss', displayName: 'Excluded Boss' },
    { uid: 'ghost', displayName: 'Not In Zoom' },
    { uid: 'leaver', displayName: 'Leaving Soon' },
    { uid: 'locked', displayName: 'Locked Later' },
  ],
  groups: [
    { cn: 'cc-agents', members: [...range(1, 12).map(uid), 'both', 'tie', 'vip-boss', 'ghost', 'leaver', 'locked'], groups: ['cc-emea'] },
    { cn: 'cc-supervisors', members: ['both'] },
    { cn: 'cc-sales', members: ['tie'] },
    // cc-agents ⊃ cc-emea ⊃ cc-emea-loop ⊃ nested, and cc-emea-loop ⊃ cc-emea again: a cycle.
    { cn: 'cc-emea', groups: ['cc-emea-loop'] },
    { cn: 'cc-emea-loop', members: ['nested'], groups: ['cc-emea'] },
  ],
};

const seed: Seed = {
  accountUsers: [
    ...range(1, 12).map((i) => ({ email: M(uid(i)), name: `Explain ${i}` })),
    ...['both', 'tie', 'nested', 'vip-boss', 'leaver', 'locked'].map((n) => ({ email: M(n), name: n })),
    { email: M('admin.hand'), name: 'Hand Made' },
  ],
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }, { name: 'Admin' }],
  queues: [{ name: 'Support' }, { name: 'Sales' }, { name: 'Escalations' }],
  licenses: { essentials: 100, premium: 100 },
  ccUsers: [{ email: M('admin.hand'), role: 'Admin', package: 'elite', access: 'active', queues: ['Support'] }],
};

const mappings = [
  { group: G('cc-agents'), role: 'Agent', package: 'essentials', queues: ['Support'], priority: 10 },
  { group: G('cc-supervisors'), role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], settings: { country_iso_code: 'GB' }, priority: 20 },
  { group: G('cc-sales'), role: 'Agent', package: 'premium', queues: ['Sales'], priority: 10 },
];

interface PlanOp {
  email: string;
  kind: string;
  before: unknown;
  after: unknown;
  reason?: string;
}

let env: SyncEnv;
let planOps: PlanOp[] = [];
const ldapTarget = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });

async function apply(): Promise<{ runId: string; status: string }> {
  const r = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`apply printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function explain(email: string): Promise<{ json: Explanation; text: string }> {
  const [j, t] = await Promise.all([env.cli(['users', 'explain', email, '--json']), env.cli(['users', 'explain', email])]);
  if (j.code !== 0 || t.code !== 0) throw new Error(`users explain ${email} failed (exit ${j.code}/${t.code}): ${j.stderr}${t.stderr}`);
  return { json: JSON.parse(j.stdout) as Explanation, text: t.stdout };
}

/** Ops compared as plan --json prints them: kind, before, after, reason; order-free. */
const comparable = (ops: PlanOp[]) =>
  ops.map((o) => ({ kind: o.kind, before: o.before ?? null, after: o.after ?? null, reason: o.reason ?? null })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** What explain says the next reconcile does to `email` equals what plan planned for them. */
function expectSameAsPlan(e: Explanation): void {
  expect(comparable(e.next.ops as PlanOp[])).toEqual(comparable(planOps.filter((o) => o.email === e.email)));
}

const stackOn = process.env.ZCC_TEST_STACK !== 'off';
(stackOn ? describe : describe.skip)('users explain on the real stack', () => {
  beforeAll(async () => {
    env = await startSyncEnv({
      directory,
      seed,
      config: {
        directory: { emailDomains: { 'corp.example.local': 'example.com' } },
        mappings,
        policy: { leaver: 'deactivate', removeAfterDays: 30, exclude: ['vip-*@example.com'], guards: { maxRemovals: 10, maxRemovalPercent: 50, maxShrinkPercent: 50 } },
      },
    });
    // 1. Everyone provisioned; ghost is not a Zoom user (1004, remembered).
    expect((await apply()).status).toBe('completed');
    // 2. leaver leaves the mapped group: deactivated (the grace clock starts).
    await removeGroupMember(ldapTarget(), 'cc-agents', 'leaver');
    expect((await apply()).status).toBe('completed');
    // 3. Pending for the next reconcile: locked is disabled in the directory; an admin took both
    //    out of Escalations by hand (an admin job, audited under "jest").
    await modifyUser(ldapTarget(), 'locked', { pwdAccountLockedTime: LOCKED });
    const edit = await env.cli(['users', 'edit', M('both'), '--remove-queue', 'Escalations', '--as', 'jest', '--json']);
    expect(edit.code).toBe(0);
    const plan = await env.cli(['plan', '--json']);
    expect(plan.code).toBe(0);
    planOps = JSON.parse(plan.stdout).ops;
  }, 300_000);

  afterAll(async () => {
    await env?.stop();
  });

  test('a user in two mapped groups: the priority winner gives role, package, settings; queues are the union', async () => {
    const { json, text } = await explain(M('both'));
    expect(json.directory).toMatchObject({ found: true, dn: userDn('both'), disabled: false });
    expect(json.directory.groups.map((g) => g.path)).toEqual([[G('cc-agents'), userDn('both')], [G('cc-supervisors'), userDn('both')]]);
    expect(json.mappings.map((m) => [m.index, m.priority, m.wins])).toEqual([[0, 10, false], [1, 20, true]]);
    expect(json.desired).toMatchObject({ roleName: 'Supervisor', packageName: 'premium', queues: ['Escalations', 'Support'], settings: { country_iso_code: 'GB' } });
    expect(json.zcc).toMatchObject({ roleName: 'Supervisor', packageName: 'premium', access: 'active', queues: ['Support'] });
    expect(json.next.reasons.map((r) => r.code)).toEqual(['update']);
    expect(json.next.ops).toEqual([{ email: M('both'), kind: 'queueAdd', before: null, after: { queue: 'Escalations' } }]);
    expectSameAsPlan(json);
    // History: the reconcile's create and the admin's queue removal, in order, with actor and run.
    const ops = json.history.map((h) => `${h.op}:${h.result}:${h.actor}`);
    expect(ops[0]).toBe('create:done:cli:jest');
    const created = json.history[0];
    const removed = json.history.find((h) => h.op === 'queueRemove');
    expect(removed).toMatchObject({ result: 'done', actor: 'cli:jest', before: { queue: 'Escalations' } });
    expect(removed?.runId).not.toBe(created.runId); // the admin job's own run
    expect(json.history.every((h) => typeof h.runId === 'string' && h.runId.length > 0)).toBe(true);
    expect(json.history.map((h) => h.id)).toEqual([...json.history.map((h) => h.id)].sort((a, b) => a - b));
    expect(text).toContain('mappings[1] cn=cc-supervisors  priority 20: role Supervisor, package premium, queues Support, Escalations');
    expect(text).toMatch(/\* mappings\[1\].*← wins/);
    expect(text).toContain(`+ queue ${M('both')} → Escalations`);
    expect(text).toMatch(/History \(\d+ audit row\(s\), oldest first\)/);
  });

  test('a tie in priority goes to the mapping first in the file; the email comes from a domain rewrite', async () => {
    const { json, text } = await explain(M('tie'));
    expect(json.mappings.map((m) => [m.index, m.wins])).toEqual([[0, true], [2, false]]);
    expect(json.desired).toMatchObject({ roleName: 'Agent', packageName: 'essentials', queues: ['Sales', 'Support'] });
    expect(json.directory.email).toEqual({ attribute: 'mail', value: 'tie@corp.example.local', rewrite: { from: 'tie@corp.example.local', to: M('tie') } });
    expect(json.next.reasons.map((r) => r.code)).toEqual(['in-step']);
    expectSameAsPlan(json);
    expect(text).toContain('mail tie@corp.example.local → tie@example.com (directory.emailDomains)');
  });

  test('a nested member: the path through the nested groups, the cycle reported', async () => {
    const { json, text } = await explain(M('nested'));
    expect(json.directory.groups).toEqual([{ group: G('cc-agents'), path: [G('cc-agents'), G('cc-emea'), G('cc-emea-loop'), userDn('nested')] }]);
    expect(json.directory.warnings.map((w) => w.code)).toContain('nested_cycle');
    expect(json.next.reasons.map((r) => r.code)).toEqual(['in-step']);
    expectSameAsPlan(json);
    expect(text).toContain('cn=cc-agents ⊃ cn=cc-emea ⊃ cn=cc-emea-loop ⊃ uid=nested  (nested)');
  });

  test('an excluded user: excluded, no op', async () => {
    const { json, text } = await explain(M('vip-boss'));
    expect(json.excluded).toBe('vip-*@example.com');
    expect(json.zcc).toBeNull();
    expect(json.next).toEqual({ ops: [], reasons: [expect.objectContaining({ code: 'excluded' })] });
    expectSameAsPlan(json);
    expect(text).toContain('excluded: policy.exclude matches "vip-*@example.com"; zcc-sync never changes this user');
  });

  test('a hand-made ZCC user: not managed, never changed', async () => {
    const { json, text } = await explain(M('admin.hand'));
    expect(json.directory.found).toBe(false);
    expect(json.managed).toBeNull();
    expect(json.zcc).toMatchObject({ roleName: 'Admin', packageName: 'elite', queues: ['Support'] });
    expect(json.next).toEqual({ ops: [], reasons: [expect.objectContaining({ code: 'not-managed' })] });
    expectSameAsPlan(json);
    expect(text).toContain('not managed: a ZCC user zcc-sync did not provision (made by hand)');
    expect(text).toContain('Directory: no mapped group has a member with this email.');
  });

  test('a directory user who is not a Zoom user: deferred, with the next try', async () => {
    const { json, text } = await explain(M('ghost'));
    expect(json.notZoomUser).not.toBeNull();
    const { lastTry, nextTry, deferred } = json.notZoomUser!;
    expect(deferred).toBe(true);
    expect(Date.parse(nextTry) - Date.parse(lastTry)).toBe(24 * 3600 * 1000);
    expect(json.next.ops).toEqual([]);
    expect(json.next.reasons).toEqual([expect.objectContaining({ code: 'not-zoom-user', at: nextTry })]);
    expectSameAsPlan(json);
    expect(text).toContain(`not a Zoom user: Zoom answered 1004 at ${lastTry.slice(0, 10)} ${lastTry.slice(11, 16)} UTC; next try at ${nextTry.slice(0, 10)} ${nextTry.slice(11, 16)} UTC`);
    expect(json.history.map((h) => `${h.op}:${h.result}`)[0]).toBe('create:not_zoom_user');
  });

  test('a leaver in the grace period: deactivated, and when the license goes', async () => {
    const { json, text } = await explain(M('leaver'));
    expect(json.directory.found).toBe(false);
    const deactivatedAt = json.managed?.deactivatedAt as string;
    expect(deactivatedAt).toEqual(expect.any(String));
    expect(json.zcc).toMatchObject({ access: 'inactive', queues: [] });
    const removeOn = new Date(Date.parse(deactivatedAt) + 30 * 86400_000).toISOString();
    expect(json.next.reasons).toEqual([expect.objectContaining({ code: 'leaver' }), expect.objectContaining({ code: 'grace-period', at: removeOn })]);
    expect(json.next.ops).toEqual([]);
    expectSameAsPlan(json);
    expect(text).toContain(`leaver in grace period: deactivated on ${deactivatedAt.slice(0, 10)}, license removed on ${removeOn.slice(0, 10)}`);
    expect(json.history.map((h) => h.op)).toEqual(expect.arrayContaining(['create', 'deactivate', 'queueRemove']));
  });

  test('an account disabled in the directory: a leaver with its groups unchanged', async () => {
    const { json, text } = await explain(M('locked'));
    expect(json.directory).toMatchObject({ found: true, disabled: true });
    expect(json.desired).toBeNull();
    expect(json.mappings.map((m) => m.index)).toEqual([0]);
    expect(json.next.reasons.map((r) => r.code)).toEqual(['disabled', 'deactivate']);
    expect(json.next.ops.map((o) => `${o.kind}:${o.reason}`).sort()).toEqual(['deactivate:disabled', 'queueRemove:disabled']);
    expectSameAsPlan(json);
    expect(text).toContain('DISABLED in the directory (the account is locked by the ppolicy overlay');
    expect(text).toContain(`- deactivate ${M('locked')} [disabled in the directory]`);
  });

  test('the plan changes only the users explained above as changing (both, locked)', async () => {
    const planned = [...new Set(planOps.map((o) => o.email))];
    expect(planned.sort()).toEqual([M('both'), M('locked')]);
  });

  test('bad input names the field, the value and the fix; exit 2', async () => {
    const r = await env.cli(['users', 'explain', 'not-an-email']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EMAIL: got "not-an-email" — expected one email address');
  });

  test('a nested group added later shows up in the path', async () => {
    await addGroupMember(ldapTarget(), 'cc-supervisors', { group: 'cc-emea-loop' });
    const { json } = await explain(M('nested'));
    expect(json.directory.groups).toEqual([
      { group: G('cc-agents'), path: [G('cc-agents'), G('cc-emea'), G('cc-emea-loop'), userDn('nested')] },
      { group: G('cc-supervisors'), path: [G('cc-supervisors'), G('cc-emea-loop'), userDn('nested')] },
    ]);
    expect(json.desired).toMatchObject({ roleName: 'Supervisor', queues: ['Escalations', 'Support'] });
  });

  test('held by guard: the held run, its reasons, and what it would do to the user', async () => {
    // 11 of the managed users leave at once: over policy.guards.maxRemovals (10), so the run is held.
    for (const i of range(1, 11)) await removeGroupMember(ldapTarget(), 'cc-agents', uid(i));
    const r = await env.cli(['apply', '--yes', '--json', '--as', 'jest']);
    expect(r.code).toBe(3);
    const held = JSON.parse(r.stdout) as { runId: string; status: string };
    expect(held.status).toBe('held');
    const { json, text } = await explain(M(uid(1)));
    expect(json.held).toEqual([expect.objectContaining({ runId: held.runId, reasons: expect.arrayContaining([expect.stringContaining('policy.guards.maxRemovals')]) })]);
    expect(json.held[0].ops.map((o) => o.kind).sort()).toEqual(['deactivate', 'queueRemove']);
    expect(json.next.reasons.map((x) => x.code)).toEqual(['leaver', 'deactivate', 'held']);
    expect(text).toContain(`held by guard: run ${held.runId} waits for approval since`);
    expect(text).toContain(`zcc-sync runs approve|reject ${held.runId}`);
    expect(text).toMatch(/once approved, it applies to this user:\n\s+- queue x001@example\.com ✕ Support\n\s+- deactivate x001@example\.com/);
    expect((await env.cli(['runs', 'reject', held.runId, '--as', 'jest'])).code).toBe(0);
  });
});
