/**
 * LDIF for the throwaway directory (slapadd input), streamed to a file: 100k users are ~43 MB
 * and never sit in memory as one string.
 *
 * Two forms:
 *  - writeGeneratedDirectory(file, { users, groups }): N numbered users in M groups (benchmarks,
 *    big tests), the layout of ../shared/research/slapd/gen-ldif.mjs;
 *  - writeDirectory(file, spec): an exact directory from a DirectorySpec (tests, the demo).
 *
 * slapadd does not run overlays, so `memberOf` is written here (direct membership only, like
 * the memberof overlay: a user of a nested group is not memberOf the outer group).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';

export const SUFFIX = 'dc=example,dc=com';
export const PEOPLE_BASE = `ou=people,${SUFFIX}`;
export const GROUPS_BASE = `ou=groups,${SUFFIX}`;
export const SERVICES_BASE = `ou=services,${SUFFIX}`;
/** Read-only service account; cn=config gives it unlimited size limits so it can page through everything. */
export const READER_DN = `cn=reader,${SERVICES_BASE}`;
export const READER_PASSWORD = 'reader-secret';
/** The rootdn (not an entry): for tests that change the directory online. */
export const ADMIN_DN = `cn=admin,${SUFFIX}`;
export const ADMIN_PASSWORD = 'admin-secret';
/** Password of every generated user (user binds in tests). */
export const USER_PASSWORD = 'user-secret';

export interface DirectorySpecUser {
  uid: string;
  /** undefined → `<uid>@example.com`; null or '' → the entry has no mail attribute. */
  mail?: string | null;
  displayName?: string;
  /** Default: displayName, else uid. */
  cn?: string;
  /** Extra attributes written as given (e.g. employeeType, givenName). */
  attributes?: Record<string, string | string[]>;
  /** The password a bind as this user takes (stored {SSHA}); default USER_PASSWORD. */
  password?: string;
}

export interface DirectorySpecGroup {
  cn: string;
  /** uids of direct members. */
  members?: string[];
  /** cns of directly nested groups (cycles allowed: the directory does not forbid them). */
  groups?: string[];
  description?: string;
}

export interface DirectorySpec {
  users: DirectorySpecUser[];
  groups: DirectorySpecGroup[];
}

export interface LdifStats {
  users: number;
  groups: number;
  entries: number;
  bytes: number;
}

/** RFC 4514 escaping of one RDN value. */
export function escapeDnValue(value: string): string {
  let v = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (v.startsWith(' ') || v.startsWith('#')) v = `\\${v}`;
  if (v.endsWith(' ') && v.length > 1) v = `${v.slice(0, -1)}\\ `;
  return v;
}

export const userDn = (uid: string): string => `uid=${escapeDnValue(uid)},${PEOPLE_BASE}`;
export const groupDn = (cn: string): string => `cn=${escapeDnValue(cn)},${GROUPS_BASE}`;

/** {SSHA} = base64(sha1(password + salt) + salt): the scheme slappasswd uses by default. */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

