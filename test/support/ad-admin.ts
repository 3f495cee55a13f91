/**
 * Shape the test Active Directory (devstack/samba-ad.ts) over LDAPS as the domain admin: OUs,
 * users (enabled with a password by default), global security groups (nested too), members,
 * disabled and expired accounts, deletes.
 *
 * The DC is shared by every test file of a run: put your entries in your own OU (testOu) and
 * delete it in afterAll (deleteEntry(…, { tree: true })). Figures on this machine (2 cores):
 * a user with a password ~30/s (Samba derives its Kerberos keys), without one ~100/s; the
 * built-in AD_BIG_GROUP (1,600 users) is there already.
 *
 *   const ad = testAd();                               // test/support/stack.ts
 *   const ou = await testOu(ad);                       // OU=zcc-<pid>-<hex>,DC=corp,DC=zcc,DC=test
 *   const alice = await addUser(ad, ou, { sam: 'alice', givenName: 'Alice', sn: 'Smith' });
 *   const group = await addGroup(ad, ou, { name: 'agents', members: [alice] });
 *   await setEnabled(ad, alice, false);                // userAccountControl |= ACCOUNTDISABLE
 *   await deleteEntry(ad, ou, { tree: true });
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Attribute, Change, Client, Control, type Entry } from 'ldapts';
import { AD_GLOBAL_SECURITY_GROUP, AD_UPN_SUFFIX, UAC } from '../../devstack/samba-ad';

export { UAC } from '../../devstack/samba-ad';

/** What the helpers need of the DC: testAd() and startSambaAd()'s handle both fit. */
export interface AdTarget {
  /** ldaps://127.0.0.1:636 */
  url: string;
  caFile: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
}

/** Password of users added without one given. Meets AD's default complexity rules. */
export const AD_USER_PASSWORD = 'Zcc-User-Pa55!';

/** accountExpires' "never" as AD writes it on new accounts; 0 also means never (written by admin tools after a clear). */
export const AD_NEVER_EXPIRES = '9223372036854775807';

const TREE_DELETE_OID = '1.2.840.113556.1.4.805';

const cas = new Map<string, Buffer>();
function caOf(target: AdTarget): Buffer {
  let ca = cas.get(target.caFile);
  if (!ca) cas.set(target.caFile, (ca = readFileSync(target.caFile)));
  return ca;
}

/** An unbound client on the DC's LDAPS URL that verifies the certificate with the test CA. */
export function adClient(target: AdTarget, url = target.url): Client {
  return new Client({ url, tlsOptions: { ca: caOf(target) }, timeout: 30_000, connectTimeout: 5_000 });
}

