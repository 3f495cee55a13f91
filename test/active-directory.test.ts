/**
 * Active Directory, first class (issue 12), against a real Samba 4.17 AD domain controller over
 * LDAPS with its CA (the run's DC: test/support/stack.ts testAd()), the ZCC emulator, SMTP and the
 * real Temporal; runs started through the compiled CLI, as an admin would:
 *   - the mapped groups are provisioned, a nested group's members and a 1,600-member group (AD's
 *     ranged member retrieval) included, with role, package and queues;
 *   - a user disabled in AD (groups unchanged) or whose account expired is deactivated as
 *     "disabled in the directory", and reactivated when enabled again; disabled from the start,
 *     never provisioned;
 *   - disabling a whole mapped group holds the run (the guards count disabled users);
 *   - userPrincipalName as the email source with a domain rewrite;
 *   - `directory preview` (text and --json);
 *   - a password bind over plain ldap:// fails saying to use ldaps:// or startTls;
 *   - delta runs on AD (issue 14): a joiner and a disabled account picked up by uSNChanged.
 */
import { testAdOrReport } from './support/stack';
import { addGroup, addMembers, addUser, deleteEntry, removeMembers, setAccountExpires, setEnabled, testOu, type AdUser } from './support/ad-admin';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import type { Seed } from '../emulator/types';
import type { TestAd } from './support/stack-state';
import { deltaReconcileWorkflow } from '../workflows/scoped-reconcile';

const FILE = 'active-directory.test.ts';
const ad = testAdOrReport(FILE);
const describeAd = ad ? describe : describe.skip;
jest.setTimeout(300_000);

const agents = Array.from({ length: 12 }, (_, i) => `ada${String(i + 1).padStart(2, '0')}`);
const emea = ['ade01', 'ade02', 'ade03'];
const supervisors = ['ads01', 'ads02', 'ads03'];
const disabledFromStart = 'adx01';
const deltaJoiner = 'adj01';
const expiredFromStart = 'adx02';
const mailOf = (sam: string) => `${sam}@example.com`;
const bigSam = (i: number) => `big${String(i).padStart(4, '0')}`;

interface PlanJson {
  summary: Record<string, number>;
  ops: Array<{ email: string; kind: string; reason?: string }>;
  warnings: string[];
}