// RFC 2849 SAFE-STRING: anything else (non-ASCII, leading space/colon/<, trailing space) goes base64.
// eslint-disable-next-line no-control-regex -- the RFC's character classes are defined by control codes
const SAFE = /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
function attr(name: string, value: string): string {
  return value === '' || (SAFE.test(value) && !value.endsWith(' '))
    ? `${name}: ${value}\n`
    : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}\n`;
}

/** Buffers small writes into ~1 MB chunks and respects back-pressure. */
class LdifWriter {
  private buf = '';
  bytes = 0;
  entries = 0;
  private constructor(private readonly out: WriteStream) {}

  static async open(file: string): Promise<LdifWriter> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const out = createWriteStream(file, { highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    return new LdifWriter(out);
  }

  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 20) await this.flush();
  }

  /** Write one entry: a dn line, attribute lines, and the blank separator line. */
  async entry(dn: string, body: string): Promise<void> {
    this.entries++;
    await this.write(`${attr('dn', dn)}${body}\n`);
  }

  private async flush(): Promise<void> {
    const chunk = this.buf;
    this.buf = '';
    this.bytes += Buffer.byteLength(chunk);
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

/** The suffix, the three OUs and the reader account: the same in every generated directory. */
async function writeSkeleton(w: LdifWriter, readerMemberOf: string[] = []): Promise<void> {
  await w.entry(SUFFIX, 'objectClass: top\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example Inc\n');
  for (const ou of ['people', 'groups', 'services']) {
    await w.entry(`ou=${ou},${SUFFIX}`, `objectClass: top\nobjectClass: organizationalUnit\nou: ${ou}\n`);
  }
  await w.entry(
    READER_DN,
    'objectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\ndescription: read-only service account\n' +
      `userPassword: ${ssha(READER_PASSWORD)}\n` +
      readerMemberOf.map((d) => `memberOf: ${d}\n`).join(''),
  );
}

const PERSON_OC = 'objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n';

/**
 * Write an exact directory. Users live under ou=people (`uid=<uid>`), groups under ou=groups
 * (`cn=<cn>`, groupOfNames). groupOfNames requires at least one member, so a group with no
 * members and no nested groups gets the reader account as a placeholder member: it is not a
 * person under ou=people, so user searches never see it.
 */
export async function writeDirectory(file: string, spec: DirectorySpec): Promise<LdifStats> {
  const uids = new Set<string>();
  for (const u of spec.users) {
    if (uids.has(u.uid)) throw new Error(`DirectorySpec: duplicate user uid "${u.uid}"`);
    uids.add(u.uid);
  }
  const cns = new Set<string>();
  for (const g of spec.groups) {
    if (cns.has(g.cn)) throw new Error(`DirectorySpec: duplicate group cn "${g.cn}"`);
    cns.add(g.cn);
  }
  // Direct memberships, precomputed for memberOf.
  const userMemberOf = new Map<string, string[]>();
  const groupMemberOf = new Map<string, string[]>();
  const emptyGroups: string[] = [];
  for (const g of spec.groups) {
    const dn = groupDn(g.cn);
    for (const uid of g.members ?? []) {
      if (!uids.has(uid)) throw new Error(`DirectorySpec: group "${g.cn}" lists unknown member uid "${uid}"`);
      push(userMemberOf, uid, dn);
    }
    for (const cn of g.groups ?? []) {
      if (!cns.has(cn)) throw new Error(`DirectorySpec: group "${g.cn}" nests unknown group "${cn}"`);
      push(groupMemberOf, cn, dn);
    }
    if (!g.members?.length && !g.groups?.length) emptyGroups.push(dn);
  }

  const w = await LdifWriter.open(file);
  await writeSkeleton(w, emptyGroups);
  const pw = ssha(USER_PASSWORD);
  for (const u of spec.users) {
    const cn = u.cn ?? u.displayName ?? u.uid;
    const mail = u.mail === undefined ? `${u.uid}@example.com` : u.mail;
    let body = PERSON_OC + attr('uid', u.uid) + attr('cn', cn) + attr('sn', cn.trim().split(/\s+/).pop() || u.uid);
    if (mail) body += attr('mail', mail);
    body += attr('displayName', u.displayName ?? cn);
    for (const [name, value] of Object.entries(u.attributes ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) body += attr(name, v);
    }
    body += `userPassword: ${u.password === undefined ? pw : ssha(u.password)}\n`;
    for (const g of userMemberOf.get(u.uid) ?? []) body += attr('memberOf', g);
    await w.entry(userDn(u.uid), body);
  }
  for (const g of spec.groups) {
    let body = `objectClass: top\nobjectClass: groupOfNames\n${attr('cn', g.cn)}`;
    if (g.description) body += attr('description', g.description);
    for (const uid of g.members ?? []) body += attr('member', userDn(uid));
    for (const cn of g.groups ?? []) body += attr('member', groupDn(cn));
    if (!g.members?.length && !g.groups?.length) body += attr('member', READER_DN);
    for (const outer of groupMemberOf.get(g.cn) ?? []) body += attr('memberOf', outer);
    await w.entry(groupDn(g.cn), body);
  }
  await w.close();
  return { users: spec.users.length, groups: spec.groups.length, entries: w.entries, bytes: w.bytes };
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const GIVEN = ['Alice', 'Bob', 'Carol', 'Dave', 'Eve', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter', 'Zed'];
const SURNAMES = ['Smith', 'Jones', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Evans', 'Thomas', 'Johnson', 'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green', 'Hall', 'Wood', 'Harris'];
const TYPES = ['employee', 'contractor', 'intern', 'vendor'];

/** The uid of numbered user i (1-based) in a generated directory of `users` users. */
export function generatedUid(i: number, users: number): string {
  return `user${String(i).padStart(Math.max(6, String(users).length), '0')}`;
}

/** Special users every generated directory has besides the N numbered ones (both only in team01). */
export const WEIRD_UID = 'weird.user';
export const WEIRD_CN = 'Weird *)(uid=* User';
export const UNICODE_UID = 'zoe';
export const UNICODE_DISPLAY_NAME = 'Zoë Ünicode';

/**
 * N users in M groups (M ≥ 3):
 *  - team01..team{M-2}: user i is in team ((i-1) mod (M-2)) + 1; team01 also holds the two special users;
 *  - admins: every 100th user and user 1;
 *  - engineering: NESTED — its members are team01..team03 (those that exist) and user 2.
 * Plus `weird.user` (cn with filter metacharacters) and `zoe` (non-ASCII displayName): N + 2 users.
 */
export async function writeGeneratedDirectory(file: string, opts: { users: number; groups: number }): Promise<LdifStats> {
  const N = opts.users;
  const M = opts.groups;
  if (!Number.isInteger(N) || !Number.isInteger(M) || M < 3 || N < Math.max(3, M - 2)) {
    throw new Error(`writeGeneratedDirectory: need users >= max(3, groups - 2) and groups >= 3 (got users=${N}, groups=${M})`);
  }
  const teams = M - 2;
  const teamCn = (t: number) => `team${String(t).padStart(2, '0')}`;
  const teamOf = (i: number) => ((i - 1) % teams) + 1;
  const isAdmin = (i: number) => i % 100 === 0 || i === 1;
  const nested = [1, 2, 3].filter((t) => t <= teams).map(teamCn);
  const adminsDn = groupDn('admins');
  const engineeringDn = groupDn('engineering');
  const pw = ssha(USER_PASSWORD);

  const w = await LdifWriter.open(file);
  await writeSkeleton(w);
  const user = async (i: number, over: Partial<Record<'uid' | 'cn' | 'sn' | 'givenName' | 'displayName' | 'mail', string>>, memberOf: string[]) => {
    const g = GIVEN[i % GIVEN.length];
    const s = SURNAMES[Math.floor(i / GIVEN.length) % SURNAMES.length];
    const uid = over.uid ?? generatedUid(i, N);
    await w.entry(
      userDn(uid),
      PERSON_OC + attr('uid', uid) + attr('cn', over.cn ?? `${g} ${s} ${i}`) + attr('sn', over.sn ?? s) +
        attr('givenName', over.givenName ?? g) + attr('mail', over.mail ?? `${uid}@example.com`) +
        attr('displayName', over.displayName ?? `${g} ${s}`) + attr('employeeType', TYPES[i % TYPES.length]) +
        `userPassword: ${pw}\n` + memberOf.map((d) => `memberOf: ${d}\n`).join(''),
    );
  };
  for (let i = 1; i <= N; i++) {
    const memberOf = [groupDn(teamCn(teamOf(i)))];
    if (isAdmin(i)) memberOf.push(adminsDn);
    if (i === 2) memberOf.push(engineeringDn);
    await user(i, {}, memberOf);
  }
  const team1 = [groupDn(teamCn(1))];
  await user(1, { uid: WEIRD_UID, cn: WEIRD_CN, mail: `${WEIRD_UID}@example.com` }, team1);
  await user(1, { uid: UNICODE_UID, cn: UNICODE_DISPLAY_NAME, givenName: 'Zoë', sn: 'Ünicode', displayName: UNICODE_DISPLAY_NAME }, team1);

  // Group entries can hold tens of thousands of member lines: stream them, do not build one string.
  for (let t = 1; t <= teams; t++) {
    const cn = teamCn(t);
    w.entries++;
    await w.write(`dn: ${groupDn(cn)}\nobjectClass: top\nobjectClass: groupOfNames\ncn: ${cn}\ndescription: team ${t}\n`);
    if (nested.includes(cn)) await w.write(`memberOf: ${engineeringDn}\n`);
    for (let i = t; i <= N; i += teams) await w.write(`member: ${userDn(generatedUid(i, N))}\n`);
    if (t === 1) await w.write(`member: ${userDn(WEIRD_UID)}\nmember: ${userDn(UNICODE_UID)}\n`);
    await w.write('\n');
  }
  w.entries++;
  await w.write(`dn: ${adminsDn}\nobjectClass: top\nobjectClass: groupOfNames\ncn: admins\ndescription: every 100th user\n`);
  for (let i = 1; i <= N; i++) if (isAdmin(i)) await w.write(`member: ${userDn(generatedUid(i, N))}\n`);
  await w.write('\n');
  await w.entry(
    engineeringDn,
    'objectClass: top\nobjectClass: groupOfNames\ncn: engineering\ndescription: nested group (contains team groups)\n' +
      nested.map((cn) => `member: ${groupDn(cn)}\n`).join('') + `member: ${userDn(generatedUid(2, N))}\n`,
  );
  await w.close();
  return { users: N + 2, groups: M, entries: w.entries, bytes: w.bytes };
}
