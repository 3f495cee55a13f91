/**
 * Delta and on-demand directory reads (src/ldap/changes/) against a real slapd (OpenLDAP 2.5 with
 * syncprov, memberof + refint and ppolicy: devstack/slapd-config.ts), changed online as an admin
 * would (test/support/ldap-admin.ts).
 *
 * Each change is followed by a delta read since the previous marker, against the mirror of the
 * previous state; the test checks what the read reports (changed, gone) and that the mirror with
 * those applied equals the mirror of a full read of the directory now — the invariant delta runs
 * rely on. Facts about the directory itself (contextCSN, entryCSN ≥) are checked first: the delta
 * read is only as good as they are.
 */
import { Client, GreaterThanEqualsFilter } from 'ldapts';
import pino from 'pino';
import { PEOPLE_BASE, SUFFIX, groupDn, userDn, type DirectorySpec } from '../devstack/ldif';
import type { SlapdHandle } from '../devstack/slapd';
import type { DirectoryUser } from '../src/domain/types';
import { directorySchema } from '../src/config/schema';
import { DirectoryError, connectDirectory } from '../src/ldap/connect';
import { normalizeDn } from '../src/ldap/dn';
import { readDirectory, type SearchClient } from '../src/ldap/snapshot';
import {
  markerText, readChangeMarker, readDirectoryChanges, readDirectoryChangesWith, readNamedUsers,
  type ChangeMarker, type DirectoryChanges, type MirrorEntry,
} from '../src/ldap/changes';
import { addGroupMember, addUser, deleteUser, modifyUser, removeGroupMember, withAdmin } from './support/ldap-admin';
import { withSlapd } from './support/stack';

const logger = pino({ level: 'silent' });
const OUTSIDERS = 300;
const outsider = (i: number) => `out${String(i).padStart(3, '0')}`;
/** ppolicy's "locked until an administrator unlocks it". */
const LOCKED = '000001010000Z';

const spec: DirectorySpec = {
  users: [
    ...['a1', 'a2', 'a3', 'a4', 'a5', 's1', 'n1', 'n2', 'lock', 'pw', 'del', 'filt'].map((uid) => ({ uid, displayName: `User ${uid.toUpperCase()}` })),
    { uid: 'nomail', mail: null },
    ...Array.from({ length: OUTSIDERS }, (_, i) => ({ uid: outsider(i + 1) })),
  ],
  groups: [
    { cn: 'agents', members: ['a1', 'a2', 'a3', 'a4', 'lock', 'pw', 'del', 'filt', 'nomail'], groups: ['team'] },
    { cn: 'team', members: ['n1'] },
    { cn: 'supers', members: ['s1', 'a1'] },
    { cn: 'unmapped', members: ['a5'] },
  ],
};
const MAPPED = [groupDn('agents'), groupDn('supers')];

let h: SlapdHandle;
const admin = () => ({ url: h.url, adminDN: h.adminDN, adminPassword: h.adminPassword });
// Users with employeeType "former" are not users for zcc-sync: a userFilter on an attribute.
const config = (over: Record<string, unknown> = {}) =>
  directorySchema.parse({ url: h.url, bindDN: h.readerDN, bindPassword: h.readerPassword, userFilter: '(&(objectClass=inetOrgPerson)(!(employeeType=former)))', ...over });