describeAd('Active Directory (Samba AD DC over LDAPS)', () => {
  const dc = ad as TestAd;
  let ou: string;
  let env: SyncEnv;
  const dn: Record<string, string> = {};
  const groups: Record<string, string> = {};
  const zcc = async () => new Map((await env.emu.state()).users.map((u) => [u.email, u] as const));
  const planJson = async (e = env): Promise<PlanJson> => JSON.parse((await e.cli(['plan', '--json'])).stdout);
  const apply = async (e = env) => {
    const r = await e.cli(['apply', '--yes', '--json', '--as', 'jest']);
    if (!r.stdout.trim().startsWith('{')) throw new Error(`apply printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    return { code: r.code, json: JSON.parse(r.stdout) as { runId: string; status: string; reasons?: string[] } };
  };
  const directory = (extra: Record<string, unknown> = {}) => ({
    type: 'activeDirectory', url: dc.url, tlsCaFile: dc.caFile, bindDN: dc.bindDn, bindPassword: dc.bindPassword,
    userBase: dc.baseDn, groupBase: dc.baseDn, ...extra,
  });

  beforeAll(async () => {
    ou = await testOu(dc, 'zccad');
    const add = async (u: AdUser) => (dn[u.sam] = await addUser(dc, ou, u));
    for (const sam of [...agents, ...emea, ...supervisors]) await add({ sam, givenName: sam.toUpperCase(), sn: 'Tester' });
    await add({ sam: disabledFromStart, enabled: false });
    await add({ sam: expiredFromStart, accountExpires: new Date(Date.now() - 86_400_000) });
    groups.emea = await addGroup(dc, ou, { name: 'cc-agents-emea', members: emea.map((s) => dn[s]) });
    groups.agents = await addGroup(dc, ou, { name: 'cc-agents', members: [...agents.map((s) => dn[s]), groups.emea, dn[disabledFromStart], dn[expiredFromStart]] });
    groups.supervisors = await addGroup(dc, ou, { name: 'cc-supervisors', members: supervisors.map((s) => dn[s]) });

    const everyone = [...agents, ...emea, ...supervisors, disabledFromStart, expiredFromStart];
    const seed: Seed = {
      accountUsers: [
        ...[...everyone, deltaJoiner].map((s) => ({ email: mailOf(s), name: s })),
        ...Array.from({ length: dc.bigGroup.size }, (_, i) => ({ email: mailOf(bigSam(i + 1)), name: bigSam(i + 1) })),
      ],
      roles: [{ name: 'Agent' }, { name: 'Supervisor' }],
      queues: [{ name: 'Support' }, { name: 'Escalations' }, { name: 'Overflow' }],
      licenses: { essentials: 5000, premium: 100 },
    };
    env = await startSyncEnv({
      seed,
      config: {
        directory: directory(),
        mappings: [
          { group: groups.agents, role: 'Agent', package: 'essentials', queues: ['Support'] },
          { group: groups.supervisors, role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], priority: 10 },
          { group: dc.bigGroup.dn, role: 'Agent', package: 'essentials', queues: ['Overflow'] },
        ],
        // maxRemovals 2: one disabled user passes, a whole group of three holds the run.
        policy: { leaver: 'deactivate', removeAfterDays: 30, guards: { maxRemovals: 2, maxRemovalPercent: 50, maxShrinkPercent: 50 } },
      },
    });
  });

  afterAll(async () => {
    await env?.stop();
    if (ou) await deleteEntry(dc, ou, { tree: true });
  });

  test('a reconcile over LDAPS provisions the mapped groups: nested members and a 1,600-member group read whole', async () => {
    const plan = await planJson();
    expect(plan.warnings.join('\n')).toMatch(/2 member\(s\) of mapped groups are disabled in the directory: .*adx01@example\.com.*adx02@example\.com/);
    const run = await apply();
    expect(run.json.status).toBe('completed');
    const users = await zcc();
    expect(users.get(mailOf('ada01'))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
    expect(users.get(mailOf('ade02'))).toMatchObject({ role: 'Agent', package: 'essentials', queues: ['Support'] }); // through the nested group
    const sup = users.get(mailOf('ads01'));
    expect(sup).toMatchObject({ role: 'Supervisor', package: 'premium' });
    expect([...(sup?.queues ?? [])].sort()).toEqual(['Escalations', 'Support']);
    const big = [...users.keys()].filter((e) => e.startsWith('big'));
    expect(big).toHaveLength(dc.bigGroup.size);
    expect(users.get(mailOf(bigSam(dc.bigGroup.size)))).toMatchObject({ queues: ['Overflow'] });
    expect(users.has(mailOf(disabledFromStart))).toBe(false);
    expect(users.has(mailOf(expiredFromStart))).toBe(false);
  });

  test('disabled in AD with groups unchanged: deactivated as "disabled in the directory"; enabled again: reactivated', async () => {
    await setEnabled(dc, dn.ada05, false);
    const plan = await planJson();
    expect(plan.ops.filter((op) => op.email === mailOf('ada05')).map((op) => `${op.kind}:${op.reason}`).sort()).toEqual(['deactivate:disabled', 'queueRemove:disabled']);
    expect((await env.cli(['plan'])).stdout).toContain(`- deactivate ${mailOf('ada05')} [disabled in the directory]`);
    const run = await apply();
    expect(run.json.status).toBe('completed');
    expect((await zcc()).get(mailOf('ada05'))).toMatchObject({ access: 'inactive', queues: [] });
    const shown = JSON.parse((await env.cli(['runs', 'show', run.json.runId, '--json'])).stdout);
    expect(JSON.stringify(shown)).toContain('disabled in the directory');

    await setEnabled(dc, dn.ada05, true);
    expect((await apply()).json.status).toBe('completed');
    expect((await zcc()).get(mailOf('ada05'))).toMatchObject({ access: 'active', queues: ['Support'] });
  });

  test('an account that expired is a leaver too; set to never expire, it is back', async () => {
    await setAccountExpires(dc, dn.ada06, new Date(Date.now() - 60_000));
    expect((await apply()).json.status).toBe('completed');
    expect((await zcc()).get(mailOf('ada06'))).toMatchObject({ access: 'inactive' });
    await setAccountExpires(dc, dn.ada06, 'never');
    expect((await apply()).json.status).toBe('completed');
    expect((await zcc()).get(mailOf('ada06'))).toMatchObject({ access: 'active' });
  });

  test('disabling a whole mapped group holds the run: disabled users count towards the guards', async () => {
    for (const s of supervisors) await setEnabled(dc, dn[s], false);
    const run = await apply();
    expect(run.code).toBe(3);
    expect(run.json.status).toBe('held');
    expect(run.json.reasons?.join('\n')).toContain('the plan deactivates or removes 3 users (3 to deactivate, 0 to remove); limit 2 (policy.guards.maxRemovals)');
    for (const s of supervisors) expect((await zcc()).get(mailOf(s))).toMatchObject({ access: 'active' });
    expect((await env.cli(['runs', 'reject', run.json.runId, '--as', 'jest'])).code).toBe(0);
    for (const s of supervisors) await setEnabled(dc, dn[s], true);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0 });
  });

  test('delta on AD: uSNChanged from the one DC — a joiner is provisioned and a disabled user deactivated, then a full plan is empty', async () => {
    // A full run stores the DC's marker (highestCommittedUSN, dsServiceName, invocationId) and the mirror.
    expect((await apply()).json.status).toBe('completed');
    dn[deltaJoiner] = await addUser(dc, ou, { sam: deltaJoiner, givenName: 'Delta', sn: 'Joiner' });
    await addMembers(dc, groups.agents, [dn[deltaJoiner]]);
    await setEnabled(dc, dn.ada07, false);
    const client = env.worker!.client;
    const delta = () => client.workflow.execute(deltaReconcileWorkflow, { args: [{ trigger: 'jest' }], taskQueue: env.taskQueue, workflowId: `delta-ad-${Date.now()}` });
    const r = await delta();
    expect(r.outcome).toBe('run');
    expect(r.run).toMatchObject({ status: 'completed', summary: { create: 1, queueAdd: 1, deactivate: 1, queueRemove: 1 } });
    const users = await zcc();
    expect(users.get(mailOf(deltaJoiner))).toMatchObject({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] });
    expect(users.get(mailOf('ada07'))).toMatchObject({ access: 'inactive', queues: [] });
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0 });
    // Nothing of ours changed since (other test files may write to the shared DC): no run.
    expect((await delta()).run).toBeNull();
    await setEnabled(dc, dn.ada07, true);
    expect((await delta()).run?.status).toBe('completed');
    expect((await zcc()).get(mailOf('ada07'))).toMatchObject({ access: 'active', queues: ['Support'] });
    // The next tests count the group's members as they were.
    await removeMembers(dc, groups.agents, [dn[deltaJoiner]]);
  });

  test('directory preview: counts, sample members, disabled accounts and warnings (a nesting cycle too), as text and --json', async () => {
    await setEnabled(dc, dn.ada07, false);
    // AD allows circular nesting: cc-agents-emea ⊃ cc-loop ⊃ cc-agents-emea. Cut and reported.
    const loop = await addGroup(dc, ou, { name: 'cc-loop', members: [groups.emea] });
    await addMembers(dc, groups.emea, [loop]);
    try {
      const json = JSON.parse((await env.cli(['directory', 'preview', '--json', '--limit', '3'])).stdout);
      expect(json.type).toBe('activeDirectory');
      const byGroup = new Map((json.groups as Array<{ group: string; members: number; disabled: number; sample: unknown[] }>).map((g) => [g.group, g]));
      expect(byGroup.get(groups.agents)).toMatchObject({ members: agents.length + emea.length + 2, disabled: 3 });
      expect(byGroup.get(groups.agents)?.sample).toHaveLength(3);
      expect(byGroup.get(dc.bigGroup.dn)).toMatchObject({ members: dc.bigGroup.size, disabled: 0 });
      const disabledWarnings = (json.warnings as Array<{ code: string; message: string }>).filter((w) => w.code === 'disabled').map((w) => w.message).join('\n');
      for (const s of ['ada07', disabledFromStart, expiredFromStart]) expect(disabledWarnings).toContain(mailOf(s));

      const text = await env.cli(['directory', 'preview', '--limit', '2']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`${groups.agents}: ${agents.length + emea.length + 2} member(s), 3 disabled`);
      expect(text.stdout).toContain(`${dc.bigGroup.dn}: ${dc.bigGroup.size} member(s)`);
      expect(text.stdout).toMatch(/! disabled: ada07@example\.com is disabled in the directory/);
      expect((json.warnings as Array<{ code: string }>).filter((w) => w.code === 'nested_cycle')).toHaveLength(1);
      expect(text.stdout).toMatch(/! nested_cycle: /);
    } finally {
      await setEnabled(dc, dn.ada07, true);
      await removeMembers(dc, groups.emea, [loop]);
    }
  });

  test('a password bind over plain ldap:// fails and says to use ldaps:// or startTls', async () => {
    expect((await env.cli(['directory', 'preview'])).code).toBe(0); // the same DC over ldaps:// reads fine
    const plain = await startSyncEnv({ seed: { accountUsers: [] }, noWorker: true, config: { directory: directory({ url: dc.ldapUrl, tlsCaFile: undefined }), mappings: [{ group: groups.agents, role: 'Agent' }] } });
    try {
      const bad = await plain.cli(['directory', 'preview']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/requires a protected connection for a password bind .*use ldaps:\/\/ in directory\.url .* or set directory\.startTls: true/);
      expect(bad.stderr).not.toContain(dc.bindPassword);
      const check = await plain.cli(['config', 'check']);
      expect(check.stdout).toMatch(/FAIL\s+LDAP .*directory type activeDirectory; warning: a plain ldap:\/\/ URL to Active Directory without StartTLS/);
    } finally {
      await plain.stop();
    }
  });

  test('userPrincipalName as the email, with a domain rewrite, provisions the rewritten emails', async () => {
    // Their mail attribute says one thing, their UPN another: only the rewritten UPN is a Zoom user.
    const upnUsers = ['adu01', 'adu02'];
    for (const s of upnUsers) dn[s] = await addUser(dc, ou, { sam: s, mail: `${s}@mail.example.org`, upn: `${s}@${dc.upnSuffix}` });
    const upnGroup = await addGroup(dc, ou, { name: 'cc-upn', members: upnUsers.map((s) => dn[s]) });
    const rewritten = (s: string) => `${s}@zoom.example.com`;
    const upnEnv = await startSyncEnv({
      seed: { accountUsers: upnUsers.map((s) => ({ email: rewritten(s), name: s })), roles: [{ name: 'Agent' }], queues: [{ name: 'Support' }] },
      config: {
        directory: directory({ attributes: { email: 'userPrincipalName' }, emailDomains: { [dc.upnSuffix.toUpperCase()]: 'zoom.example.com' } }),
        mappings: [{ group: upnGroup, role: 'Agent', package: 'essentials', queues: ['Support'] }],
      },
    });
    try {
      const run = await apply(upnEnv);
      expect(run.json.status).toBe('completed');
      const users = new Map((await upnEnv.emu.state()).users.map((u) => [u.email, u] as const));
      for (const s of upnUsers) expect(users.get(rewritten(s))).toMatchObject({ role: 'Agent', access: 'active', queues: ['Support'] });
      expect(users.size).toBe(upnUsers.length);
    } finally {
      await upnEnv.stop();
    }
  });
});
