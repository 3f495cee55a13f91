/**
 * Planning a run in slices (activities/plan-run.ts) gives exactly the plan of the whole: same ops
 * in the same order, same chunks, same summary and warnings — whatever the slice size, including
 * slices that end inside one source but not the others.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import knex, { type Knex } from 'knex';
import { planRun, writeOps } from '../src/reconcile/plan-run';
import { parseConfigText } from '../src/config/load';
import type { Config } from '../src/config/schema';
import { desiredState } from '../src/reconcile/desired';
import { plan } from '../src/reconcile/plan';
import type { ActualUser, DirectoryUser, ManagedRecord } from '../src/domain/types';
import { closeStore, inTransaction, openStore } from '../src/store/db';
import { addRunScope, countEnabledMirrorUsers, forgetMirrorUsers, readMirror, replaceMirror, updateMirror } from '../src/store/mirror';
import { addDirectoryUsers } from '../src/store/snapshots';
import { testPgUrl } from './support/ci';

const NOW = new Date('2026-06-01T12:00:00Z');
const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;

function configIn(dir: string, pgUrl?: string): Config {
  return parseConfigText(
    `stateDir: ${dir}
${pgUrl ? `store: { client: pg, connection: "${pgUrl}" }` : ''}
mappings:
  - { group: "${G('agents')}", role: Agent, package: essentials, queues: [Sales, Support], priority: 0, settings: { country_iso_code: US } }
  - { group: "${G('supervisors')}", role: Supervisor, package: premium, queues: [Support, Escalations], priority: 10 }
  - { group: "${G('billing')}", role: Agent, package: essentials, queues: [Billing], priority: 5 }
policy:
  leaver: deactivate
  removeAfterDays: 30
  chunkSize: 7
  exclude: ["ceo@x.com"]
`,
    { env: {} },
  );
}

/** A small deterministic random (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Directory, ZCC and managed users overlapping in every way the planner distinguishes. */
function world(seed: number) {
  const r = random(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const directory: DirectoryUser[] = [];
  const actual: ActualUser[] = [];
  const managed: ManagedRecord[] = [];
  for (let i = 0; i < 240; i++) {
    // Punctuation sorts differently in locale collations than bytewise: slices must not care.
    const email = i === 0 ? 'ceo@x.com' : `u${String(Math.floor(r() * 1e3)).padStart(3, '0')}${pick(['', '.', '-', '_', '+'])}${i}@x.com`;
    const inDirectory = r() < 0.7;
    const inZcc = r() < 0.6;
    const isManaged = r() < 0.5;
    if (inDirectory) {
      const groups = [G('agents'), G('supervisors'), G('billing'), G('other')].filter(() => r() < 0.4);
      directory.push({ email, displayName: `User ${i}`, uniqueId: `id${i}`, dn: `uid=u${i},ou=people,dc=example,dc=com`, groups: groups.length ? groups : [G('agents')] });
    }
    if (inZcc) {
      actual.push({
        email, userId: `zid${i}`, displayName: `User ${i}`, roleName: pick(['Agent', 'Supervisor', 'agent']), packageName: pick(['essentials', 'premium']),
        access: r() < 0.8 ? 'active' : 'inactive', queues: ['Sales', 'Support', 'Escalations', 'Billing', 'Unmanaged'].filter(() => r() < 0.4).sort(),
        settings: r() < 0.5 ? { country_iso_code: 'US' } : {},
      });
    }
    if (isManaged) managed.push({ email, userId: `zid${i}`, deactivatedAt: r() < 0.3 ? new Date(NOW.getTime() - Math.floor(r() * 60) * 86_400_000).toISOString() : null });
  }
  return { directory, actual, managed };
}

async function seed(db: Knex, runId: string, w: ReturnType<typeof world>): Promise<void> {
  for (const u of w.directory) {
    await db('directory_snapshot').insert({ run_id: runId, email: u.email, display_name: u.displayName, unique_id: u.uniqueId, dn: u.dn, groups: JSON.stringify(u.groups) });
  }
  for (const u of w.actual) {
    await db('cc_snapshot').insert({
      run_id: runId, email: u.email, user_id: u.userId, display_name: u.displayName, role_name: u.roleName,
      package_name: u.packageName, access: u.access, queues: '[]', settings: JSON.stringify(u.settings),
    });
    for (const queue of u.queues) await db('cc_queue_members').insert({ run_id: runId, email: u.email, queue });
  }
  for (const m of w.managed) {
    await db('managed_users').insert({ email: m.email, user_id: m.userId, provisioned_by: 'earlier', provisioned_at: NOW.toISOString(), deactivated_at: m.deactivatedAt, removed_at: null });
  }
}

const opsOf = async (db: Knex, runId: string) =>
  (await db('ops').where({ run_id: runId }).orderBy('seq').select('kind', 'email', 'chunk', 'before', 'after')) as Array<Record<string, unknown>>;

// Without ZCC_TEST_PG_URL the PostgreSQL run is left out with a printed reason (a failing test under CI=true).
const PG_URL = testPgUrl('plan-run.test.ts', 'the sliced planner on PostgreSQL');
const stores: Array<[string, string | undefined]> = [['SQLite', undefined], ...(PG_URL ? [['PostgreSQL', PG_URL] as [string, string]] : [])];

describe.each(stores)('on %s', (_name, pgUrl) => {
  let dir: string;
  let config: Config;
  let db: Knex;
  let admin: Knex | undefined;
  const database = `zcc_plan_run_${process.pid}_${Date.now()}`;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-plan-run-'));
    let url: string | undefined;
    if (pgUrl) {
      admin = knex({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } });
      // An ICU English collation, where punctuation sorts unlike bytewise order (as on most
      // production servers), when the server has ICU; else the server's default.
      await admin.raw("CREATE DATABASE ?? TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'", [database]).catch(() => admin!.raw('CREATE DATABASE ??', [database]));
      const u = new URL(pgUrl);
      u.pathname = `/${database}`;
      url = u.toString();
    }
    config = configIn(dir, url);
    db = await openStore(config);
  });
  afterAll(async () => {
    await closeStore(db);
    if (admin) {
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [database]);
      await admin.destroy();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([1, 3, 17, 5000])('slices of %i users give the plan of the whole', async (sliceUsers) => {
    const w = world(42);
    await db('managed_users').delete();
    const runId = `run-${sliceUsers}`;
    await seed(db, runId, w);

    const whole = plan({
      desired: desiredState(w.directory, config.mappings),
      actual: new Map(w.actual.map((u) => [u.email, u])),
      managed: new Map(w.managed.map((m) => [m.email, m])),
      policy: config.policy,
      now: NOW,
      mappedQueues: config.mappings.flatMap((m) => m.queues),
    });
    const expectedChunks = await writeOps(db, 'expected', whole.ops, config.policy.chunkSize);
    const expected = await opsOf(db, 'expected');

    const sliced = await planRun(db, runId, config, NOW, { sliceUsers });
    // The world exercises every kind, adoption and "left inactive".
    for (const kind of ['create', 'update', 'queueAdd', 'queueRemove', 'deactivate', 'remove'] as const) expect(whole.summary[kind]).toBeGreaterThan(0);
    expect(whole.adopt.length).toBeGreaterThan(0);
    expect(whole.leftInactive.length).toBeGreaterThan(0);

    expect(await opsOf(db, runId)).toEqual(expected);
    expect(sliced.chunks).toEqual(expectedChunks);
    expect(sliced.summary).toEqual(whole.summary);
    expect(sliced.warnings).toEqual(whole.warnings);
    expect(sliced.adopt).toEqual(whole.adopt);
    expect(sliced.clearDeactivated).toEqual(whole.clearDeactivated);
    expect(sliced.directoryUsers).toBe(w.directory.length);
    expect(sliced.managedUsers).toBe(w.managed.length);
  });

  test('a scoped run (delta, on demand) plans exactly the whole plan\'s ops of its scope, and no other managed user', async () => {
    const w = world(11);
    await db('managed_users').delete();
    await seed(db, 'whole', w);
    await planRun(db, 'whole', config, NOW, { sliceUsers: 13 });
    const all = [...new Set([...w.directory, ...w.actual, ...w.managed].map((u) => u.email))].sort();
    const scope = new Set(all.filter((_, i) => i % 3 === 0));
    // The scoped run's snapshots hold its scope only, as a delta run writes them.
    const inScope = <T extends { email: string }>(xs: T[]) => xs.filter((u) => scope.has(u.email));
    await seed(db, 'scoped', { directory: inScope(w.directory), actual: inScope(w.actual), managed: [] });
    await addRunScope(db, 'scoped', scope);
    const scoped = await planRun(db, 'scoped', config, NOW, { sliceUsers: 4, scoped: true });
    const withoutChunk = (ops: Array<Record<string, unknown>>) => ops.map(({ chunk: _chunk, ...op }) => op);
    const expected = withoutChunk(await opsOf(db, 'whole')).filter((op) => scope.has(op.email as string));
    expect(expected.length).toBeGreaterThan(10);
    expect(withoutChunk(await opsOf(db, 'scoped'))).toEqual(expected);
    expect(scoped.managedUsers).toBe(w.managed.filter((m) => scope.has(m.email)).length);
    // Unscoped, the same snapshots would weigh every managed user.
    const unscoped = await planRun(db, 'scoped', config, NOW, { sliceUsers: 4 });
    expect(unscoped.managedUsers).toBe(w.managed.length);
    expect(scoped.managedUsers).toBeLessThan(w.managed.length);
  });

  test('the mirror: a full run replaces it, a scoped run replaces its scope\'s rows, failed users are forgotten', async () => {
    const user = (email: string, groups: string[], disabled = false) => ({ email, displayName: email, uniqueId: email, dn: `uid=${email.split('@')[0]},ou=people,dc=example,dc=com`, groups, disabled });
    await addDirectoryUsers(db, 'mirror-full', [user('a@x.com', [G('agents')]), user('b@x.com', [G('billing')]), user('c@x.com', [G('agents')], true)]);
    await inTransaction(db, (trx) => replaceMirror(trx, 'mirror-full'));
    expect((await readMirror(db)).map((u) => u.email).sort()).toEqual(['a@x.com', 'b@x.com', 'c@x.com']);
    expect(await countEnabledMirrorUsers(db)).toBe(2);
    // b changed email to b2; a left every group (out of the snapshot, in the scope).
    await addDirectoryUsers(db, 'mirror-delta', [user('b2@x.com', [G('billing'), G('agents')])]);
    await addRunScope(db, 'mirror-delta', ['a@x.com', 'b@x.com', 'b2@x.com']);
    await inTransaction(db, (trx) => updateMirror(trx, 'mirror-delta'));
    const mirror = await readMirror(db);
    expect(mirror.map((u) => u.email).sort()).toEqual(['b2@x.com', 'c@x.com']);
    expect(mirror.find((u) => u.email === 'b2@x.com')).toMatchObject({ groups: [G('billing'), G('agents')], disabled: false });
    expect(mirror.find((u) => u.email === 'c@x.com')?.disabled).toBe(true);
    await forgetMirrorUsers(db, ['c@x.com']);
    expect((await readMirror(db)).map((u) => u.email)).toEqual(['b2@x.com']);
  });

  test('planning again replaces the run\'s ops (a retried activity)', async () => {
    const w = world(7);
    await db('managed_users').delete();
    await seed(db, 'again', w);
    const first = await planRun(db, 'again', config, NOW, { sliceUsers: 5 });
    const ops = await opsOf(db, 'again');
    const second = await planRun(db, 'again', config, NOW, { sliceUsers: 5 });
    expect(second).toEqual(first);
    expect(await opsOf(db, 'again')).toEqual(ops);
  });
});