const entryOf = (u: DirectoryUser): MirrorEntry => ({ email: u.email, dn: u.dn, displayName: u.displayName, uniqueId: u.uniqueId, groups: [...u.groups], disabled: u.disabled ?? false });
const mirrorOf = (users: DirectoryUser[]) => new Map(users.map((u) => [normalizeDn(u.dn), entryOf(u)]));
/** The mirror as the orchestrator keeps it: gone emails dropped, changed users upserted by email and DN. */
function applyChanges(mirror: Map<string, MirrorEntry>, changes: Extract<DirectoryChanges, { kind: 'changes' }>): Map<string, MirrorEntry> {
  const next = new Map(mirror);
  const dropEmail = (email: string) => {
    for (const [k, e] of next) if (e.email === email) next.delete(k);
  };
  for (const g of changes.gone) dropEmail(g.email);
  for (const u of changes.changed) {
    dropEmail(u.email);
    next.set(normalizeDn(u.dn), entryOf(u));
  }
  return next;
}
const sortedEntries = (m: Map<string, MirrorEntry>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
const mail = (uid: string) => `${uid}@example.com`;

/** The state the delta reads start from: the marker and mirror of the last read. */
let state: { marker: ChangeMarker; mirror: Map<string, MirrorEntry> };

async function fullRead() {
  const snap = await readDirectory(config(), MAPPED, logger);
  return { snap, mirror: mirrorOf(snap.users) };
}

/** A delta since the state; checks the invariant (mirror + delta = full read now) and advances the state. */
async function delta(): Promise<Extract<DirectoryChanges, { kind: 'changes' }>> {
  const changes = await readDirectoryChanges(config(), MAPPED, logger, state.marker, state.mirror);
  if (changes.kind !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(changes)}`);
  const { snap, mirror } = await fullRead();
  expect(sortedEntries(applyChanges(state.mirror, changes))).toEqual(sortedEntries(mirror));
  // Warnings as the full read reports them (no_email for nomail, …).
  expect(changes.warnings.map((w) => `${w.code} ${normalizeDn(w.subject)}`).sort()).toEqual(snap.warnings.map((w) => `${w.code} ${normalizeDn(w.subject)}`).sort());
  state = { marker: changes.marker, mirror };
  return changes;
}

/** A SearchClient that counts the searches made through it. */
function counting(client: Client): { client: SearchClient; searches: () => number } {
  let n = 0;
  const counted: SearchClient = {
    get isBound() {
      return client.isBound;
    },
    search: ((...args: Parameters<Client['search']>) => {
      n++;
      return client.search(...args);
    }) as Client['search'],
    searchPaginated: ((...args: Parameters<Client['searchPaginated']>) => {
      n++;
      return client.searchPaginated(...args);
    }) as Client['searchPaginated'],
  };
  return { client: counted, searches: () => n };
}

beforeAll(async () => {
  h = await withSlapd(spec);
  const { snap, mirror } = await fullRead();
  if (!snap.marker) throw new Error('the full read recorded no marker');
  state = { marker: snap.marker, mirror };
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('what the dev slapd offers (the facts the delta read stands on)', () => {
  test('contextCSN of the suffix is the marker, read by the reader account; the full read records it', async () => {
    expect(state.marker).toEqual({ kind: 'csn', base: SUFFIX, contextCsn: expect.stringMatching(/^\d{14}\.\d{6}Z#000000#000#000000$/) });
    const client = await connectDirectory(config(), logger);
    try {
      expect(await readChangeMarker(client, config())).toEqual(state.marker);
    } finally {
      await client.unbind();
    }
    expect(markerText(state.marker)).toContain('contextCSN 2');
  });

  test('contextCSN moves on a user modify and a group member edit; entryCSN ≥ it finds exactly the entries changed since', async () => {
    const before = await readMarker();
    await modifyUser(admin(), outsider(1), { description: 'touched' });
    const afterModify = await readMarker();
    await addGroupMember(admin(), 'unmapped', outsider(2));
    const afterMember = await readMarker();
    expect(new Set([before, afterModify, afterMember].map((m) => m.contextCsn)).size).toBe(3);
    const changedSince = async (csn: string) =>
      withAdmin(admin(), async (c) => (await c.search(PEOPLE_BASE, { filter: new GreaterThanEqualsFilter({ attribute: 'entryCSN', value: csn }), attributes: ['1.1'] })).searchEntries.map((e) => e.dn));
    expect(await changedSince(before.contextCsn)).toEqual([userDn(outsider(1))]); // memberOf written on out002 did not touch its entryCSN
    expect(await changedSince(afterMember.contextCsn)).toEqual([]);
    await readDirectoryChangesIdleAfter();
  });
});

async function readMarker(): Promise<Extract<ChangeMarker, { kind: 'csn' }>> {
  const client = await connectDirectory(config(), logger);
  try {
    const m = await readChangeMarker(client, config());
    if (m?.kind !== 'csn') throw new Error(`no csn marker: ${JSON.stringify(m)}`);
    return m;
  } finally {
    await client.unbind();
  }
}

/** Moves the state past changes outside the mapped groups: the read reports nothing. */
async function readDirectoryChangesIdleAfter(): Promise<void> {
  const changes = await delta();
  expect(changes.changed).toEqual([]);
  expect(changes.gone).toEqual([]);
}

describe('readDirectoryChanges', () => {
  test('idle: an unmoved marker ends the read after the marker’s two searches', async () => {
    const conn = await connectDirectory(config(), logger);
    try {
      const { client, searches } = counting(conn);
      const t0 = performance.now();
      const r = await readDirectoryChangesWith(client, config(), MAPPED, logger, state.marker, state.mirror);
      const ms = performance.now() - t0;
      expect(r).toEqual({ kind: 'idle', marker: state.marker });
      expect(searches()).toBe(2); // rootDSE, suffix entry
      expect(ms).toBeLessThan(100);
    } finally {
      await conn.unbind();
    }
  });

  test('a new user added to a mapped group is changed; only the changed entries were read', async () => {
    await addUser(admin(), { uid: 'j1', displayName: 'Joiner One' }, ['agents']);
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('j1'), dn: userDn('j1'), displayName: 'Joiner One', groups: [groupDn('agents')] })]);
    expect(r.changed[0].disabled).toBeUndefined();
    expect(r.gone).toEqual([]);
    // j1 (and the entry of the marker's own change when it is a user: ≥ is inclusive), not the 300 outsiders.
    expect(r.stats.usersRead).toBeGreaterThanOrEqual(1);
    expect(r.stats.usersRead).toBeLessThanOrEqual(2);
    expect(r.stats.groupsRead).toBe(3); // agents, supers, team
  });

  test('a member removed from a mapped group is gone; one in both mapped groups loses one group', async () => {
    await removeGroupMember(admin(), 'agents', 'a2');
    await removeGroupMember(admin(), 'supers', 'a1');
    const r = await delta();
    expect(r.gone.map((g) => g.email)).toEqual([mail('a2')]);
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('a1'), groups: [groupDn('agents')] })]);
    expect(state.mirror.get(normalizeDn(userDn('a1')))?.groups).toEqual([groupDn('agents')]);
  });

  test('a user added to a nested group is changed with the mapped group', async () => {
    await addGroupMember(admin(), 'team', 'n2');
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('n2'), groups: [groupDn('agents')] })]);
    expect(r.gone).toEqual([]);
  });

  test('a user added to an unmapped group changes nothing', async () => {
    await addGroupMember(admin(), 'unmapped', 'a3');
    const r = await delta();
    expect(r.changed).toEqual([]);
    expect(r.gone).toEqual([]);
  });

  test('an email change: the user (same DN) is changed with the new email, the old email is gone', async () => {
    await modifyUser(admin(), 'a3', { mail: 'A3.New@Example.com' });
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: 'a3.new@example.com', dn: userDn('a3'), groups: [groupDn('agents')] })]);
    expect(r.gone.map((g) => g.email)).toEqual([mail('a3')]);
  });

  test('a display name change is changed', async () => {
    await modifyUser(admin(), 'a4', { displayName: 'Renamed Four' });
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('a4'), displayName: 'Renamed Four' })]);
  });

  test('a member locked by ppolicy (pwdAccountLockedTime) is changed with disabled: true; unlocked, changed back', async () => {
    await modifyUser(admin(), 'lock', { pwdAccountLockedTime: LOCKED });
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('lock'), disabled: true, groups: [groupDn('agents')] })]);
    expect(r.gone).toEqual([]);
    await modifyUser(admin(), 'lock', { pwdAccountLockedTime: null });
    const back = await delta();
    expect(back.changed).toEqual([expect.objectContaining({ email: mail('lock') })]);
    expect(back.changed[0].disabled).toBeUndefined();
  });

  test('a password change of a member is read (its entryCSN moved) but not reported', async () => {
    await modifyUser(admin(), 'pw', { userPassword: 'another-secret' });
    const r = await delta();
    expect(r.stats.usersRead).toBeGreaterThanOrEqual(1); // pw (and lock, whose change was the marker's)
    expect(r.stats.usersRead).toBeLessThanOrEqual(2);
    expect(r.changed).toEqual([]);
    expect(r.gone).toEqual([]);
  });

  test('a deleted member is gone (refint drops it from its group without touching the group’s entryCSN)', async () => {
    await deleteUser(admin(), 'del');
    const r = await delta();
    expect(r.gone.map((g) => g.email)).toEqual([mail('del')]);
    expect(r.changed).toEqual([]);
  });

  test('a member whose entry leaves userFilter is gone, and reported as the full read reports it', async () => {
    await modifyUser(admin(), 'filt', { employeeType: 'former' });
    const r = await delta();
    expect(r.gone.map((g) => g.email)).toEqual([mail('filt')]);
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'unresolved_member', subject: userDn('filt') }));
  });

  test('a member given an email that another member has: the first in DN order keeps it, as in the full read', async () => {
    await addUser(admin(), { uid: 'a0', mail: 'A4@example.com' }, ['supers']);
    const r = await delta();
    // a0 sorts before a4: a0 now holds a4's email, with the groups of both; a4's own entry is not provisioned.
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('a4'), dn: userDn('a0'), groups: [groupDn('agents'), groupDn('supers')] })]);
    expect(r.gone).toEqual([]);
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'duplicate_email', subject: userDn('a4') }));
    await deleteUser(admin(), 'a0');
    const back = await delta();
    expect(back.changed).toEqual([expect.objectContaining({ email: mail('a4'), dn: userDn('a4'), groups: [groupDn('agents')] })]);
  });

  test('a mapped group that is deleted, or is not a group, fails the read as the full read fails', async () => {
    await addUser(admin(), { uid: 'trigger' }); // moves the marker: the groups are read
    await expect(readDirectoryChanges(config(), [...MAPPED, groupDn('nope')], logger, state.marker, state.mirror)).rejects.toThrow(DirectoryError);
    await expect(readDirectoryChanges(config(), [...MAPPED, groupDn('nope')], logger, state.marker, state.mirror)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining(`mapped group "${groupDn('nope')}" does not exist`),
    });
    await expect(readDirectoryChanges(config(), [userDn('a1')], logger, state.marker, state.mirror)).rejects.toThrow(/does not match directory.groupFilter/);
  });

  test('markers that cannot be compared mean a full reconcile', async () => {
    const usn: ChangeMarker = { kind: 'usn', server: 'CN=NTDS Settings,CN=DC1', invocationId: '00000000-0000-0000-0000-000000000000', usn: '1' };
    const r1 = await readDirectoryChanges(config(), MAPPED, logger, usn, state.mirror);
    expect(r1).toMatchObject({ kind: 'full', marker: { kind: 'csn' }, reason: expect.stringContaining('changed kind') });
    const otherBase = await readDirectoryChanges(config(), MAPPED, logger, { ...state.marker, base: 'dc=other,dc=com' } as ChangeMarker, state.mirror);
    expect(otherBase).toMatchObject({ kind: 'full', reason: expect.stringContaining('naming context') });
    const ts = await readDirectoryChanges(config(), MAPPED, logger, { kind: 'timestamp', at: new Date().toISOString() }, state.mirror);
    expect(ts).toMatchObject({ kind: 'full', reason: expect.stringContaining('now offers a csn') });
  });

  test('without a contextCSN (syncprov hidden) the timestamp marker finds changes by modifyTimestamp', async () => {
    const conn = await connectDirectory(config(), logger);
    try {
      // The same server, with contextCSN stripped from every answer: a directory without syncprov.
      const noCsn: SearchClient = {
        get isBound() {
          return conn.isBound;
        },
        search: (async (base: string, options: Parameters<Client['search']>[1]) => {
          const res = await conn.search(base, options);
          for (const e of res.searchEntries) delete e.contextCSN;
          return res;
        }) as Client['search'],
        searchPaginated: conn.searchPaginated.bind(conn),
      };
      expect(await readChangeMarker(noCsn, config())).toBeNull();
      // modifyTimestamp has one-second resolution: a second with no change before the marker.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const since: ChangeMarker = { kind: 'timestamp', at: new Date().toISOString() };
      await modifyUser(admin(), 'a5', { mail: 'never-a-member@example.com' }); // outside the mapped groups
      await addUser(admin(), { uid: 'j2' }, ['supers']);
      const r = await readDirectoryChangesWith(noCsn, config(), MAPPED, logger, since, state.mirror, { overlapSeconds: 0 });
      if (r.kind !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(r)}`);
      expect(r.marker).toEqual({ kind: 'timestamp', at: expect.any(String) });
      expect(Date.parse((r.marker as { at: string }).at)).toBeGreaterThanOrEqual(Date.parse(since.at));
      expect(r.changed.map((u) => u.email)).toEqual([mail('j2')]);
      expect(r.stats.usersRead).toBe(2); // a5 and j2: modified at or after the marker's second
      // The default overlap (300 s) reads again what changed in the 5 minutes before: here, the whole directory (loaded just now).
      const wide = await readDirectoryChangesWith(noCsn, config(), MAPPED, logger, since, state.mirror);
      expect(wide.kind === 'changes' && wide.stats.usersRead).toBeGreaterThan(OUTSIDERS);
      expect(wide.kind === 'changes' && wide.changed.map((u) => u.email)).toEqual([mail('j2')]);
    } finally {
      await conn.unbind();
    }
    await delta(); // the csn state catches up with j2
  });
});

