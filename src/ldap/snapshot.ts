/**
 * Directory snapshot: who is in the mapped groups, with email, display name and unique id.
 *
 * 1. Read each mapped group entry (base search, member attribute; AD ranged retrieval
 *    `member;range=0-1499` followed to the end). A mapped group that does not exist fails the
 *    read: a typo in a group DN must not look like "everyone left".
 * 2. Read all users under `userBase` matching `userFilter` in ONE paged search (not one search
 *    per member), and join members to users by normalised DN.
 * 3. Member DNs that are not users are looked up: a group is expanded (`nestedGroups: expand`,
 *    cycles reported and cut) or skipped with a warning (`ignore`); anything else is reported as
 *    an unresolved member.
 * 4. Users are keyed by lower-cased email. Members without an email, duplicate emails and
 *    unresolved members are returned as warnings — never dropped silently.
 *
 * Any failed or partial read (connection lost, size/time limit, timeout) throws a
 * DirectoryError: this function never returns fewer users than the directory holds.
 * Filters come from config only and are parsed as filters; no value read from the directory or
 * the config is ever spliced into filter text (DNs travel as search bases).
 */
import {
  AdminLimitExceededError,
  BusyError,
  FilterParser,
  InsufficientAccessError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
  SizeLimitExceededError,
  TimeLimitExceededError,
  UnavailableError,
  type Client,
  type Entry,
  type Filter,
} from 'ldapts';
import type { DirectoryUser, DirectoryWarning } from '../domain/types';
import { connectDirectory, DirectoryError, type DirectoryConfig, type DirectoryLogger } from './connect';
import { normalizeDn } from './dn';
import { runPool } from '../util/pool';

export interface DirectoryStats {
  /** Group entries read: mapped groups and nested groups. */
  groupsRead: number;
  /** User entries returned by the paged user search. */
  usersRead: number;
  /** Pages of the user search. */
  pages: number;
  ms: number;
}

export interface DirectorySnapshot {
  /** Users in at least one mapped group, sorted by email; empty when a sink received them. */
  users: DirectoryUser[];
  /** How many users there are (in `users`, or handed to the sink). */
  userCount: number;
  warnings: DirectoryWarning[];
  stats: DirectoryStats;
}

export interface ReadProgress {
  phase: 'groups' | 'users' | 'nested' | 'done';
  groupsRead: number;
  usersRead: number;
  pages: number;
}

/** The part of the ldapts client the snapshot uses (a fake can stand in for it in unit tests). */
export type SearchClient = Pick<Client, 'search' | 'searchPaginated'> & { readonly isBound: boolean };

/** Receives the snapshot's users a batch at a time (in DN order) instead of one array at the end. */
export type UserSink = (users: DirectoryUser[]) => Promise<void>;

/** Users a sink receives at once. */
const SINK_BATCH = 500;

/** Member lookups (non-user member DNs) in flight at once on the one connection. */
const LOOKUP_CONCURRENCY = 8;

/**
 * A member user while the snapshot is assembled. At 100k users these are most of what the read
 * holds, so the later steps' results (mapped groups, email) live on the record, not in maps of
 * their own.
 */
interface UserRecord {
  dn: string;
  /**
   * Display name, unique id and the email values, in that order: one string joined by NUL (an
   * array when a value itself holds a NUL). Four strings and an array per user took the read's
   * live heap after the user search at 100k users to 48 MB; one string: 26 MB.
   */
  fields: string | string[];
  /** Indexes of the mapped groups that reach the user, ascending (step 4); shared when only one. */
  groups: readonly number[] | null;
  /** The email the user is provisioned under (step 5); null when not provisioned. */
  email: string | null;
}

const FIELD_SEPARATOR = '\u0000';

function packFields(values: string[]): string | string[] {
  return values.some((v) => v.includes(FIELD_SEPARATOR)) ? values : values.join(FIELD_SEPARATOR);
}

function unpackFields(fields: string | string[]): string[] {
  return typeof fields === 'string' ? fields.split(FIELD_SEPARATOR) : fields;
}

