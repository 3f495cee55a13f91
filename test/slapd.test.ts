/**
 * The slapd harness: 10,000 generated users bulk-loaded with slapadd and read back with paged
 * ldapts searches; filter escaping against the real server; exact directories from a
 * DirectorySpec; online changes through the admin bind.
 */
import { existsSync } from 'node:fs';
import { Client, EqualityFilter, InvalidCredentialsError, escapeFilter } from 'ldapts';
import {
  GROUPS_BASE, PEOPLE_BASE, READER_DN, UNICODE_DISPLAY_NAME, UNICODE_UID, USER_PASSWORD, WEIRD_CN, WEIRD_UID,
  generatedUid, groupDn, userDn,
} from '../devstack/ldif';
import { isAlive } from '../devstack/proc';
import { startSlapd, type SlapdHandle } from '../devstack/slapd';
import { withSlapd } from './support/stack';
import { addGroupMember, addUser, deleteUser, removeGroupMember } from './support/ldap-admin';

const list = (v: unknown): string[] => (v === undefined ? [] : ([] as string[]).concat(v as string | string[]));

async function reader(h: SlapdHandle): Promise<Client> {
  const c = new Client({ url: h.url, timeout: 60_000 });
  await c.bind(h.readerDN, h.readerPassword);
  return c;
}

