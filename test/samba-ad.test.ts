/**
 * The Samba AD harness (devstack/samba-ad.ts, test/support/ad-admin.ts) against the run's real
 * DC: what the Active Directory tests of zcc-sync can rely on.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Client, EqualityFilter, InsufficientAccessError, InvalidCredentialsError, StrongAuthRequiredError } from 'ldapts';
import { testAdOrReport } from './support/stack';
import {
  AD_USER_PASSWORD, UAC, adClient, addGroup, addMembers, addUser, addUsers, bindAs, deleteEntry, readEntry, removeMembers,
  setAccountExpires, setEnabled, setPassword, testOu, type AdUser,
} from './support/ad-admin';

const ad = testAdOrReport('test/samba-ad.test.ts');

const values = (v: unknown): string[] => (v === undefined ? [] : ([] as string[]).concat(v as string | string[]));

(ad ? describe : describe.skip)('Samba AD DC for the tests', () => {
  const dc = ad!;
  let ou = '';

  beforeAll(async () => {
    ou = await testOu(dc, 'harness');
  });
  afterAll(async () => {
    if (ou) await deleteEntry(dc, ou, { tree: true });
  });

  test('LDAPS on 127.0.0.1:636 presents a certificate the test CA verifies (no rejectUnauthorized: false)', async () => {
    const ca = readFileSync(dc.caFile);
    const socket = tls.connect({ host: '127.0.0.1', port: 636, ca });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      expect(socket.authorized).toBe(true);
      expect(socket.getPeerCertificate().subjectaltname).toContain('IP Address:127.0.0.1');
    } finally {
      socket.destroy();
    }
    // ldapts, as zcc-sync uses it: the admin and the service account bind with the CA.
    await bindAs(dc, dc.adminDn, dc.adminPassword);
    await bindAs(dc, dc.bindDn, dc.bindPassword);
    // Without the CA the same connection is refused by Node's verification.
    const untrusting = new Client({ url: dc.url, connectTimeout: 5_000 });
    await expect(untrusting.bind(dc.bindDn, dc.bindPassword)).rejects.toThrow(/certificate/i);
    await untrusting.unbind().catch(() => undefined);
  });

  test('plain ldap://127.0.0.1:389 refuses a simple bind (strong(er) authentication required, code 8); StartTLS works', async () => {
    const plain = new Client({ url: dc.ldapUrl, connectTimeout: 5_000 });
    try {
      const err = await plain.bind(dc.bindDn, dc.bindPassword).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StrongAuthRequiredError);
      expect(err).toMatchObject({ code: 8 });
      expect(String((err as Error).message)).toMatch(/Transport encryption required/);
    } finally {
      await plain.unbind().catch(() => undefined);
    }
    const upgraded = new Client({ url: dc.ldapUrl, connectTimeout: 5_000 });
    try {
      await upgraded.startTLS({ ca: readFileSync(dc.caFile) });
      await upgraded.bind(dc.bindDn, dc.bindPassword);
    } finally {
      await upgraded.unbind().catch(() => undefined);
    }
  });

  test('a user added by the helper is enabled and binds with its password (DN or UPN); a disabled one cannot', async () => {
    const alice = await addUser(dc, ou, { sam: 'h-alice', givenName: 'Alice', sn: 'Archer' });
    const bob = await addUser(dc, ou, { sam: 'h-bob', givenName: 'Bob', sn: 'Baker', enabled: false });
    const a = await readEntry(dc, alice, ['userAccountControl', 'userPrincipalName', 'mail', 'displayName', 'sAMAccountName']);
    expect(a).toMatchObject({
      userAccountControl: String(UAC.NORMAL_ACCOUNT),
      userPrincipalName: `h-alice@${dc.upnSuffix}`,
      mail: 'h-alice@example.com',
      displayName: 'Alice Archer',
      sAMAccountName: 'h-alice',
    });
    expect((await readEntry(dc, bob, ['userAccountControl'])).userAccountControl).toBe(String(UAC.NORMAL_ACCOUNT | UAC.ACCOUNTDISABLE));

    await bindAs(dc, alice, AD_USER_PASSWORD);
    await bindAs(dc, `h-alice@${dc.upnSuffix}`, AD_USER_PASSWORD);
    // AD's sub-codes in the diagnostic message: 52e wrong password, 533 disabled, 701 expired.
    const refused = (code: string) => expect.objectContaining({ code: 49, message: expect.stringContaining(`data ${code},`) });
    await expect(bindAs(dc, alice, 'Wrong-Pa55!')).rejects.toEqual(refused('52e'));
    await expect(bindAs(dc, bob, AD_USER_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(bindAs(dc, bob, AD_USER_PASSWORD)).rejects.toEqual(refused('533'));

    await setEnabled(dc, alice, false);
    await expect(bindAs(dc, alice, AD_USER_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(await setEnabled(dc, alice, true)).toBe(UAC.NORMAL_ACCOUNT);
    await bindAs(dc, alice, AD_USER_PASSWORD);

    await setPassword(dc, bob, 'Bob-New-Pa55!');
    await setEnabled(dc, bob, true);
    await bindAs(dc, bob, 'Bob-New-Pa55!');
  });

  test('accountExpires in the past stops the bind; "never" lets it in again', async () => {
    const carol = await addUser(dc, ou, { sam: 'h-carol', givenName: 'Carol', sn: 'Cole' });
    await setAccountExpires(dc, carol, new Date(Date.now() - 86_400_000));
    await expect(bindAs(dc, carol, AD_USER_PASSWORD)).rejects.toEqual(expect.objectContaining({ code: 49, message: expect.stringContaining('data 701,') }));
    await setAccountExpires(dc, carol, 'never');
    await bindAs(dc, carol, AD_USER_PASSWORD);
  });

  test('global security groups nest; members come and go; memberOf follows', async () => {
    const dave = await addUser(dc, ou, { sam: 'h-dave', password: null });
    const erin = await addUser(dc, ou, { sam: 'h-erin', password: null });
    expect((await readEntry(dc, dave, ['userAccountControl'])).userAccountControl).toBe(String(UAC.NORMAL_ACCOUNT | UAC.PASSWD_NOTREQD));
    const inner = await addGroup(dc, ou, { name: 'h-inner', members: [dave] });
    const outer = await addGroup(dc, ou, { name: 'h-outer', members: [inner] });
    await addMembers(dc, outer, [erin]);

    const o = await readEntry(dc, outer, ['member', 'groupType', 'sAMAccountName']);
    expect(o.groupType).toBe('-2147483646'); // global, security
    expect(values(o.member).sort()).toEqual([erin, inner].sort());
    expect(values((await readEntry(dc, dave, ['memberOf'])).memberOf)).toEqual([inner]);
    // Transitive membership, as AD computes it (LDAP_MATCHING_RULE_IN_CHAIN).
    const client = adClient(dc);
    try {
      await client.bind(dc.bindDn, dc.bindPassword);
      const { searchEntries } = await client.search(ou, { filter: `(memberOf:1.2.840.113556.1.4.1941:=${outer})`, attributes: ['sAMAccountName'] });
      expect(searchEntries.map((e) => e.sAMAccountName).sort()).toEqual(['h-dave', 'h-erin', 'h-inner']);
    } finally {
      await client.unbind().catch(() => undefined);
    }

    await removeMembers(dc, outer, [erin, inner]);
    expect(values((await readEntry(dc, outer, ['member'])).member)).toEqual([]); // an empty group is fine in AD
    expect(values((await readEntry(dc, erin, ['memberOf'])).memberOf)).toEqual([]);
  });

  test('the service account reads the directory and cannot write it', async () => {
    const client = adClient(dc);
    try {
      await client.bind(dc.bindDn, dc.bindPassword);
      const { searchEntries } = await client.search(dc.baseDn, { filter: new EqualityFilter({ attribute: 'sAMAccountName', value: 'big0001' }), attributes: ['mail', 'userPrincipalName'] });
      expect(searchEntries).toHaveLength(1);
      expect(searchEntries[0]).toMatchObject({ mail: 'big0001@example.com', userPrincipalName: `big0001@${dc.upnSuffix}` });
      await expect(client.add(`CN=h-intruder,${ou}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: 'h-intruder' }))
        .rejects.toBeInstanceOf(InsufficientAccessError);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  });

  test(`the big group has more than 1,500 members; Samba serves member;range= windows when asked`, async () => {
    expect(dc.bigGroup.size).toBeGreaterThan(1500);
    const client = adClient(dc);
    try {
      await client.bind(dc.bindDn, dc.bindPassword);
      const read = async (attribute: string) => {
        const { searchEntries } = await client.search(dc.bigGroup.dn, { scope: 'base', attributes: [attribute] });
        const e = searchEntries[0]!;
        const names = Object.keys(e).filter((k) => /^member(;|$)/i.test(k));
        expect(names).toHaveLength(1);
        return { name: names[0]!, members: values(e[names[0]!]) };
      };
      // Samba 4.17 does not cut a plain read at MaxValRange (1,500) as Windows AD does: a plain
      // `member` read returns every value. A client asking for ranges gets AD's windows: the
      // ranged path of zcc-sync is exercised when it requests `member;range=<start>-…` itself.
      const plain = await read('member');
      expect(plain.name).toBe('member');
      expect(plain.members).toHaveLength(dc.bigGroup.size);

      const first = await read('member;range=0-1499');
      expect(first.name).toBe('member;range=0-1499');
      expect(first.members).toHaveLength(1500);
      const rest = await read('member;range=1500-*');
      expect(rest.name).toBe('member;range=1500-*'); // "*": the last window
      expect(rest.members).toHaveLength(dc.bigGroup.size - 1500);
      const all = new Set([...first.members, ...rest.members]);
      expect(all.size).toBe(dc.bigGroup.size);
      expect([...all].sort()).toEqual([...plain.members].sort());
    } finally {
      await client.unbind().catch(() => undefined);
    }
  });

  test('bulk adds: rate with and without passwords (printed)', async () => {
    const sub = await testOu(dc, 'bulk');
    try {
      const n = 100;
      const noPwd: AdUser[] = Array.from({ length: n }, (_, i) => ({ sam: `h-bulk${i}`, givenName: 'Bulk', sn: `N${i}`, password: null }));
      const fast = await addUsers(dc, sub, noPwd);
      const withPwd: AdUser[] = Array.from({ length: 10 }, (_, i) => ({ sam: `h-pw${i}`, givenName: 'Pw', sn: `N${i}` }));
      const slow = await addUsers(dc, sub, withPwd);
      console.log(`Samba AD bulk adds over LDAPS: ${fast.perSecond.toFixed(0)} users/s without a password, ${slow.perSecond.toFixed(0)} users/s with one`);
      const client = adClient(dc);
      try {
        await client.bind(dc.adminDn, dc.adminPassword);
        const { searchEntries } = await client.search(sub, { filter: '(objectClass=user)', attributes: ['userAccountControl'], paged: { pageSize: 500 } });
        expect(searchEntries).toHaveLength(n + 10);
        expect(searchEntries.every((e) => (Number(e.userAccountControl) & UAC.ACCOUNTDISABLE) === 0)).toBe(true);
      } finally {
        await client.unbind().catch(() => undefined);
      }
    } finally {
      await deleteEntry(dc, sub, { tree: true });
    }
  });
});
