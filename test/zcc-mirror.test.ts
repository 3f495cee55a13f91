/**
 * The ZCC mirror (src/store/zcc-mirror.ts): the console's users list.
 *
 * Store level, on SQLite and (with ZCC_TEST_PG_URL) PostgreSQL: a full run's snapshot replaces it,
 * ops that took effect move it, a scoped run's per-user reads update it; the list's filters alone
 * and combined, LIKE escaping, paging and totals, facets, freshness.
 *
 * End to end: a real reconcile (slapd, the ZCC emulator, Temporal, the worker's real activities,
 * the compiled CLI) leaves the mirror equal to the emulator; admin jobs (edit, remove) move it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import knex, { type Knex } from 'knex';
import { parseConfigText } from '../src/config/load';
import { closeStore, openStore } from '../src/store/db';
import type { NameMaps } from '../src/store/facts';
import { addRunScope } from '../src/store/mirror';
import type { OpRow } from '../src/store/ops';
import { recordChunkOutcomes, type SettledOp } from '../src/store/outcomes';
import { addContactCenterUsers, addQueueMembers } from '../src/store/snapshots';
import { containsPattern, listMirrorUsers, mirrorFacets, mirrorFreshness, mirrorUser, replaceZccMirrorFromSnapshot, updateZccMirrorFromScope, type MirrorFilters } from '../src/store/zcc-mirror';
import type { ActualUser, OpKind } from '../src/domain/types';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { testPgUrl } from './support/ci';
import { clientFor } from './support/zoom-emulator';
import { ensureBuilt } from './support/cli';
import { startSyncEnv, type SyncEnv } from './support/sync-env';

const NAMES: NameMaps = { roles: { Agent: 'r1', Supervisor: 'r2' }, queues: { Support: 'q1', Sales: 'q2' } };

const cc = (email: string, displayName: string, roleName: string, packageName: ActualUser['packageName'], access: ActualUser['access']): ActualUser => ({
  email, userId: `id-${email.split('@')[0]}`, displayName, roleName, packageName, access, queues: [], settings: {},
});

/** A full run's snapshot: users, and the agents of the mapped queues (Support, Sales). */
async function fullSnapshot(db: Knex, runId: string, users: ActualUser[], members: Record<string, string[]>): Promise<void> {
  await addContactCenterUsers(db, runId, users);
  for (const [queue, emails] of Object.entries(members)) await addQueueMembers(db, runId, queue, emails);
}

const USERS = [
  cc('alice@example.com', 'Alice Smith', 'Agent', 'essentials', 'active'),
  cc('bob@example.com', 'Bob 100% Jones', 'Supervisor', 'premium', 'inactive'),
  cc('carol_x@example.com', 'Carol', 'Agent', 'premium', 'inactive'),
  cc('carolx@example.com', 'Carol X', 'Agent', 'essentials', 'active'),
  cc('dave@example.com', 'dave_user', 'Admin', 'elite', 'active'),
  cc('eve@example.com', 'Eve Hi!', 'Supervisor', 'essentials', 'active'),
];
const MEMBERS = { Support: ['alice@example.com', 'bob@example.com', 'eve@example.com'], Sales: ['alice@example.com', 'carol_x@example.com'] };

const emails = (r: { users: Array<{ email: string }> }) => r.users.map((u) => u.email);