describe('10,000 generated users', () => {
  const USERS = 10_000;
  const GROUPS = 12; // team01..team10, admins, engineering
  let h: SlapdHandle;
  let c: Client;

  beforeAll(async () => {
    h = await withSlapd({ users: USERS, groups: GROUPS });
    c = await reader(h);
  });
  afterAll(async () => {
    await c?.unbind();
    await h?.stop();
  });

  test('paged search reads back every user exactly once, with memberOf', async () => {
    const seen = new Set<string>();
    let pages = 0;
    for await (const page of c.searchPaginated(PEOPLE_BASE, {
      filter: '(objectClass=inetOrgPerson)',
      attributes: ['uid', 'mail', 'memberOf'],
      paged: { pageSize: 1000 },
    })) {
      pages++;
      for (const e of page.searchEntries) seen.add(String(e.uid));
    }
    expect(seen.size).toBe(USERS + 2); // + weird.user and zoe
    expect(pages).toBeGreaterThanOrEqual(11);
    expect(seen.has(generatedUid(1, USERS))).toBe(true);
    expect(seen.has(generatedUid(USERS, USERS))).toBe(true);

    const { searchEntries } = await c.search(userDn(generatedUid(2, USERS)), { scope: 'base', attributes: ['mail', 'memberOf'] });
    expect(searchEntries[0]?.mail).toBe(`${generatedUid(2, USERS)}@example.com`);
    expect(list(searchEntries[0]?.memberOf).sort()).toEqual([groupDn('engineering'), groupDn('team02')].sort());
  });

  test('group member lists add up, and the nested group holds groups', async () => {
    const { searchEntries } = await c.search(GROUPS_BASE, { filter: '(objectClass=groupOfNames)', attributes: ['cn', 'member'], paged: { pageSize: 100 } });
    expect(searchEntries).toHaveLength(GROUPS);
    const byCn = new Map(searchEntries.map((e) => [String(e.cn), list(e.member)]));
    let teamMembers = 0;
    for (let t = 1; t <= GROUPS - 2; t++) teamMembers += byCn.get(`team${String(t).padStart(2, '0')}`)!.length;
    expect(teamMembers).toBe(USERS + 2);
    expect(byCn.get('admins')).toHaveLength(USERS / 100 + 1);
    expect(byCn.get('engineering')).toEqual(expect.arrayContaining([groupDn('team01'), groupDn('team02'), groupDn('team03'), userDn(generatedUid(2, USERS))]));
  });

  test('a filter value like *)(uid=* is escaped and matches nothing; the naive filter matches everyone', async () => {
    const hostile = '*)(uid=*';
    const naive = await c.search(PEOPLE_BASE, { filter: `(&(objectClass=inetOrgPerson)(uid=${hostile}))`, attributes: ['1.1'], paged: { pageSize: 1000 } });
    expect(naive.searchEntries).toHaveLength(USERS + 2);

    const escaped = escapeFilter`(&(objectClass=inetOrgPerson)(uid=${hostile}))`;
    expect(escaped).toBe('(&(objectClass=inetOrgPerson)(uid=\\2a\\29\\28uid=\\2a))');
    expect((await c.search(PEOPLE_BASE, { filter: escaped, attributes: ['1.1'] })).searchEntries).toHaveLength(0);
    expect((await c.search(PEOPLE_BASE, { filter: new EqualityFilter({ attribute: 'uid', value: hostile }), attributes: ['1.1'] })).searchEntries).toHaveLength(0);

    // The same metacharacters as data: an escaped equality filter finds exactly that entry.
    const weird = await c.search(PEOPLE_BASE, { filter: escapeFilter`(cn=${WEIRD_CN})`, attributes: ['uid'] });
    expect(weird.searchEntries.map((e) => e.uid)).toEqual([WEIRD_UID]);
  });

  test('non-ASCII values survive LDIF (base64) and come back as UTF-8', async () => {
    const { searchEntries } = await c.search(PEOPLE_BASE, { filter: escapeFilter`(uid=${UNICODE_UID})`, attributes: ['displayName'] });
    expect(searchEntries[0]?.displayName).toBe(UNICODE_DISPLAY_NAME);
  });

  test('users can bind with their password; a wrong one is refused', async () => {
    const u = new Client({ url: h.url });
    await u.bind(userDn(generatedUid(5, USERS)), USER_PASSWORD);
    await u.unbind();
    const bad = new Client({ url: h.url });
    await expect(bad.bind(userDn(generatedUid(5, USERS)), 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await bad.unbind();
  });

  test('a second slapd on the same instance directory is refused', async () => {
    await expect(startSlapd({ dir: h.dir })).rejects.toThrow(/already runs/);
  });
});

describe('an exact directory from a DirectorySpec', () => {
  let h: SlapdHandle;
  let c: Client;

  beforeAll(async () => {
    h = await withSlapd({
      users: [
        { uid: 'ann', displayName: 'Ann Lee' },
        { uid: 'bob', mail: 'Bob.Builder@Example.com' },
        { uid: 'nomail', mail: null },
        { uid: 'comma', cn: 'Smith, John' },
      ],
      groups: [
        { cn: 'sales', members: ['ann', 'nomail'], groups: ['loop-a'] },
        { cn: 'loop-a', members: ['bob'], groups: ['loop-b'] },
        { cn: 'loop-b', groups: ['loop-a'] }, // a nesting cycle
        { cn: 'empty' },
        { cn: 'Team, East', members: ['comma'] }, // DN escaping
      ],
    });
    c = await reader(h);
  });
  afterAll(async () => {
    await c?.unbind();
    await h?.stop();
  });

  const entry = async (dn: string, attributes: string[]) => (await c.search(dn, { scope: 'base', attributes })).searchEntries[0]!;

  test('mail defaults to uid@example.com, can be given, or left out', async () => {
    expect((await entry(userDn('ann'), ['mail'])).mail).toBe('ann@example.com');
    expect((await entry(userDn('bob'), ['mail'])).mail).toBe('Bob.Builder@Example.com');
    expect(list((await entry(userDn('nomail'), ['mail'])).mail)).toEqual([]);
  });

  test('memberOf is precomputed for users and nested groups (direct membership only)', async () => {
    expect(list((await entry(userDn('ann'), ['memberOf'])).memberOf)).toEqual([groupDn('sales')]);
    expect(list((await entry(userDn('bob'), ['memberOf'])).memberOf)).toEqual([groupDn('loop-a')]);
    expect(list((await entry(groupDn('loop-a'), ['memberOf'])).memberOf).sort()).toEqual([groupDn('loop-b'), groupDn('sales')].sort());
    expect(list((await entry(groupDn('loop-b'), ['member'])).member)).toEqual([groupDn('loop-a')]);
  });

  test('an empty group holds the reader account as placeholder member', async () => {
    expect(list((await entry(groupDn('empty'), ['member'])).member)).toEqual([READER_DN]);
    const people = await c.search(PEOPLE_BASE, { filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] });
    expect(people.searchEntries.map((e) => e.uid).sort()).toEqual(['ann', 'bob', 'comma', 'nomail']);
  });

  test('DN special characters are escaped', async () => {
    const g = await c.search(GROUPS_BASE, { filter: escapeFilter`(cn=${'Team, East'})`, attributes: ['member'] });
    expect(list(g.searchEntries[0]?.member)).toEqual([userDn('comma')]);
  });

  test('online changes through the admin bind: memberOf follows, last member gets the placeholder', async () => {
    await addUser(h, { uid: 'newbie', displayName: 'New Bie' }, ['sales']);
    expect(list((await entry(userDn('newbie'), ['memberOf'])).memberOf)).toEqual([groupDn('sales')]);

    await addGroupMember(h, 'empty', 'newbie');
    expect(list((await entry(groupDn('empty'), ['member'])).member)).toEqual([userDn('newbie')]);

    await removeGroupMember(h, 'empty', 'newbie');
    expect(list((await entry(groupDn('empty'), ['member'])).member)).toEqual([READER_DN]);

    await deleteUser(h, 'bob'); // the only user member of loop-a, which still holds loop-b
    const found = await c.search(PEOPLE_BASE, { filter: '(uid=bob)', attributes: ['1.1'] });
    expect(found.searchEntries).toHaveLength(0);
    expect(list((await entry(groupDn('loop-a'), ['member'])).member)).toEqual([groupDn('loop-b')]);
  });

  test('stop() stops the server and removes its directory', async () => {
    const other = await withSlapd({ users: [{ uid: 'x' }], groups: [] });
    expect(isAlive(other.pid)).toBe(true);
    await other.stop();
    expect(isAlive(other.pid)).toBe(false);
    expect(existsSync(other.dir)).toBe(false);
  });
});