/** Run `fn` with a client bound as the domain admin; always unbinds. */
export async function withAdAdmin<T>(target: AdTarget, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = adClient(target);
  try {
    await client.bind(target.adminDn, target.adminPassword);
    return await fn(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Simple bind as `dn` over LDAPS; resolves when it succeeds, rejects with ldapts' error (InvalidCredentialsError…). */
export async function bindAs(target: AdTarget, dn: string, password: string): Promise<void> {
  const client = adClient(target);
  try {
    await client.bind(dn, password);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** `"password"` as UTF-16LE: how AD takes unicodePwd (over TLS only). */
export function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** A Date as AD's 64-bit FILETIME string (100 ns since 1601-01-01 UTC): accountExpires, pwdLastSet… */
export function fileTime(date: Date): string {
  return (BigInt(date.getTime()) * 10_000n + 116_444_736_000_000_000n).toString();
}

/** Escape a value for use in a DN's RDN (RFC 4514). */
export function escapeRdn(value: string): string {
  return value
    .replace(/[\\,+"<>;=#]/g, (c) => `\\${c}`)
    .replace(/^ /, '\\ ')
    .replace(/ $/, '\\ ');
}

/** Add an organizational unit under `parentDn` (default: the base DN); returns its DN. */
export async function addOu(target: AdTarget, name: string, parentDn = target.baseDn): Promise<string> {
  const dn = `OU=${escapeRdn(name)},${parentDn}`;
  await withAdAdmin(target, (c) => c.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: name }));
  return dn;
}

/** A fresh OU unique to this process and call (`OU=<prefix>-<pid>-<hex>`), for one test file's entries. */
export function testOu(target: AdTarget, prefix = 'zcc'): Promise<string> {
  return addOu(target, `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`);
}

export interface AdUser {
  /** sAMAccountName (≤ 20 characters); also the CN unless `cn` is given. */
  sam: string;
  cn?: string;
  givenName?: string;
  sn?: string;
  /** Default: "givenName sn", or the sAMAccountName. */
  displayName?: string;
  /** Default `<sam>@example.com`; null → no mail attribute. */
  mail?: string | null;
  /** userPrincipalName. Default `<sam>@corp.zcc.test`; null → none. */
  upn?: string | null;
  /** Default AD_USER_PASSWORD; null → no password (userAccountControl gets PASSWD_NOTREQD; such an account cannot bind). */
  password?: string | null;
  /** Default true; false sets ACCOUNTDISABLE (userAccountControl 514 with a password). */
  enabled?: boolean;
  /** Default: AD's own (never). */
  accountExpires?: Date | 'never';
  /** Any other attributes (department, employeeID, …). */
  attributes?: Record<string, string | string[]>;
}

export function userAttributes(user: AdUser): Attribute[] {
  const attrs: Record<string, string[]> = { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: [user.sam] };
  const put = (type: string, v: string | null | undefined) => {
    if (v !== undefined && v !== null && v !== '') attrs[type] = [v];
  };
  put('givenName', user.givenName);
  put('sn', user.sn);
  put('displayName', user.displayName ?? ([user.givenName, user.sn].filter(Boolean).join(' ') || user.sam));
  put('mail', user.mail === undefined ? `${user.sam}@example.com` : user.mail);
  put('userPrincipalName', user.upn === undefined ? `${user.sam}@${AD_UPN_SUFFIX}` : user.upn);
  const password = user.password === undefined ? AD_USER_PASSWORD : user.password;
  const uac = UAC.NORMAL_ACCOUNT | (password === null ? UAC.PASSWD_NOTREQD : 0) | (user.enabled === false ? UAC.ACCOUNTDISABLE : 0);
  put('userAccountControl', String(uac));
  if (user.accountExpires !== undefined) put('accountExpires', user.accountExpires === 'never' ? AD_NEVER_EXPIRES : fileTime(user.accountExpires));
  for (const [k, v] of Object.entries(user.attributes ?? {})) attrs[k] = Array.isArray(v) ? v : [v];
  const list = Object.entries(attrs).map(([type, values]) => new Attribute({ type, values }));
  if (password !== null) list.push(new Attribute({ type: 'unicodePwd', values: [unicodePwd(password)] }));
  return list;
}

export function userDnIn(parentDn: string, user: Pick<AdUser, 'sam' | 'cn'>): string {
  return `CN=${escapeRdn(user.cn ?? user.sam)},${parentDn}`;
}

/** Add a user under `parentDn` (enabled, with AD_USER_PASSWORD, unless told otherwise); returns its DN. */
export async function addUser(target: AdTarget, parentDn: string, user: AdUser): Promise<string> {
  const dn = userDnIn(parentDn, user);
  await withAdAdmin(target, (c) => c.add(dn, userAttributes(user)));
  return dn;
}

/**
 * Add many users on one connection (Samba's single-process DC serves one write at a time, so
 * parallel connections do not help). Returns their DNs and the rate.
 */
export async function addUsers(target: AdTarget, parentDn: string, users: AdUser[]): Promise<{ dns: string[]; perSecond: number }> {
  const t0 = Date.now();
  const dns = await withAdAdmin(target, async (c) => {
    const out: string[] = [];
    for (const u of users) {
      const dn = userDnIn(parentDn, u);
      await c.add(dn, userAttributes(u));
      out.push(dn);
    }
    return out;
  });
  const seconds = Math.max(Date.now() - t0, 1) / 1000;
  return { dns, perSecond: users.length / seconds };
}

export interface AdGroup {
  /** cn and sAMAccountName. */
  name: string;
  /** Member DNs: users or groups (nesting). */
  members?: string[];
  description?: string;
  mail?: string;
  /** Default: global security group. */
  groupType?: string;
}

/** Add a group (global security group by default) under `parentDn`; returns its DN. */
export async function addGroup(target: AdTarget, parentDn: string, group: AdGroup): Promise<string> {
  const dn = `CN=${escapeRdn(group.name)},${parentDn}`;
  const attrs: Record<string, string | string[]> = {
    objectClass: ['top', 'group'],
    sAMAccountName: group.name,
    groupType: group.groupType ?? AD_GLOBAL_SECURITY_GROUP,
  };
  if (group.members?.length) attrs.member = group.members;
  if (group.description) attrs.description = group.description;
  if (group.mail) attrs.mail = group.mail;
  await withAdAdmin(target, (c) => c.add(dn, attrs));
  return dn;
}

/** Add members (user or group DNs) to a group. */
export async function addMembers(target: AdTarget, groupDn: string, memberDns: string[]): Promise<void> {
  if (!memberDns.length) return;
  await withAdAdmin(target, (c) => c.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: memberDns }) })));
}

