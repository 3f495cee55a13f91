/**
 * The LDAP reads of one snapshot over one bound connection: a member DN as a user or as a group
 * (AD ranged member retrieval followed to the end), the paged user search, and the counters and
 * progress they report. Filters come from config and are parsed once; DNs travel as search bases,
 * never spliced into filter text.
 */
import { AndFilter, EqualityFilter, NoSuchObjectError, type Entry, type Filter } from 'ldapts';
import { disabledFilterOf } from '../../config/directory-types';
import { DirectoryError, type DirectoryConfig } from '../connect';
import { normalizeDn } from '../dn';
import { attr, idString, RANGE, text, values } from './entries';
import { parseFilter, unreadableDn, wrap } from './read-errors';
import { groupNode, packFields, type GroupLookup, type UserRecord } from './records';
import type { ReadProgress, SearchClient } from './types';

export class DirectoryReader {
  /** Counters for progress and the final stats, in ReadProgress order. */
  readonly stats = { groupsRead: 0, usersRead: 0, pages: 0 };
  readonly userFilter: Filter;
  readonly groupFilter: Filter;
  /** userFilter AND the disabled rule: the member users to treat as leavers; null when none is. */
  readonly disabledUserFilter: Filter | null;
  /** `nestedGroups: expand`: nested groups are read through; `ignore`: only identified. */
  readonly expand: boolean;
  private readonly userAttributes: { attributes: string[]; explicitBufferAttributes: string[] };
  private readonly userBaseKey: string;
  private readonly expectBound: boolean;

  constructor(
    private readonly client: SearchClient,
    readonly dir: DirectoryConfig,
    private readonly onProgress?: (p: ReadProgress) => void,
  ) {
    this.userFilter = parseFilter('directory.userFilter', dir.userFilter);
    this.groupFilter = parseFilter('directory.groupFilter', dir.groupFilter);
    const disabled = disabledFilterOf(dir, new Date());
    this.disabledUserFilter = disabled === null ? null : new AndFilter({ filters: [this.userFilter, parseFilter('directory.disabledFilter', disabled)] });
    this.expand = dir.nestedGroups === 'expand';
    const { email, displayName, uniqueId } = dir.attributes;
    const binaryId = ['objectguid', 'objectsid'].includes(uniqueId.toLowerCase());
    this.userAttributes = { attributes: [email, displayName, uniqueId], explicitBufferAttributes: binaryId ? [uniqueId] : [] };
    this.userBaseKey = normalizeDn(dir.userBase);
    this.expectBound = client.isBound;
  }

  progress(phase: ReadProgress['phase']): void {
    this.onProgress?.({ phase, ...this.stats });
  }

  /**
   * A dropped connection is re-opened by ldapts *unauthenticated* on the next operation, which
   * would then read nothing (or a page of nothing) successfully: treat that as a failed read.
   */
  checkSession(what: string): void {
    if (this.expectBound && !this.client.isBound) {
      throw new DirectoryError(`${what} failed: the connection to the LDAP server was lost and re-opened unauthenticated during the read`, true);
    }
  }

  /** Is this normalised DN the user base or under it? */
  inUserBase(key: string): boolean {
    return key === this.userBaseKey || key.endsWith(`,${this.userBaseKey}`);
  }

  /** A user entry (read with the user attributes) as the snapshot holds it. */
  recordOf(entry: Entry): UserRecord {
    const { email, displayName, uniqueId } = this.dir.attributes;
    return {
      dn: entry.dn,
      fields: packFields([
        text(attr(entry, displayName)[0] ?? '').trim(),
        idString(attr(entry, uniqueId)[0], uniqueId),
        ...attr(entry, email).map((v) => text(v).trim()).filter((v) => v !== ''),
      ]),
      groups: null,
      email: null,
      disabled: false,
    };
  }

  /** The paged search of the users under userBase matching userFilter, with the user attributes. */
  userPages() {
    return this.client.searchPaginated(this.dir.userBase, {
      scope: 'sub',
      filter: this.userFilter,
      ...this.userAttributes,
      paged: { pageSize: this.dir.pageSize },
    });
  }

  /** The paged search of the disabled users under userBase: their DNs only. */
  disabledUserPages(filter: Filter) {
    return this.dnPages(filter);
  }