interface GroupNode {
  dn: string;
  /** Member DNs as the server returned them. */
  members: string[];
  /** The same, normalised (computed once: large groups are walked once per mapped group). */
  keys: string[];
}

/** normalizeDn, returning the same string object when nothing changes (100k member DNs: one copy, not two). */
function keyOf(dn: string): string {
  const key = normalizeDn(dn);
  return key === dn ? dn : key;
}

const groupNode = (dn: string, members: string[]): GroupNode => ({ dn, members, keys: members.map(keyOf) });

type GroupLookup = { kind: 'group'; node: GroupNode } | { kind: 'missing' } | { kind: 'notGroup' };

/** Connects, reads, and always closes the connection. */
export async function readDirectory(
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  onProgress?: (p: ReadProgress) => void,
  sink?: UserSink,
): Promise<DirectorySnapshot> {
  const client = await connectDirectory(dir, logger);
  try {
    return await readDirectoryWith(client, dir, mappedGroupDNs, logger, onProgress, sink);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// entry helpers

/** ldapts returns one value as a scalar, several as an array, a requested-but-absent one as []. */
function values(v: Entry[string] | undefined): Array<string | Buffer> {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as Array<string | Buffer>) : [v as string | Buffer];
}

/** An attribute by name, case-insensitively (servers echo their own spelling). Ranged forms excluded. */
function attr(entry: Entry, name: string): Array<string | Buffer> {
  if (name in entry) return values(entry[name]);
  const lower = name.toLowerCase();
  for (const key of Object.keys(entry)) if (key.toLowerCase() === lower) return values(entry[key]);
  return [];
}

function text(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** objectGUID as AD prints it (first three groups little-endian); other binary ids as hex. */
function idString(v: string | Buffer | undefined, attribute: string): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (attribute.toLowerCase() === 'objectguid' && v.length === 16) {
    const h = (i: number) => v[i].toString(16).padStart(2, '0');
    const part = (idx: number[]) => idx.map(h).join('');
    return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`;
  }
  return v.toString('hex');
}

const RANGE = /^(.+);range=(\d+)-(\d+|\*)$/i;

// ---------------------------------------------------------------------------------------------
// error mapping

function describe(err: unknown): { message: string; retryable: boolean } {
  if (err instanceof DirectoryError) return { message: err.message, retryable: err.retryable };
  if (err instanceof SizeLimitExceededError || err instanceof AdminLimitExceededError) {
    return {
      message: `${err.message} (LDAP result code ${err.code}): the bind DN may read fewer entries than the directory holds; raise its size limit (OpenLDAP: olcLimits size.prtotal=unlimited; AD: MaxPageSize/MaxValRange) — a partial read is never used`,
      retryable: false,
    };
  }
  if (err instanceof InsufficientAccessError) return { message: `${err.message} (LDAP result code ${err.code}): the bind DN may not read this`, retryable: false };
  if (err instanceof BusyError || err instanceof UnavailableError || err instanceof TimeLimitExceededError) {
    return { message: `${err.message} (LDAP result code ${err.code})`, retryable: true };
  }
  if (err instanceof ResultCodeError) return { message: `${err.message} (LDAP result code ${err.code})`, retryable: false };
  const e = err as NodeJS.ErrnoException;
  return { message: e?.code ? `${e.message} (${e.code})` : (e?.message ?? String(err)), retryable: true };
}

/** A member DN that is malformed, not readable by the bind DN, or referred elsewhere (code 10). */
function unreadableDn(err: unknown): boolean {
  return err instanceof InvalidDNSyntaxError || err instanceof InsufficientAccessError || (err instanceof ResultCodeError && err.code === 10);
}

function wrap(what: string, err: unknown): DirectoryError {
  if (err instanceof DirectoryError) return err;
  const { message, retryable } = describe(err);
  return new DirectoryError(`${what} failed: ${message}`, retryable);
}

function parseFilter(field: string, filter: string): Filter {
  // ldapts tolerates a missing final ')' ("(&(a=b)(c=d)"); a filter typo must fail, not be guessed.
  // Parentheses inside values are always escaped (\28 \29), so raw ones must balance.
  let depth = 0;
  for (const ch of filter) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) throw new DirectoryError(`${field} "${filter}" is not a valid LDAP filter: unbalanced parentheses`, false);
  try {
    return FilterParser.parseString(filter);
  } catch (err) {
    throw new DirectoryError(`${field} "${filter}" is not a valid LDAP filter: ${(err as Error).message}`, false);
  }
}

// ---------------------------------------------------------------------------------------------

/** The snapshot over an already bound connection (the caller closes it). */
export async function readDirectoryWith(
  client: SearchClient,
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  onProgress?: (p: ReadProgress) => void,
  sink?: UserSink,
): Promise<DirectorySnapshot> {
  const t0 = performance.now();
  const userFilter = parseFilter('directory.userFilter', dir.userFilter);
  const groupFilter = parseFilter('directory.groupFilter', dir.groupFilter);
  const { email: emailAttr, displayName: nameAttr, uniqueId: idAttr, member: memberAttr } = dir.attributes;
  const expand = dir.nestedGroups === 'expand';
  const warnings: DirectoryWarning[] = [];
  const stats = { groupsRead: 0, usersRead: 0, pages: 0 };
  const progress = (phase: ReadProgress['phase']) => onProgress?.({ phase, ...stats });

  // Mapped groups, de-duplicated by normalised DN, keeping the configured spelling and order.
  const mapped = new Map<string, string>();
  for (const dn of mappedGroupDNs) if (!mapped.has(normalizeDn(dn))) mapped.set(normalizeDn(dn), dn);
  if (mapped.size === 0) throw new DirectoryError('no mapped groups to read: config.mappings is empty', false);

  // A dropped connection is re-opened by ldapts *unauthenticated* on the next operation, which
  // would then read nothing (or a page of nothing) successfully: treat that as a failed read.
  const expectBound = client.isBound;
  const checkSession = (what: string) => {
    if (expectBound && !client.isBound) {
      throw new DirectoryError(`${what} failed: the connection to the LDAP server was lost and re-opened unauthenticated during the read`, true);
    }
  };

  const binaryId = ['objectguid', 'objectsid'].includes(idAttr.toLowerCase());
  const userAttributes = { attributes: [emailAttr, nameAttr, idAttr], explicitBufferAttributes: binaryId ? [idAttr] : [] };
  const recordOf = (entry: Entry): UserRecord => ({
    dn: entry.dn,
    fields: packFields([
      text(attr(entry, nameAttr)[0] ?? '').trim(),
      idString(attr(entry, idAttr)[0], idAttr),
      ...attr(entry, emailAttr).map((v) => text(v).trim()).filter((v) => v !== ''),
    ]),
    groups: null,
    email: null,
  });
  const userBaseKey = normalizeDn(dir.userBase);
  const inUserBase = (key: string) => key === userBaseKey || key.endsWith(`,${userBaseKey}`);

  /** Base search of one member DN as a user (under userBase, matching userFilter); null when it is not one. */
  async function lookupUser(dn: string): Promise<UserRecord | null> {
    let res;
    try {
      res = await client.search(dn, { scope: 'base', filter: userFilter, ...userAttributes });
    } catch (err) {
      if (err instanceof NoSuchObjectError || unreadableDn(err)) return null;
      throw wrap(`reading member "${dn}"`, err);
    }
    checkSession(`reading member "${dn}"`);
    const entry = res.searchEntries[0];
    return entry ? recordOf(entry) : null;
  }

  /** Reads the rest of an AD ranged attribute (`member;range=0-1499` → `member;range=1500-*` → …). */
  async function rangedMembers(dn: string, firstKey: string, first: string[]): Promise<string[]> {
    const all = [...first];
    let m = RANGE.exec(firstKey);
    while (m && m[3] !== '*') {
      const from = Number(m[3]) + 1;
      const request = `${memberAttr};range=${from}-*`;
      const res = await client.search(dn, { scope: 'base', filter: groupFilter, attributes: [request] });
      checkSession(`reading members of group "${dn}"`);
      const entry = res.searchEntries[0];
      const key = entry && Object.keys(entry).find((k) => RANGE.test(k) && RANGE.exec(k)?.[1].toLowerCase() === memberAttr.toLowerCase());
      if (!entry || !key) {
        throw new DirectoryError(`reading members of group "${dn}" failed: ranged retrieval of ${request} returned no range; refusing a partial member list`, true);
      }
      m = RANGE.exec(key);
      if (!m || Number(m[2]) !== from) {
        throw new DirectoryError(`reading members of group "${dn}" failed: asked for ${request}, got ${key}; refusing a partial member list`, true);
      }
      all.push(...values(entry[key]).map(text));
    }
    return all;
  }

  /**
   * Base search of one DN as a group. Missing or not a group are answers, not errors. For a
   * member DN (not a mapped group), a malformed, unreadable or referred DN is "missing" too:
   * one bad member value is reported, it does not fail the read.
   */
  async function lookupGroup(dn: string, readMembers: boolean, isMapped: boolean): Promise<GroupLookup> {
    let res;
    try {
      res = await client.search(dn, { scope: 'base', filter: groupFilter, attributes: readMembers ? [memberAttr] : ['1.1'] });
    } catch (err) {
      if (err instanceof NoSuchObjectError) return { kind: 'missing' };
      if (!isMapped && unreadableDn(err)) return { kind: 'missing' };
      throw wrap(`reading group "${dn}"`, err);
    }
    checkSession(`reading group "${dn}"`);
    const entry = res.searchEntries[0];
    if (!entry) return { kind: 'notGroup' };
    stats.groupsRead++;
    if (!readMembers) return { kind: 'group', node: groupNode(entry.dn, []) };
    const rangedKey = Object.keys(entry).find((k) => RANGE.exec(k)?.[1].toLowerCase() === memberAttr.toLowerCase());
    const members = rangedKey
      ? await rangedMembers(dn, rangedKey, values(entry[rangedKey]).map(text)).catch((err) => {
          throw wrap(`reading members of group "${dn}"`, err);
        })
      : attr(entry, memberAttr).map(text);
    return { kind: 'group', node: groupNode(entry.dn, members) };
  }

  // 1. The mapped groups: each must exist and be a group.
  const groups = new Map<string, GroupNode>(); // normalised DN → group (mapped and nested)
  progress('groups');
  for (const [key, dn] of mapped) {
    const found = await lookupGroup(dn, true, true);
    if (found.kind === 'missing') {
      throw new DirectoryError(`mapped group "${dn}" does not exist (or the bind DN may not read it); check the mapping's group DN — a missing group is never read as "no members"`, false);
    }
    if (found.kind === 'notGroup') {
      throw new DirectoryError(`mapped group "${dn}" exists but does not match directory.groupFilter "${dir.groupFilter}"`, false);
    }
    groups.set(key, found.node);
  }
  logger.debug({ groups: groups.size }, 'directory: mapped groups read');

  // 2. Users under userBase, one paged search; only members of the mapped groups are kept (the
  //    base usually holds far more people than the contact center). Members of nested groups
  //    found later are looked up one by one in step 3.
  const users = new Map<string, UserRecord>(); // normalised DN → user
  // Member key → the group's own string for it: the users map is keyed by that one, so 100k DNs
  // are held once, not once from the group and once from the user entry.
  const wanted = new Map<string, string>();
  for (const g of groups.values()) for (const k of g.keys) wanted.set(k, k);
  progress('users');
  try {
    const pages = client.searchPaginated(dir.userBase, {
      scope: 'sub',
      filter: userFilter,
      ...userAttributes,
      paged: { pageSize: dir.pageSize },
    });
    for await (const page of pages) {
      checkSession(`reading users under "${dir.userBase}"`);
      stats.pages++;
      for (const entry of page.searchEntries) {
        stats.usersRead++;
        const key = wanted.get(keyOf(entry.dn));
        if (key === undefined) continue;
        const rec = recordOf(entry);
        if (rec.dn === key) rec.dn = key;
        users.set(key, rec);
      }
      for (const ref of page.searchReferences) {
        warnings.push({ code: 'referral', subject: ref, message: `the server referred part of "${dir.userBase}" to ${ref}; referrals are not followed, so users there are not read` });
      }
      progress('users');
    }
  } catch (err) {
    throw wrap(`reading users under "${dir.userBase}" with filter "${dir.userFilter}"`, err);
  }
  wanted.clear();
  logger.debug({ members: users.size, usersRead: stats.usersRead, pages: stats.pages }, 'directory: users read');

  // 3. Classify non-user members: nested groups (read, and expanded when configured) or unresolved.
  progress('nested');
  const notGroup = new Set<string>(); // normalised DNs known to be neither user nor group
  const referencedBy = new Map<string, Set<string>>(); // unresolved DN → groups naming it
  const asWritten = new Map<string, string>(); // unresolved DN, normalised → as a group listed it
  let frontier = [...groups.keys()];
  let firstRound = true; // the mapped groups' member users were all kept in step 2
  while (frontier.length > 0) {
    const unknown = new Map<string, string>(); // normalised → as written
    for (const gkey of frontier) {
      const group = groups.get(gkey) as GroupNode;
      group.keys.forEach((mkey, i) => {
        if (users.has(mkey) || groups.has(mkey)) return;
        if (!notGroup.has(mkey) && !unknown.has(mkey)) unknown.set(mkey, group.members[i]);
        if (!asWritten.has(mkey)) asWritten.set(mkey, group.members[i]);
        const refs = referencedBy.get(mkey) ?? new Set<string>();
        refs.add(group.dn);
        referencedBy.set(mkey, refs);
      });
    }
    const found: string[] = [];
    await runPool([...unknown], LOOKUP_CONCURRENCY, async ([mkey, dn]) => {
      // Members of nested groups were not kept by the user search: a user among them is read now.
      if (!firstRound && inUserBase(mkey)) {
        const user = await lookupUser(dn);
        if (user) {
          users.set(mkey, user);
          referencedBy.delete(mkey);
          return;
        }
      }
      const r = await lookupGroup(dn, expand, false);
      if (r.kind === 'group') {
        groups.set(mkey, r.node);
        referencedBy.delete(mkey);
        found.push(mkey);
      } else {
        notGroup.add(mkey);
      }
    });
    progress('nested');
    // With `ignore`, nested groups are identified but not read further.
    frontier = expand ? found : [];
    firstRound = false;
  }
  for (const mkey of notGroup) {
    const refs = [...(referencedBy.get(mkey) ?? [])].sort();
    const dn = asWritten.get(mkey) ?? mkey;
    warnings.push({
      code: 'unresolved_member',
      subject: dn,
      message: `member of ${refs.map((r) => `"${r}"`).join(', ')} is not a user under "${dir.userBase}" matching directory.userFilter, nor a group (it does not exist, is outside the user base, or the bind DN may not read it); not provisioned`,
    });
  }

  // 4. Each mapped group's users, through nesting (expand) or direct only (ignore).
  const single = [...mapped.keys()].map((_, i) => Object.freeze([i])); // the common case, shared
  const mappedList = [...mapped.values()];
  const cycles = new Set<string>();
  const ignored = new Set<string>();
  [...mapped.keys()].forEach((rootKey, index) => {
    const reached = new Set<string>();
    const visited = new Set<string>();
    const path: string[] = [];
    const visit = (gkey: string) => {
      visited.add(gkey);
      path.push(gkey);
      const group = groups.get(gkey) as GroupNode;
      for (const mkey of group.keys) {
        if (users.has(mkey)) {
          reached.add(mkey);
        } else if (groups.has(mkey)) {
          if (!expand) {
            const id = `${gkey}|${mkey}`;
            if (!ignored.has(id)) {
              ignored.add(id);
              warnings.push({ code: 'nested_ignored', subject: (groups.get(mkey) as GroupNode).dn, message: `nested group in "${group.dn}" skipped (directory.nestedGroups is ignore); its members are not provisioned through it` });
            }
          } else if (path.includes(mkey)) {
            const loop = path.slice(path.indexOf(mkey));
            const id = [...loop].sort().join('|');
            if (!cycles.has(id)) {
              cycles.add(id);
              const names = [...loop, mkey].map((k) => `"${(groups.get(k) as GroupNode).dn}"`);
              warnings.push({ code: 'nested_cycle', subject: (groups.get(mkey) as GroupNode).dn, message: `nested groups form a cycle: ${names.join(' → ')}; each group is expanded once` });
            }
          } else if (!visited.has(mkey)) {
            visit(mkey);
          }
        }
      }
      path.pop();
    };
    visit(rootKey);
    if (reached.size === 0) {
      warnings.push({ code: 'empty_group', subject: mappedList[index], message: `mapped group "${mappedList[index]}" has no user members that could be resolved` });
    }
    // Mapped groups are visited in index order, so each list stays ascending and duplicate-free.
    for (const ukey of reached) {
      const rec = users.get(ukey) as UserRecord;
      rec.groups = rec.groups ? [...rec.groups, index] : single[index];
    }
  });

  // 5. Users keyed by lower-cased email, in DN order (so the kept entry of a duplicate is stable).
  //    Pass 1 settles each entry's email and the duplicates; pass 2 hands the users to the sink
  //    a batch at a time and drops each entry as it goes, so 100k users are never held twice.
  const keys: string[] = [];
  for (const [ukey, rec] of users) if (rec.groups) keys.push(ukey);
  keys.sort();
  const keptFor = new Map<string, UserRecord>(); // email → the entry kept
  for (const ukey of keys) {
    const rec = users.get(ukey) as UserRecord;
    const memberOf = rec.groups as readonly number[];
    const groupNames = memberOf.map((i) => `"${mappedList[i]}"`).join(', ');
    const [, , ...emails] = unpackFields(rec.fields);
    if (emails.length === 0) {
      warnings.push({ code: 'no_email', subject: rec.dn, message: `member of ${groupNames} has no ${emailAttr} value; not provisioned` });
      continue;
    }
    const distinct = [...new Set(emails.map((e) => e.toLowerCase()))];
    if (distinct.length > 1) {
      warnings.push({ code: 'multiple_emails', subject: rec.dn, message: `has ${distinct.length} ${emailAttr} values (${distinct.join(', ')}); using the first, ${distinct[0]}` });
    }
    const email = distinct[0];
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
      warnings.push({ code: 'invalid_email', subject: rec.dn, message: `${emailAttr} value "${email}" is not an email address; member of ${groupNames} not provisioned` });
      continue;
    }
    const kept = keptFor.get(email);
    if (kept !== undefined) {
      const keptGroups = kept.groups as readonly number[];
      const more = memberOf.filter((g) => !keptGroups.includes(g));
      if (more.length > 0) kept.groups = [...keptGroups, ...more];
      const keptDn = kept.dn;
      warnings.push({
        code: 'duplicate_email',
        subject: rec.dn,
        message: `has the same email ${email} as "${keptDn}"; ZCC knows one user per email, so it gets the groups of both entries and the name and id of "${keptDn}"`,
      });
      continue;
    }
    keptFor.set(email, rec);
    rec.email = email;
  }
  keptFor.clear();
  const collected: DirectoryUser[] = [];
  const emit = sink ?? (async (batch: DirectoryUser[]) => void collected.push(...batch));
  let userCount = 0;
  let batch: DirectoryUser[] = [];
  for (const ukey of keys) {
    const rec = users.get(ukey) as UserRecord;
    users.delete(ukey);
    const email = rec.email;
    if (email === null) continue;
    const groupIndexes = [...(rec.groups as readonly number[])].sort((a, b) => a - b);
    const [displayName, uniqueId] = unpackFields(rec.fields);
    batch.push({ email, displayName, uniqueId, dn: rec.dn, groups: groupIndexes.map((i) => mappedList[i]) });
    if (batch.length === SINK_BATCH) {
      await emit(batch);
      userCount += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await emit(batch);
    userCount += batch.length;
  }
  collected.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));

  const ms = Math.round(performance.now() - t0);
  progress('done');
  logger.info({ users: userCount, warnings: warnings.length, ...stats, ms }, 'directory: snapshot read');
  return { users: collected, userCount, warnings, stats: { ...stats, ms } };
}