/** Remove members from a group (AD allows a group with no members). */
export async function removeMembers(target: AdTarget, groupDn: string, memberDns: string[]): Promise<void> {
  if (!memberDns.length) return;
  await withAdAdmin(target, (c) => c.modify(groupDn, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: memberDns }) })));
}

/** Replace attributes of an entry; null deletes one. */
export async function modifyEntry(target: AdTarget, dn: string, changes: Record<string, string | string[] | null>): Promise<void> {
  const mods = Object.entries(changes).map(([type, value]) =>
    value === null
      ? new Change({ operation: 'delete', modification: new Attribute({ type }) })
      : new Change({ operation: 'replace', modification: new Attribute({ type, values: Array.isArray(value) ? value : [value] }) }),
  );
  await withAdAdmin(target, (c) => c.modify(dn, mods));
}

/** Read one entry's attributes (all when none are named). */
export async function readEntry(target: AdTarget, dn: string, attributes: string[] = []): Promise<Entry> {
  return withAdAdmin(target, async (c) => {
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes });
    if (!searchEntries[0]) throw new Error(`no entry ${dn}`);
    return searchEntries[0];
  });
}

/** Disable (userAccountControl |= ACCOUNTDISABLE, as AD's "Disable Account") or enable an account. */
export async function setEnabled(target: AdTarget, dn: string, enabled: boolean): Promise<number> {
  return withAdAdmin(target, async (c) => {
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['userAccountControl'] });
    const now = Number(searchEntries[0]?.userAccountControl);
    if (!Number.isInteger(now)) throw new Error(`${dn} has no userAccountControl`);
    const next = enabled ? now & ~UAC.ACCOUNTDISABLE : now | UAC.ACCOUNTDISABLE;
    await c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [String(next)] }) }));
    return next;
  });
}

/** Set accountExpires: a date (in the past = expired now) or never. */
export async function setAccountExpires(target: AdTarget, dn: string, when: Date | 'never'): Promise<void> {
  await modifyEntry(target, dn, { accountExpires: when === 'never' ? AD_NEVER_EXPIRES : fileTime(when) });
}

/** Set (reset, as the admin) a user's password. */
export async function setPassword(target: AdTarget, dn: string, password: string): Promise<void> {
  await withAdAdmin(target, (c) =>
    c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(password)] }) })),
  );
}

/** Delete an entry; `tree: true` deletes an OU with everything under it (AD's tree-delete control). */
export async function deleteEntry(target: AdTarget, dn: string, opts: { tree?: boolean } = {}): Promise<void> {
  await withAdAdmin(target, (c) => c.del(dn, opts.tree ? new Control(TREE_DELETE_OID, { critical: true }) : undefined));
}
