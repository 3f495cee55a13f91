/**
 * Delta and on-demand directory reads (src/ldap/changes/) against the run's real Samba AD DC over
 * LDAPS, bound as the read-only service account (test/support/stack.ts testAd()), changed as the
 * domain admin (test/support/ad-admin.ts) in an OU of this file's own.
 *
 * The marker is AD's highestCommittedUSN of the one DC, with its dsServiceName and invocationId;
 * users changed since are read by uSNChanged. Facts this relies on, observed on Samba 4.17 (and
 * checked below): the service account reads the rootDSE's highestCommittedUSN and dsServiceName and
 * the NTDS Settings' invocationId; a member added to or removed from a group moves the GROUP's
 * uSNChanged (not the user's); disabling (userAccountControl) and a password change move the user's;
 * deleting a user removes it from its groups' member without moving the groups' uSNChanged, while
 * highestCommittedUSN moves; no USN moves while nothing is written (not even on a bind).
 *
 * The DC is shared with other test files: a delta over this OU's userBase sees only this OU's
 * users, but the USN also moves on their writes, so "idle" is retried until a quiet moment.
 */
import type { Client } from 'ldapts';
import pino from 'pino';
import type { DirectoryUser } from '../src/domain/types';
import { directorySchema } from '../src/config/schema';
import { connectDirectory } from '../src/ldap/connect';
import { normalizeDn } from '../src/ldap/dn';
import { readDirectory, type SearchClient } from '../src/ldap/snapshot';
import {
  readChangeMarker, readDirectoryChanges, readDirectoryChangesWith, readNamedUsers,
  type ChangeMarker, type DirectoryChanges, type MirrorEntry,
} from '../src/ldap/changes';
import { testAdOrReport, type TestAd } from './support/stack';
import { addGroup, addMembers, addUser, deleteEntry, removeMembers, setEnabled, setPassword, testOu, type AdUser } from './support/ad-admin';

const ad = testAdOrReport('test/ldap-changes-ad.test.ts');
const logger = pino({ level: 'silent' });
jest.setTimeout(60_000);

const mail = (sam: string) => `${sam}@example.com`;
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