  /** A paged search under userBase returning DNs only (delta reads: disabled or no longer users, since a marker). */
  dnPages(filter: Filter) {
    return this.client.searchPaginated(this.dir.userBase, { scope: 'sub', filter, attributes: ['1.1'], paged: { pageSize: this.dir.pageSize } });
  }

  /** A paged search under userBase with the user attributes and a filter of the caller's (changed users, users by email). */
  usersMatching(filter: Filter) {
    return this.client.searchPaginated(this.dir.userBase, { scope: 'sub', filter, ...this.userAttributes, paged: { pageSize: this.dir.pageSize } });
  }

  /** The groups (matching groupFilter) under `base` that list `memberDn` as a member: DNs only, paged. */
  groupsWithMember(base: string, memberDn: string) {
    const filter = new AndFilter({ filters: [this.groupFilter, new EqualityFilter({ attribute: this.dir.attributes.member, value: memberDn })] });
    return this.client.searchPaginated(base, { scope: 'sub', filter, attributes: ['1.1'], paged: { pageSize: this.dir.pageSize } });
  }

  /** Base search: does the entry at `dn` match `filter`? A missing or unreadable entry does not. */
  async matches(dn: string, filter: Filter): Promise<boolean> {
    let res;
    try {
      res = await this.client.search(dn, { scope: 'base', filter, attributes: ['1.1'] });
    } catch (err) {
      if (err instanceof NoSuchObjectError || unreadableDn(err)) return false;
      throw wrap(`reading "${dn}" with filter "${filter.toString()}"`, err);
    }
    this.checkSession(`reading "${dn}"`);
    return res.searchEntries.length > 0;
  }

  /** Base search of one member DN as a user (under userBase, matching userFilter); null when it is not one. */
  async lookupUser(dn: string): Promise<UserRecord | null> {
    let res;
    try {
      res = await this.client.search(dn, { scope: 'base', filter: this.userFilter, ...this.userAttributes });
    } catch (err) {
      if (err instanceof NoSuchObjectError || unreadableDn(err)) return null;
      throw wrap(`reading member "${dn}"`, err);
    }
    this.checkSession(`reading member "${dn}"`);
    const entry = res.searchEntries[0];
    return entry ? this.recordOf(entry) : null;
  }

  /**
   * Base search of one DN as a group. Missing or not a group are answers, not errors. For a
   * member DN (not a mapped group), a malformed, unreadable or referred DN is "missing" too:
   * one bad member value is reported, it does not fail the read.
   */
  async lookupGroup(dn: string, readMembers: boolean, isMapped: boolean): Promise<GroupLookup> {
    const memberAttr = this.dir.attributes.member;
    let res;
    try {
      res = await this.client.search(dn, { scope: 'base', filter: this.groupFilter, attributes: readMembers ? [memberAttr] : ['1.1'] });
    } catch (err) {
      if (err instanceof NoSuchObjectError) return { kind: 'missing' };
      if (!isMapped && unreadableDn(err)) return { kind: 'missing' };
      throw wrap(`reading group "${dn}"`, err);
    }
    this.checkSession(`reading group "${dn}"`);
    const entry = res.searchEntries[0];
    if (!entry) return { kind: 'notGroup' };
    this.stats.groupsRead++;
    if (!readMembers) return { kind: 'group', node: groupNode(entry.dn, []) };
    const rangedKey = Object.keys(entry).find((k) => RANGE.exec(k)?.[1].toLowerCase() === memberAttr.toLowerCase());
    const members = rangedKey
      ? await this.rangedMembers(dn, rangedKey, values(entry[rangedKey]).map(text)).catch((err) => {
          throw wrap(`reading members of group "${dn}"`, err);
        })
      : attr(entry, memberAttr).map(text);
    return { kind: 'group', node: groupNode(entry.dn, members) };
  }

  /** Reads the rest of an AD ranged attribute (`member;range=0-1499` → `member;range=1500-*` → …). */
  private async rangedMembers(dn: string, firstKey: string, first: string[]): Promise<string[]> {
    const memberAttr = this.dir.attributes.member;
    const all = [...first];
    let m = RANGE.exec(firstKey);
    while (m && m[3] !== '*') {
      const from = Number(m[3]) + 1;
      const request = `${memberAttr};range=${from}-*`;
      const res = await this.client.search(dn, { scope: 'base', filter: this.groupFilter, attributes: [request] });
      this.checkSession(`reading members of group "${dn}"`);
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
}
