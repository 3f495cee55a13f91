/**
 * The directory snapshot against a real OpenLDAP (Debian slapd on loopback, loaded from LDIF):
 * exact members, nesting, cycles, missing emails, duplicates, unknown groups, filter
 * metacharacters in names, a 5,000-member group, size limits and a server that goes away.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import pino from 'pino';
import { directorySchema } from '../src/config/schema';
import { groupDn, userDn, type DirectorySpec } from '../devstack/ldif';
import { startSlapd, type SlapdHandle } from '../devstack/slapd';
import { DirectoryError, connectDirectory } from '../src/ldap/connect';
import { normalizeDn } from '../src/ldap/dn';
import { readDirectory, readDirectoryWith, type DirectorySnapshot, type ReadProgress, type SearchClient } from '../src/ldap/snapshot';

const logger = pino({ level: 'silent' });
const BIG = 5000;
const WEIRD_GROUP = 'weird *)(uid=* group';
const WEIRD_UID = 'weird*)(uid=*';
const bigUid = (i: number) => `big${String(i).padStart(5, '0')}`;

const spec: DirectorySpec = {
  users: [
    { uid: 'alice', displayName: 'Alice Archer' },
    { uid: 'bob', mail: 'Bob@Example.com', displayName: 'Bob Baker' },
    { uid: 'carol' },
    { uid: 'dave', mail: null }, // no email
    { uid: 'eve', mail: 'eve@example.com' },
    { uid: 'eve2', mail: 'EVE@example.com' }, // same email as eve
    { uid: 'frank' },
    { uid: 'grace' },
    { uid: 'heidi' },
    { uid: 'ivan' },
    { uid: WEIRD_UID, cn: 'Weird *)(uid=* User' },
    { uid: 'outsider' }, // in no mapped group
    ...Array.from({ length: BIG }, (_, i) => ({ uid: bigUid(i + 1) })),
  ],
  groups: [
    { cn: 'sales', members: ['alice', 'bob'] },
    { cn: 'support', members: ['bob', 'carol', 'dave'] },
    { cn: 'leads', members: ['carol'], groups: ['team-a'] },
    { cn: 'team-a', members: ['frank'], groups: ['team-b'] },
    { cn: 'team-b', members: ['ivan'] },
    { cn: 'cycle-a', members: ['grace'], groups: ['cycle-b'] },
    { cn: 'cycle-b', members: ['heidi'], groups: ['cycle-a'] },
    { cn: 'dupes', members: ['eve', 'eve2'] },
    { cn: WEIRD_GROUP, members: ['alice', WEIRD_UID] },
    { cn: 'haunted', members: ['alice'] },
    { cn: 'empty' },
    { cn: 'big', members: Array.from({ length: BIG }, (_, i) => bigUid(i + 1)) },
  ],
};

let dir: string;
let ldap: SlapdHandle;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zcc-dir-test-'));
  ldap = await startSlapd({ dir, spec });
});

afterAll(async () => {
  await ldap?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (over: Record<string, unknown> = {}) =>
  directorySchema.parse({ url: ldap.url, bindDN: ldap.readerDN, bindPassword: ldap.readerPassword, pageSize: 1000, ...over });

const read = (groups: string[], over: Record<string, unknown> = {}, onProgress?: (p: ReadProgress) => void) =>
  readDirectory(config(over), groups, logger, onProgress);

const emails = (s: DirectorySnapshot) => s.users.map((u) => u.email);
const codes = (s: DirectorySnapshot) => s.warnings.map((w) => w.code).sort();

describe('readDirectory against slapd', () => {
  test('three groups read with exact members, groups per user, email lower-cased', async () => {
    const snap = await read([groupDn('sales'), groupDn('support'), groupDn('leads')]);
    expect(emails(snap)).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com', 'frank@example.com', 'ivan@example.com']);
    const bob = snap.users.find((u) => u.email === 'bob@example.com');
    expect(bob).toMatchObject({ displayName: 'Bob Baker', dn: userDn('bob'), groups: [groupDn('sales'), groupDn('support')] });
    expect(bob?.uniqueId).toMatch(/^[0-9a-f-]{36}$/); // entryUUID
    expect(snap.users.find((u) => u.email === 'carol@example.com')?.groups).toEqual([groupDn('support'), groupDn('leads')]);
    // dave (support) has no mail: reported, not dropped silently
    expect(snap.warnings).toEqual([expect.objectContaining({ code: 'no_email', subject: userDn('dave') })]);
    expect(snap.stats.groupsRead).toBe(5); // 3 mapped + team-a + team-b
    expect(snap.stats.usersRead).toBe(spec.users.length);
  });

  test('nested groups are expanded to any depth and attributed to the mapped group', async () => {
    const snap = await read([groupDn('leads')]);
    expect(emails(snap)).toEqual(['carol@example.com', 'frank@example.com', 'ivan@example.com']);
    for (const u of snap.users) expect(u.groups).toEqual([groupDn('leads')]);
    expect(snap.warnings).toEqual([]);
  });

  test('nestedGroups: ignore → direct members only, nested group reported', async () => {
    const snap = await read([groupDn('leads')], { nestedGroups: 'ignore' });
    expect(emails(snap)).toEqual(['carol@example.com']);
    expect(snap.warnings).toEqual([expect.objectContaining({ code: 'nested_ignored', subject: groupDn('team-a') })]);
  });

  test('a nested cycle is a warning and the read terminates with every member', async () => {
    const snap = await read([groupDn('cycle-a'), groupDn('cycle-b')]);
    expect(emails(snap)).toEqual(['grace@example.com', 'heidi@example.com']);
    for (const u of snap.users) expect(u.groups).toEqual([groupDn('cycle-a'), groupDn('cycle-b')]);
    expect(codes(snap)).toEqual(['nested_cycle']); // one cycle, reported once
    expect(snap.warnings[0].message).toContain('cycle');
  });

  test('duplicate email: one user, a warning naming both entries', async () => {
    const snap = await read([groupDn('dupes')]);
    expect(snap.users).toHaveLength(1);
    expect(snap.users[0]).toMatchObject({ email: 'eve@example.com', dn: userDn('eve'), groups: [groupDn('dupes')] });
    expect(snap.warnings).toEqual([expect.objectContaining({ code: 'duplicate_email', subject: userDn('eve2') })]);
    expect(snap.warnings[0].message).toContain(userDn('eve'));
  });

  test('an unknown mapped group DN fails the read (never "no members")', async () => {
    const typo = groupDn('sale');
    await expect(read([groupDn('sales'), typo])).rejects.toThrow(DirectoryError);
    await expect(read([groupDn('sales'), typo])).rejects.toThrow(`mapped group "${typo}" does not exist`);
    await expect(read([typo])).rejects.toMatchObject({ retryable: false });
  });

  test('a mapped DN that is not a group (a user) fails the read', async () => {
    await expect(read([userDn('alice')])).rejects.toThrow(/does not match directory.groupFilter/);
  });

  test('filter metacharacters in group and user names are data, not filter syntax', async () => {
    const snap = await read([groupDn(WEIRD_GROUP)]);
    expect(emails(snap)).toEqual(['alice@example.com', `${WEIRD_UID}@example.com`]);
    expect(snap.users[1].groups).toEqual([groupDn(WEIRD_GROUP)]);
    // slapd writes the '=' in the DN as \3D where the LDIF had \=: the same DN, matched as such
    expect(snap.users[1].dn).not.toBe(userDn(WEIRD_UID));
    expect(normalizeDn(snap.users[1].dn)).toBe(normalizeDn(userDn(WEIRD_UID)));
  });

  test('5,000-member group read in full through paged user searches (no truncation)', async () => {
    const progress: ReadProgress[] = [];
    const snap = await read([groupDn('big')], { pageSize: 400 }, (p) => progress.push(p));
    expect(snap.users).toHaveLength(BIG);
    expect(new Set(emails(snap)).size).toBe(BIG);
    expect(snap.users[0].email).toBe(`${bigUid(1)}@example.com`);
    expect(snap.users[BIG - 1].email).toBe(`${bigUid(BIG)}@example.com`);
    expect(snap.stats.usersRead).toBe(spec.users.length);
    expect(snap.stats.pages).toBe(Math.ceil(spec.users.length / 400));
    expect(progress.filter((p) => p.phase === 'users').length).toBeGreaterThan(10); // per page: activity heartbeats
    expect(snap.warnings).toEqual([]);
  });

  test('the server size limit (500, pitfall 1) fails the read instead of returning 500 users', async () => {
    // A plain user has no olcLimits exemption: slapd stops paged searches at 500 entries.
    const asUser = { bindDN: userDn('alice'), bindPassword: 'user-secret' };
    await expect(read([groupDn('big')], asUser)).rejects.toThrow(/Size limit|size limit/);
    await expect(read([groupDn('big')], asUser)).rejects.toMatchObject({ retryable: false });
  });

  test('members that resolve to no user are reported; DNs match whatever their case and spacing', async () => {
    const admin = new Client({ url: ldap.url });
    await admin.bind(ldap.adminDN, ldap.adminPassword);
    try {
      await admin.modify(groupDn('haunted'), new Change({
        operation: 'add',
        modification: new Attribute({
          type: 'member',
          values: ['uid=ghost,ou=people,dc=example,dc=com', 'cn=elsewhere,ou=nowhere,dc=example,dc=com', 'UID=Bob , OU=People, DC=Example,DC=com'],
        }),
      }));
    } finally {
      await admin.unbind();
    }
    const snap = await read([groupDn('haunted'), groupDn('empty')]);
    expect(emails(snap)).toEqual(['alice@example.com', 'bob@example.com']);
    const unresolved = snap.warnings.filter((w) => w.code === 'unresolved_member').map((w) => w.subject.toLowerCase()).sort();
    expect(unresolved).toEqual([
      'cn=elsewhere,ou=nowhere,dc=example,dc=com',
      'cn=reader,ou=services,dc=example,dc=com', // the placeholder member of the empty group
      'uid=ghost,ou=people,dc=example,dc=com',
    ]);
    expect(snap.warnings).toContainEqual(expect.objectContaining({ code: 'empty_group', subject: groupDn('empty') }));
  });

  test('a wrong bind password fails with the bind DN named and the password nowhere', async () => {
    const password = 'wrong-password-123';
    const err = await read([groupDn('sales')], { bindPassword: password }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryError);
    expect((err as DirectoryError).message).toContain(`LDAP bind as "${ldap.readerDN}"`);
    expect((err as DirectoryError).message).toContain('invalid credentials');
    expect((err as DirectoryError).retryable).toBe(false);
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain(password);
  });

  test('an empty password with a bind DN is refused (it would be an unauthenticated bind)', async () => {
    await expect(connectDirectory(config({ bindPassword: '' }), logger)).rejects.toThrow(/bindPassword is empty/);
  });

  test('the server dying in the middle of the user search fails the read', async () => {
    // A second server, so the one above stays up for nothing else: this one is killed mid-read.
    const dir2 = await mkdtemp(path.join(os.tmpdir(), 'zcc-dir-kill-'));
    const victim = await startSlapd({ dir: dir2, spec });
    try {
      const cfg = directorySchema.parse({ url: victim.url, bindDN: victim.readerDN, bindPassword: victim.readerPassword, pageSize: 200 });
      const onProgress = (p: ReadProgress) => {
        if (p.phase === 'users' && p.pages === 1) killAndWait(victim.pid);
      };
      const err = await readDirectory(cfg, [groupDn('big')], logger, onProgress).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DirectoryError);
      expect((err as DirectoryError).message).toMatch(/reading users under/);
      expect((err as DirectoryError).retryable).toBe(true);
    } finally {
      await victim.stop();
      await rm(dir2, { recursive: true, force: true });
    }
  });

  test('LDAP server stopped → the read throws (never "0 users")', async () => {
    await ldap.stop();
    const err = await read([groupDn('sales')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryError);
    expect((err as DirectoryError).message).toMatch(/connection refused/);
    expect((err as DirectoryError).retryable).toBe(true);
  });
});

/**
 * What slapd cannot show: Active Directory's ranged retrieval of large member lists
 * (`member;range=0-1499`, pitfall of pg-ldap-sync#32) and a connection silently re-opened
 * unauthenticated between pages. A scripted client stands in for the server.
 */