(ad ? describe : describe.skip)('delta reads on Active Directory (Samba AD DC)', () => {
  const dc = ad as TestAd;
  let ou = '';
  const dn: Record<string, string> = {};
  const group: Record<string, string> = {};
  let state: { marker: ChangeMarker; mirror: Map<string, MirrorEntry> };
  const config = () =>
    directorySchema.parse({ type: 'activeDirectory', url: dc.url, tlsCaFile: dc.caFile, bindDN: dc.bindDn, bindPassword: dc.bindPassword, userBase: ou, groupBase: ou });
  const mapped = () => [group.agents, group.supers];
  const fullRead = async () => {
    const snap = await readDirectory(config(), mapped(), logger);
    return { snap, mirror: mirrorOf(snap.users) };
  };
  /** A delta since the state; checks mirror + delta = a full read now, and advances the state. */
  const delta = async () => {
    const changes = await readDirectoryChanges(config(), mapped(), logger, state.marker, state.mirror);
    if (changes.kind !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(changes)}`);
    const { mirror } = await fullRead();
    expect(sortedEntries(applyChanges(state.mirror, changes))).toEqual(sortedEntries(mirror));
    state = { marker: changes.marker, mirror };
    return changes;
  };
  const withService = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = await connectDirectory(config(), logger);
    try {
      return await fn(c);
    } finally {
      await c.unbind();
    }
  };

  beforeAll(async () => {
    ou = await testOu(dc, 'delta');
    const add = async (u: AdUser) => (dn[u.sam] = await addUser(dc, ou, u));
    for (const sam of ['dla01', 'dla02', 'dla03', 'dla04', 'dln01', 'dls01', 'dlj01', 'dlj02']) await add({ sam, givenName: sam.toUpperCase(), sn: 'Delta' });
    group.nested = await addGroup(dc, ou, { name: 'dl-nested', members: [dn.dln01] });
    group.agents = await addGroup(dc, ou, { name: 'dl-agents', members: [dn.dla01, dn.dla02, dn.dla03, dn.dla04, group.nested] });
    group.supers = await addGroup(dc, ou, { name: 'dl-supers', members: [dn.dls01] });
    const { snap, mirror } = await fullRead();
    if (!snap.marker) throw new Error('the full read recorded no marker');
    state = { marker: snap.marker, mirror };
  });
  afterAll(async () => {
    if (ou) await deleteEntry(dc, ou, { tree: true });
  });

  test('the marker: highestCommittedUSN, dsServiceName and the invocationId GUID, read by the service account', async () => {
    expect(state.marker).toEqual({
      kind: 'usn',
      server: expect.stringMatching(/^CN=NTDS Settings,CN=DC1,CN=Servers,/),
      invocationId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      usn: expect.stringMatching(/^\d+$/),
    });
    const m = state.marker as Extract<ChangeMarker, { kind: 'usn' }>;
    // The GUID as AD prints it: the first three groups byte-swapped from the wire bytes.
    const raw = await withService(async (c) => (await c.search(m.server, { scope: 'base', attributes: ['invocationId'], explicitBufferAttributes: ['invocationId'] })).searchEntries[0].invocationId);
    expect(Buffer.isBuffer(raw) && raw.length).toBe(16);
    const hex = (raw as Buffer).toString('hex');
    const swap = (s: string) => s.match(/../g)!.reverse().join('');
    expect(m.invocationId.replace(/-/g, '')).toBe(swap(hex.slice(0, 8)) + swap(hex.slice(8, 12)) + swap(hex.slice(12, 16)) + hex.slice(16));
  });

  test('what the DC offers: group member edits move the group’s uSNChanged, not the user’s; a delete empties the link without moving the group’s', async () => {
    const u = await addUser(dc, ou, { sam: 'dlf01' });
    const g = await addGroup(dc, ou, { name: 'dl-facts' });
    const read = () =>
      withService(async (c) => {
        // The deleted user: noSuchObject, read as ''.
        const usn = async (at: string) => c.search(at, { scope: 'base', attributes: ['uSNChanged'] }).then((r) => String(r.searchEntries[0]?.uSNChanged), () => '');
        const root = (await c.search('', { scope: 'base', attributes: ['highestCommittedUSN'] })).searchEntries[0];
        const members = (await c.search(g, { scope: 'base', attributes: ['member'] })).searchEntries[0].member;
        return { top: String(root.highestCommittedUSN), user: await usn(u), group: await usn(g), members: ([] as string[]).concat((members ?? []) as string[]) };
      });
    const s0 = await read();
    await addMembers(dc, g, [u]);
    const s1 = await read();
    expect(s1.group).not.toBe(s0.group);
    expect(s1.user).toBe(s0.user);
    expect(s1.members).toEqual([u]);
    await setEnabled(dc, u, false);
    const s2 = await read();
    expect(s2.user).not.toBe(s1.user);
    await deleteEntry(dc, u);
    const s3 = await read();
    expect(s3.members).toEqual([]);
    expect(s3.group).toBe(s2.group);
    expect(BigInt(s3.top)).toBeGreaterThan(BigInt(s2.top));
  });

  test('idle: an unmoved USN ends the read after two searches (rootDSE, NTDS Settings)', async () => {
    let result: DirectoryChanges | undefined;
    let searches = 0;
    for (let attempt = 0; attempt < 10 && result?.kind !== 'idle'; attempt++) {
      await withService(async (conn) => {
        const now = await readChangeMarker(conn, config());
        let n = 0;
        const counted: SearchClient = {
          get isBound() {
            return conn.isBound;
          },
          search: ((...a: Parameters<Client['search']>) => (n++, conn.search(...a))) as Client['search'],
          searchPaginated: ((...a: Parameters<Client['searchPaginated']>) => (n++, conn.searchPaginated(...a))) as Client['searchPaginated'],
        };
        result = await readDirectoryChangesWith(counted, config(), mapped(), logger, now!, state.mirror);
        searches = n;
      });
    }
    expect(result?.kind).toBe('idle');
    expect(searches).toBe(2);
  });

  test('an existing user added to a mapped group is changed: the group is re-read, the user (unchanged itself) looked up', async () => {
    await addMembers(dc, group.agents, [dn.dlj01]);
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('dlj01'), dn: dn.dlj01, displayName: 'DLJ01 Delta', groups: [group.agents] })]);
    expect(r.gone).toEqual([]);
    // dlj01's own entry did not change (the group's did): it is a member the mirror did not know, looked up.
    expect(r.stats.lookups).toBeGreaterThanOrEqual(1);
    expect(r.stats.usersRead).toBe(0);
  });

  test('a new user added to a nested group is changed with the mapped group, read by uSNChanged', async () => {
    dn.dlj03 = await addUser(dc, ou, { sam: 'dlj03', givenName: 'Nested', sn: 'Joiner' });
    await addMembers(dc, group.nested, [dn.dlj03]);
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('dlj03'), displayName: 'Nested Joiner', groups: [group.agents] })]);
    expect(r.stats.usersRead).toBe(1); // dlj03, by uSNChanged ≥ the marker + 1
  });

  test('disabled through userAccountControl: changed with disabled: true', async () => {
    await setEnabled(dc, dn.dla02, false);
    const r = await delta();
    expect(r.changed).toEqual([expect.objectContaining({ email: mail('dla02'), disabled: true, groups: [group.agents] })]);
    expect(r.gone).toEqual([]);
  });

  test('a password change is read but not reported', async () => {
    await setPassword(dc, dn.dla03, 'Another-Pa55-word!');
    const r = await delta();
    expect(r.stats.usersRead).toBe(1);
    expect(r.changed).toEqual([]);
    expect(r.gone).toEqual([]);
  });

  test('removed from the group, and deleted: both gone', async () => {
    await removeMembers(dc, group.agents, [dn.dla01]);
    await deleteEntry(dc, dn.dla04);
    const r = await delta();
    expect(r.gone.map((g) => g.email)).toEqual([mail('dla01'), mail('dla04')]);
    expect(r.changed).toEqual([]);
  });

  test('another DC, a restored DC (invocationId) or a USN gone back: a full reconcile', async () => {
    const m = state.marker as Extract<ChangeMarker, { kind: 'usn' }>;
    const other = await readDirectoryChanges(config(), mapped(), logger, { ...m, server: m.server.replace('CN=DC1,', 'CN=DC2,') }, state.mirror);
    expect(other).toMatchObject({ kind: 'full', marker: { kind: 'usn', server: m.server }, reason: expect.stringContaining('another domain controller') });
    const restored = await readDirectoryChanges(config(), mapped(), logger, { ...m, invocationId: '00000000-0000-0000-0000-000000000001' }, state.mirror);
    expect(restored).toMatchObject({ kind: 'full', reason: expect.stringContaining('invocationId changed') });
    const ahead = await readDirectoryChanges(config(), mapped(), logger, { ...m, usn: String(BigInt(m.usn) + 1_000_000n) }, state.mirror);
    expect(ahead).toMatchObject({ kind: 'full', reason: expect.stringContaining('went back') });
    const csn = await readDirectoryChanges(config(), mapped(), logger, { kind: 'csn', base: dc.baseDn, contextCsn: '20250101000000.000000Z#000000#000#000000' }, state.mirror);
    expect(csn).toMatchObject({ kind: 'full', reason: expect.stringContaining('changed kind') });
  });

  test('readNamedUsers: a joiner the mirror does not know, a disabled member, a stranger', async () => {
    await addMembers(dc, group.supers, [dn.dlj02]);
    const r = await readNamedUsers(config(), mapped(), logger, [mail('dlj02').toUpperCase(), mail('dla02'), mail('dla01'), '*)(sAMAccountName=*'], state.mirror);
    expect(r.users).toEqual([
      expect.objectContaining({ email: mail('dla02'), disabled: true, groups: [group.agents] }),
      expect.objectContaining({ email: mail('dlj02'), groups: [group.supers] }),
    ]);
    expect(r.notFound).toEqual([mail('dla01'), '*)(samaccountname=*']);
    expect(r.marker).toMatchObject({ kind: 'usn' });
  });
});