function storeTests(backend: string, open: () => Promise<Knex>) {
  describe(`ZCC mirror on ${backend}`, () => {
    let db: Knex;
    beforeAll(async () => {
      db = await open();
      await fullSnapshot(db, 'run1', USERS, MEMBERS);
      await replaceZccMirrorFromSnapshot(db, 'run1', NAMES, '2024-01-01T00:00:00.000Z');
      await db('managed_users').insert([
        { email: 'alice@example.com', user_id: 'id-alice', provisioned_by: 'run0', provisioned_at: 'x' },
        { email: 'bob@example.com', user_id: 'id-bob', provisioned_by: 'run0', provisioned_at: 'x', removed_at: 'y' },
      ]);
    });
    afterAll(async () => {
      await closeStore(db);
    });

    const list = (filters: MirrorFilters, page = { offset: 0, limit: 50 }) => listMirrorUsers(db, filters, page);

    test('a full run replaces it: every user in email order, their mapped queues, the managed flag', async () => {
      const all = await list({});
      expect(all.total).toBe(6);
      expect(emails(all)).toEqual(['alice@example.com', 'bob@example.com', 'carol_x@example.com', 'carolx@example.com', 'dave@example.com', 'eve@example.com']);
      expect(all.users[0]).toEqual({
        email: 'alice@example.com', userId: 'id-alice', displayName: 'Alice Smith', role: 'Agent', package: 'essentials', access: 'active',
        queues: ['Sales', 'Support'], managed: true, updatedAt: '2024-01-01T00:00:00.000Z',
      });
      expect(all.users.map((u) => [u.email, u.queues, u.managed])).toEqual([
        ['alice@example.com', ['Sales', 'Support'], true],
        ['bob@example.com', ['Support'], false], // license removed: no longer managed
        ['carol_x@example.com', ['Sales'], false],
        ['carolx@example.com', [], false],
        ['dave@example.com', [], false],
        ['eve@example.com', ['Support'], false],
      ]);
      expect(await mirrorFreshness(db)).toEqual({ users: 6, fullAt: '2024-01-01T00:00:00.000Z', fullRunId: 'run1', changedAt: '2024-01-01T00:00:00.000Z' });
    });

    test('each filter alone', async () => {
      expect(emails(await list({ status: 'inactive' }))).toEqual(['bob@example.com', 'carol_x@example.com']);
      expect(emails(await list({ status: 'active' }))).toEqual(['alice@example.com', 'carolx@example.com', 'dave@example.com', 'eve@example.com']);
      expect(emails(await list({ role: 'Supervisor' }))).toEqual(['bob@example.com', 'eve@example.com']);
      expect(emails(await list({ queue: 'Sales' }))).toEqual(['alice@example.com', 'carol_x@example.com']);
      expect(emails(await list({ queue: 'Nope' }))).toEqual([]);
      // search: email or display name, ignoring case
      expect(emails(await list({ search: 'SMITH' }))).toEqual(['alice@example.com']);
      expect(emails(await list({ search: 'carol' }))).toEqual(['carol_x@example.com', 'carolx@example.com']);
      expect(emails(await list({ search: 'DAVE@' }))).toEqual(['dave@example.com']);
      expect(emails(await list({ search: '  ' }))).toHaveLength(6); // blank: no search
    });

    test('filters combine', async () => {
      expect(emails(await list({ queue: 'Support', status: 'active' }))).toEqual(['alice@example.com', 'eve@example.com']);
      expect(emails(await list({ queue: 'Support', status: 'active', role: 'Agent' }))).toEqual(['alice@example.com']);
      expect(emails(await list({ role: 'Agent', status: 'inactive' }))).toEqual(['carol_x@example.com']);
      expect(emails(await list({ search: 'carol', queue: 'Sales' }))).toEqual(['carol_x@example.com']);
      expect(await list({ search: 'carol', queue: 'Sales', status: 'active' })).toEqual({ users: [], total: 0 });
    });

    test("the user's % _ and ! match themselves, not as LIKE wildcards", async () => {
      expect(containsPattern('a%b_c!')).toBe('%a!%b!_c!!%');
      // 'l_x' as a wildcard would also match "Carol X" (l, any character, x)
      expect(emails(await list({ search: 'L_X' }))).toEqual(['carol_x@example.com']);
      expect(emails(await list({ search: '_' }))).toEqual(['carol_x@example.com', 'dave@example.com']);
      expect(emails(await list({ search: '100% j' }))).toEqual(['bob@example.com']);
      expect(emails(await list({ search: '0%j' }))).toEqual([]); // a wildcard % would match "100% Jones"
      expect(emails(await list({ search: '%' }))).toEqual(['bob@example.com']);
      expect(emails(await list({ search: 'hi!' }))).toEqual(['eve@example.com']);
    });

    test('paging: the page in email order, the total of every match', async () => {
      const page = await list({}, { offset: 1, limit: 2 });
      expect(emails(page)).toEqual(['bob@example.com', 'carol_x@example.com']);
      expect(page.total).toBe(6);
      expect(page.users[1].queues).toEqual(['Sales']);
      const last = await list({ status: 'active' }, { offset: 3, limit: 2 });
      expect(emails(last)).toEqual(['eve@example.com']);
      expect(last.total).toBe(4);
      expect(await list({ status: 'active' }, { offset: 10, limit: 2 })).toEqual({ users: [], total: 4 });
    });

    test('facets: distinct roles and queues, sorted', async () => {
      expect(await mirrorFacets(db)).toEqual({ roles: ['Admin', 'Agent', 'Supervisor'], queues: ['Sales', 'Support'] });
    });

    test('mirrorUser: any case of the email; null for someone ZCC does not have', async () => {
      expect(await mirrorUser(db, ' Eve@Example.com ')).toEqual({
        email: 'eve@example.com', userId: 'id-eve', displayName: 'Eve Hi!', role: 'Supervisor', package: 'essentials', access: 'active',
        queues: ['Support'], managed: false, updatedAt: '2024-01-01T00:00:00.000Z',
      });
      expect(await mirrorUser(db, 'nobody@example.com')).toBeNull();
    });

    test('ops that took effect move it in the outcome transaction; failed ones do not', async () => {
      let seq = 0;
      const settled = (kind: OpKind, email: string, before: unknown, after: unknown, outcome = 'done', extra: Partial<SettledOp> = {}): SettledOp => ({
        op: { run_id: 'job1', seq: ++seq, kind, chunk: 0, email, before: before ? JSON.stringify(before) : null, after: after ? JSON.stringify(after) : null, status: 'pending', error: null, reason: null } as OpRow,
        outcome, error: outcome === 'failed' ? 'boom' : null, userId: `id-${email.split('@')[0]}`, ...extra,
      });
      const record = (kind: OpKind, ops: SettledOp[]) => recordChunkOutcomes(db, { runId: 'job1', actor: 'jest', kind, adoptOnUpdate: false, settled: ops });
      // Names as the admin spelled them: the mirror keeps its own spelling.
      await record('create', [
        settled('create', 'frank@example.com', null, { role: 'agent', package: 'premium', queues: ['support'], settings: {} }, 'done', { displayName: 'Frank Zoom' }),
        settled('create', 'gina@example.com', null, { role: 'Agent', package: 'essentials', queues: [], settings: { user_access: 'inactive' } }, 'not_zoom_user'),
      ]);
      await record('queueAdd', [settled('queueAdd', 'frank@example.com', null, { queue: 'support' }), settled('queueAdd', 'dave@example.com', null, { queue: 'Billing' })]);
      await record('update', [
        settled('update', 'alice@example.com', { role: 'Agent', package: 'essentials' }, { role: 'supervisor', package: 'elite', settings: { country_iso_code: 'DE' } }),
        settled('update', 'carolx@example.com', { role: 'Agent' }, { role: 'Supervisor' }, 'failed'),
      ]);
      await record('queueRemove', [settled('queueRemove', 'alice@example.com', { queue: 'SALES' }, null)]);
      await record('deactivate', [settled('deactivate', 'eve@example.com', { access: 'active' }, { access: 'inactive' })]);
      await record('remove', [settled('remove', 'bob@example.com', { role: 'Supervisor' }, null, 'already')]);

      const all = await list({});
      expect(all.users.map((u) => [u.email, u.role, u.package, u.access, u.queues, u.displayName])).toEqual([
        ['alice@example.com', 'Supervisor', 'elite', 'active', ['Support'], 'Alice Smith'],
        ['carol_x@example.com', 'Agent', 'premium', 'inactive', ['Sales'], 'Carol'],
        ['carolx@example.com', 'Agent', 'essentials', 'active', [], 'Carol X'],
        ['dave@example.com', 'Admin', 'elite', 'active', ['Billing'], 'dave_user'],
        ['eve@example.com', 'Supervisor', 'essentials', 'inactive', ['Support'], 'Eve Hi!'],
        ['frank@example.com', 'Agent', 'premium', 'active', ['Support'], 'Frank Zoom'],
      ]);
      expect(all.users.find((u) => u.email === 'frank@example.com')).toMatchObject({ userId: 'id-frank', managed: true }); // a create makes the user managed
      expect((await mirrorUser(db, 'alice@example.com'))?.updatedAt).not.toBe('2024-01-01T00:00:00.000Z');
      expect((await mirrorUser(db, 'carolx@example.com'))?.updatedAt).toBe('2024-01-01T00:00:00.000Z');
      expect(await db('zcc_user_queues').where({ email: 'bob@example.com' })).toEqual([]);
      expect(await mirrorFacets(db)).toEqual({ roles: ['Admin', 'Agent', 'Supervisor'], queues: ['Billing', 'Sales', 'Support'] });
      const fresh = await mirrorFreshness(db);
      expect(fresh).toMatchObject({ users: 6, fullRunId: 'run1', fullAt: '2024-01-01T00:00:00.000Z' });
      expect(fresh.changedAt! > '2024-01-01T00:00:00.000Z').toBe(true);
    });

    test('a scoped run updates its users: what ZCC said, rows of users without a license go, other queues stay', async () => {
      await addRunScope(db, 'delta1', ['dave@example.com', 'frank@example.com', 'ghost@example.com']);
      await addContactCenterUsers(db, 'delta1', [cc('dave@example.com', 'Dave Renamed', 'Agent', 'premium', 'inactive')]);
      await addQueueMembers(db, 'delta1', 'Sales', ['dave@example.com']);
      await updateZccMirrorFromScope(db, 'delta1', NAMES, '2024-02-02T00:00:00.000Z');
      expect(await mirrorUser(db, 'dave@example.com')).toEqual({
        email: 'dave@example.com', userId: 'id-dave', displayName: 'Dave Renamed', role: 'Agent', package: 'premium', access: 'inactive',
        queues: ['Billing', 'Sales'], managed: false, updatedAt: '2024-02-02T00:00:00.000Z',
      });
      expect(await mirrorUser(db, 'frank@example.com')).toBeNull();
      expect(await mirrorUser(db, 'ghost@example.com')).toBeNull();
      expect(await db('zcc_user_queues').where({ email: 'frank@example.com' })).toEqual([]);
      expect((await mirrorFreshness(db)).changedAt).toBe('2024-02-02T00:00:00.000Z');
    });

    test('the next full run replaces users and the mapped queues; other queues stay for users still there', async () => {
      await fullSnapshot(db, 'run2', [
        cc('alice@example.com', 'Alice Smith', 'Agent', 'essentials', 'active'),
        cc('dave@example.com', 'dave_user', 'Admin', 'elite', 'active'),
        cc('hank@example.com', 'Hank', 'Agent', null, 'active'),
      ], { Sales: ['hank@example.com', 'nobody@example.com'], Support: [] });
      await replaceZccMirrorFromSnapshot(db, 'run2', NAMES, '2024-03-03T00:00:00.000Z');
      const all = await list({});
      expect(all.users.map((u) => [u.email, u.role, u.package, u.access, u.queues])).toEqual([
        ['alice@example.com', 'Agent', 'essentials', 'active', []],
        ['dave@example.com', 'Admin', 'elite', 'active', ['Billing']],
        ['hank@example.com', 'Agent', null, 'active', ['Sales']],
      ]);
      expect(await db('zcc_user_queues').orderBy(['email', 'queue']).select('email', 'queue')).toEqual([
        { email: 'dave@example.com', queue: 'Billing' }, { email: 'hank@example.com', queue: 'Sales' },
      ]);
      expect(await mirrorFreshness(db)).toEqual({ users: 3, fullAt: '2024-03-03T00:00:00.000Z', fullRunId: 'run2', changedAt: '2024-03-03T00:00:00.000Z' });
    });
  });
}