describe('readDirectoryWith (scripted AD-like server)', () => {
  const GROUP = 'CN=Agents,OU=Groups,DC=corp,DC=example';
  const dnOf = (i: number) => `CN=User ${i},OU=People,DC=corp,DC=example`;
  const N = 3200;
  const adConfig = directorySchema.parse({
    url: 'ldap://127.0.0.1:1',
    bindDN: 'CN=svc,DC=corp,DC=example',
    bindPassword: 'x',
    userBase: 'OU=People,DC=corp,DC=example',
    userFilter: '(&(objectClass=user)(objectCategory=person))',
    groupFilter: '(objectClass=group)',
    attributes: { email: 'mail', displayName: 'displayName', uniqueId: 'objectGUID', member: 'member' },
    pageSize: 1000,
  });

  function fakeAd(opts: { brokenRange?: boolean; dropAfterPage?: number; odd?: boolean } = {}) {
    const requested: string[][] = [];
    let bound = true;
    const ranges: Record<string, { key: string; from: number; to: number }> = {
      member: { key: 'member;range=0-1499', from: 0, to: 1500 },
      'member;range=1500-*': { key: 'member;range=1500-2999', from: 1500, to: 3000 },
      'member;range=3000-*': { key: 'member;range=3000-*', from: 3000, to: N },
    };
    const client: SearchClient = {
      get isBound() {
        return bound;
      },
      async search(base, options) {
        const attrs = options?.attributes ?? [];
        requested.push(attrs);
        if (String(base) !== GROUP) throw new Error(`unexpected base ${String(base)}`);
        const r = ranges[attrs[0]];
        if (!r || (opts.brokenRange && r.from > 0)) return { searchEntries: [{ dn: GROUP }], searchReferences: [] };
        const members = Array.from({ length: r.to - r.from }, (_, i) => dnOf(r.from + i + 1));
        return { searchEntries: [{ dn: GROUP, [r.key]: members, member: [] }], searchReferences: [] };
      },
      async *searchPaginated() {
        for (let page = 0; page * 1000 < N; page++) {
          if (opts.dropAfterPage !== undefined && page > opts.dropAfterPage) bound = false;
          const entries = [];
          for (let i = page * 1000 + 1; i <= Math.min(N, (page + 1) * 1000); i++) {
            const guid = Buffer.alloc(16, 0);
            guid.writeUInt32LE(i, 0);
            const mail = opts.odd && i === 8 ? [`user${i}@corp.example`, `User${i}.Alias@corp.example`] : `user${i}@corp.example`;
            const displayName = opts.odd && i === 7 ? `User\u00007` : `User ${i}`;
            entries.push({ dn: dnOf(i).toLowerCase(), mail, displayName, objectGUID: guid });
          }
          yield { searchEntries: entries, searchReferences: [] };
        }
      },
    };
    return { client, requested };
  }

  test('member;range=… is followed to the end: all 3,200 members, no truncation at 1,500', async () => {
    const { client, requested } = fakeAd();
    const snap = await readDirectoryWith(client, adConfig, [GROUP], logger);
    expect(snap.users).toHaveLength(N);
    expect(requested).toEqual([['member'], ['member;range=1500-*'], ['member;range=3000-*']]);
    expect(snap.users.find((u) => u.email === 'user1@corp.example')?.uniqueId).toBe('00000001-0000-0000-0000-000000000000');
    expect(snap.warnings).toEqual([]);
  });

  test('a name holding a NUL and a second email come through intact', async () => {
    const { client } = fakeAd({ odd: true });
    const snap = await readDirectoryWith(client, adConfig, [GROUP], logger);
    expect(snap.users).toHaveLength(N);
    expect(snap.users.find((u) => u.email === 'user7@corp.example')).toMatchObject({ displayName: 'User\u00007', uniqueId: '00000007-0000-0000-0000-000000000000' });
    expect(snap.users.find((u) => u.email === 'user8@corp.example')).toMatchObject({ displayName: 'User 8', uniqueId: '00000008-0000-0000-0000-000000000000' });
    expect(snap.warnings).toEqual([expect.objectContaining({ code: 'multiple_emails', message: expect.stringContaining('user8@corp.example, user8.alias@corp.example') })]);
  });

  test('a ranged read that stops answering with a range fails loudly', async () => {
    const { client } = fakeAd({ brokenRange: true });
    await expect(readDirectoryWith(client, adConfig, [GROUP], logger)).rejects.toThrow(/refusing a partial member list/);
  });

  test('a connection re-opened unauthenticated between pages fails the read', async () => {
    const { client } = fakeAd({ dropAfterPage: 1 });
    await expect(readDirectoryWith(client, adConfig, [GROUP], logger)).rejects.toThrow(/re-opened unauthenticated/);
  });

  test('no mapped groups, or a malformed filter, fail before any search', async () => {
    const { client, requested } = fakeAd();
    await expect(readDirectoryWith(client, adConfig, [], logger)).rejects.toThrow(/no mapped groups/);
    await expect(readDirectoryWith(client, { ...adConfig, userFilter: '(&(objectClass=user)' }, [GROUP], logger)).rejects.toThrow(/directory.userFilter .* is not a valid LDAP filter/);
    expect(requested).toEqual([]);
  });
});