describe('readNamedUsers', () => {
  test('members by email (case-insensitive), disabled ones flagged; strangers, non-members and filter syntax not found', async () => {
    await modifyUser(admin(), 'lock', { pwdAccountLockedTime: LOCKED });
    const r = await readNamedUsers(config(), MAPPED, logger, ['N1@Example.com', mail('lock'), mail('a5'), '*)(uid=*', '*', 'nobody@example.com', mail(outsider(3))], state.mirror);
    expect(r.users).toEqual([
      expect.objectContaining({ email: mail('lock'), disabled: true, groups: [groupDn('agents')] }),
      expect.objectContaining({ email: mail('n1'), dn: userDn('n1'), groups: [groupDn('agents')] }),
    ]);
    expect(r.notFound).toEqual([mail('a5'), '*)(uid=*', '*', 'nobody@example.com', mail(outsider(3))]);
    expect(r.marker).toMatchObject({ kind: 'csn' });
  });

  test('a joiner the mirror does not know yet, and a leaver the mirror still holds', async () => {
    await addUser(admin(), { uid: 'j3', displayName: 'Joiner Three' }, ['agents']);
    await removeGroupMember(admin(), 'supers', 's1');
    const r = await readNamedUsers(config(), MAPPED, logger, [mail('j3'), mail('s1')], state.mirror);
    expect(r.users).toEqual([expect.objectContaining({ email: mail('j3'), displayName: 'Joiner Three', groups: [groupDn('agents')] })]);
    expect(r.notFound).toEqual([mail('s1')]);
  });

  test('an email changed since the mirror: the mirror’s DN is read afresh, with its new email', async () => {
    await modifyUser(admin(), 'n2', { mail: 'n2.new@example.com' });
    const r = await readNamedUsers(config(), MAPPED, logger, [mail('n2')], state.mirror);
    expect(r.users).toEqual([expect.objectContaining({ email: 'n2.new@example.com', dn: userDn('n2') })]);
    expect(r.notFound).toEqual([mail('n2')]);
  });
});