storeTests('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-mirror-'));
  return openStore(parseConfigText(`stateDir: ${dir}`, { env: {} }));
});

const PG_URL = testPgUrl('zcc-mirror.test.ts', 'the ZCC mirror tests on PostgreSQL');
if (PG_URL) {
  const database = `zcc_mirror_test_${process.pid}_${Date.now()}`;
  let admin: Knex;
  beforeAll(async () => {
    admin = knex({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
    await admin.raw('CREATE DATABASE ??', [database]);
  });
  afterAll(async () => {
    await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [database]);
    await admin.destroy();
  });
  storeTests('PostgreSQL', async () => {
    const u = new URL(PG_URL);
    u.pathname = `/${database}`;
    return openStore(parseConfigText('store:\n  client: pg\n  connection: ${PG}', { env: { PG: u.toString() } }));
  });
}

// ---------------------------------------------------------------------------------------------
// End to end: the runs keep the mirror equal to ZCC.

const uid = (i: number) => `m${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;
const MAPPED = ['Escalations', 'Support'];

const directory: DirectorySpec = {
  users: range(1, 30).map((i) => ({ uid: uid(i), displayName: `Directory ${i}` })),
  groups: [
    { cn: 'cc-agents', members: range(1, 20).map(uid) },
    { cn: 'cc-supervisors', members: range(21, 30).map(uid) },
  ],
};
const seed: Seed = {
  // Zoom's names differ from the directory's: the mirror must hold Zoom's.
  accountUsers: [
    ...range(1, 30).map((i) => ({ email: mail(i), name: `Zoom ${i}` })),
    { email: 'hand@example.com', name: 'Hand Made' }, { email: 'idle@example.com', name: 'Idle One' }, { email: 'gone@example.com', name: 'Gone Soon' },
  ],
  roles: [{ name: 'Agent' }, { name: 'Supervisor' }, { name: 'Admin' }],
  queues: [{ name: 'Support' }, { name: 'Escalations' }, { name: 'Billing' }],
  licenses: { essentials: 1000, premium: 1000 },
  ccUsers: [
    { email: 'hand@example.com', role: 'Admin', package: 'elite', access: 'active', queues: ['Support', 'Billing'] },
    { email: 'idle@example.com', role: 'Agent', package: 'essentials', access: 'inactive', queues: ['Escalations'] },
    { email: 'gone@example.com', role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] },
    // Already in ZCC with the wrong role and no queue: the reconcile updates them.
    { email: mail(5), role: 'Supervisor', package: 'essentials', access: 'active', queues: [] },
  ],
};
const mappings = [
  { group: G('cc-agents'), role: 'agent', package: 'essentials', queues: ['Support'], priority: 10 }, // role spelled in lower case
  { group: G('cc-supervisors'), role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], priority: 20 },
];

describe('the runs keep the ZCC mirror equal to ZCC', () => {
  let env: SyncEnv;
  beforeAll(async () => {
    await ensureBuilt(); // the CLI runs from dist
    env = await startSyncEnv({ directory, seed, config: { mappings, policy: { leaver: 'deactivate', removeAfterDays: 30 } } });
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  });

  /** The emulator's users as the mirror should hold them; `extraQueues` adds memberships zcc-sync made in unmapped queues. */
  async function expected(extraQueues: Record<string, string[]> = {}) {
    const state = await env.emu.state();
    return state.users
      .map((u) => ({
        email: u.email, userId: u.userId, displayName: u.name, role: u.role, package: u.package, access: u.access,
        queues: [...u.queues.filter((q) => MAPPED.includes(q) || (extraQueues[u.email] ?? []).includes(q))].sort(),
      }))
      .sort((a, b) => (a.email < b.email ? -1 : 1));
  }
  async function mirror() {
    const { users, total } = await listMirrorUsers(env.db, {}, { offset: 0, limit: 1000 });
    expect(total).toBe(users.length);
    return users.map(({ email, userId, displayName, role, package: pkg, access, queues }) => ({ email, userId, displayName, role, package: pkg, access, queues }));
  }
  const cli = async (args: string[]) => {
    const r = await env.cli(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  test('after a reconcile the mirror equals ZCC: users, role, package, access, mapped queues', async () => {
    const run = await cli(['apply', '--yes', '--json', '--as', 'jest']);
    expect(run.status).toBe('completed');
    expect(run.summary).toMatchObject({ create: 29, update: 1 });
    const want = await expected();
    expect(want).toHaveLength(33);
    expect(await mirror()).toEqual(want);
    // Spot checks that the comparison means something.
    expect(await mirrorUser(env.db, mail(1))).toMatchObject({ displayName: 'Zoom 1', role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'], managed: true });
    expect(await mirrorUser(env.db, mail(5))).toMatchObject({ role: 'Agent', queues: ['Support'] });
    expect(await mirrorUser(env.db, mail(25))).toMatchObject({ role: 'Supervisor', package: 'premium', queues: ['Escalations', 'Support'] });
    expect(await mirrorUser(env.db, 'hand@example.com')).toMatchObject({ role: 'Admin', queues: ['Support'], managed: false }); // Billing is not mapped
    expect(await mirrorFacets(env.db)).toEqual({ roles: ['Admin', 'Agent', 'Supervisor'], queues: ['Escalations', 'Support'] });
    const fresh = await mirrorFreshness(env.db);
    expect(fresh).toMatchObject({ users: 33, fullRunId: run.runId });
    expect(fresh.changedAt! > fresh.fullAt!).toBe(true); // the creates came after the read
  });

  test('admin jobs move it: a role change and deactivation, a queue added, a removal', async () => {
    const edit = await cli(['users', 'edit', mail(3), '--role', 'Supervisor', '--status', 'inactive', '--add-queue', 'Billing', '--json']);
    expect(edit.results).toEqual([{ email: mail(3), outcome: 'done' }]);
    expect(await mirrorUser(env.db, mail(3))).toMatchObject({ role: 'Supervisor', access: 'inactive', queues: ['Billing', 'Support'], package: 'essentials' });
    const removed = await cli(['users', 'remove', mail(4), 'hand@example.com', '--yes', '--json']);
    expect(removed.results).toEqual([{ email: mail(4), outcome: 'done' }, { email: 'hand@example.com', outcome: 'done' }]);
    expect(await mirrorUser(env.db, mail(4))).toBeNull();
    expect(await mirrorUser(env.db, 'hand@example.com')).toBeNull();
    expect(await env.db('zcc_user_queues').whereIn('email', [mail(4), 'hand@example.com'])).toEqual([]);

    const want = await expected({ [mail(3)]: ['Billing'] });
    expect(want).toHaveLength(31);
    expect(await mirror()).toEqual(want);
    expect(await listMirrorUsers(env.db, { status: 'inactive' }, { offset: 0, limit: 10 })).toMatchObject({ total: 2, users: [{ email: 'idle@example.com' }, { email: mail(3) }] });
  });

  test('an on-demand sync reads its users in ZCC: changes made in the portal reach the mirror', async () => {
    // "By hand" in ZCC: idle is reactivated, gone loses the license.
    const zoom = clientFor(env.emu);
    const idle = await zoom.findUserByEmail('idle@example.com');
    const gone = await zoom.findUserByEmail('gone@example.com');
    await zoom.updateUser(idle!.user_id, { user_access: 'active' });
    await zoom.deleteUser(gone!.user_id);
    expect(await mirrorUser(env.db, 'gone@example.com')).not.toBeNull(); // the mirror has not seen it yet

    const run = await cli(['users', 'sync', 'idle@example.com', 'gone@example.com', '--json', '--as', 'jest']);
    expect(run.status).toBe('completed');
    expect(run.users.flatMap((u: { ops: unknown[] }) => u.ops)).toEqual([]); // neither is managed: only read
    expect(await mirrorUser(env.db, 'idle@example.com')).toMatchObject({ access: 'active', queues: ['Escalations'], managed: false });
    expect(await mirrorUser(env.db, 'gone@example.com')).toBeNull();
    const want = await expected({ [mail(3)]: ['Billing'] });
    expect(want).toHaveLength(30);
    expect(await mirror()).toEqual(want);
  });
});