describe('normalizeDn', () => {
  test.each([
    ['uid=Bob, ou=People,dc=Example,dc=com', 'UID=bob,OU=people,DC=example,DC=COM'],
    ['cn=a\\2Cb,dc=x', 'cn=A\\,B,dc=x'],
    ['cn=weird\\3D*,dc=x', 'cn=weird\\=*,dc=x'],
    ['cn=Zo\\C3\\AB,dc=x', 'cn=zoë,dc=x'],
    ['cn=a  b,dc=x', 'cn=a b,dc=x'],
    ['cn=x+uid=y,dc=z', 'uid=y+cn=x,dc=z'],
  ])('%s ≡ %s', (a, b) => expect(normalizeDn(a)).toBe(normalizeDn(b)));

  test('different DNs stay different', () => {
    expect(normalizeDn('cn=a\\,b,dc=x')).not.toBe(normalizeDn('cn=a,b=,dc=x'));
    expect(normalizeDn('cn=a,dc=x')).not.toBe(normalizeDn('cn=a,dc=y'));
  });
});

/**
 * SIGKILL, then block until the process is dead (a zombie: it is our child and the event loop,
 * which would reap it, is blocked). Synchronous on purpose: the next page request must find the
 * server gone, not race it.
 */
function killAndWait(pid: number): void {
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    let state = '';
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      return; // gone
    }
    if (state === 'Z' || state === 'X') return;
    Atomics.wait(nap, 0, 0, 2);
  }
  throw new Error(`slapd ${pid} did not die`);
}
