/**
 * On-demand sync: the directory state of users named by email, read now, with their membership.
 *
 * For each email (lower-cased): the DN the mirror holds for it, and the users under userBase
 * matching userFilter whose email attribute equals it — or equals it before an emailDomains
 * rewrite (AD: the UPN's domain), since the email a user is provisioned under is the rewritten
 * one. The value travels in an EqualityFilter, never spliced into filter text: a name like
 * `*)(uid=*` matches nothing. Each of those DNs is read afresh (a mirror DN whose entry is gone is
 * dropped), their mapped groups are read upwards from each of them (./reverse-membership.ts), and
 * the users are built as the full read does (groups, disabled rule, email rewrite). Only entries
 * for the named emails are taken from `mirror`: a caller may pass just those.
 */
import { AndFilter, EqualityFilter, OrFilter, type Filter } from 'ldapts';
import type { DirectoryUser, DirectoryWarning } from '../../domain/types';
import { connectDirectory, type DirectoryConfig, type DirectoryLogger } from '../connect';
import { distinctMappedGroups } from '../snapshot/mapped-groups';
import { wrap } from '../snapshot/read-errors';
import { DirectoryReader } from '../snapshot/reader';
import { keyOf, type UserRecord } from '../snapshot/records';
import type { SearchClient } from '../snapshot/types';
import { runPool } from '../../util/pool';
import { settleEmails } from '../snapshot/emails';
import { directoryUserOf } from '../snapshot/hand-over';
import { markDisabledByLookup } from './disabled-lookups';
import { readChangeMarker } from './marker';
import { reverseMembership } from './reverse-membership';
import type { ChangeMarker, MirrorEntry } from './types';

export interface NamedUsers {
  /** The directory's marker, read first; null when it offers none. */
  marker: ChangeMarker | null;
  /** The provisioned members among the named users (disabled ones too, flagged), sorted by email. */
  users: DirectoryUser[];
  /** Named emails (lower-cased) that no provisioned member has. */
  notFound: string[];
  warnings: DirectoryWarning[];
}

/** Searches of named users in flight at once. */
const CONCURRENCY = 8;

/** Connects, reads, and always closes the connection. */
export async function readNamedUsers(
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  emails: string[],
  mirror: Map<string, MirrorEntry>,
): Promise<NamedUsers> {
  const client = await connectDirectory(dir, logger);
  try {
    return await readNamedUsersWith(client, dir, mappedGroupDNs, logger, emails, mirror);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export async function readNamedUsersWith(
  client: SearchClient,
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  emails: string[],
  mirror: Map<string, MirrorEntry>,
): Promise<NamedUsers> {
  const t0 = performance.now();
  const mapped = distinctMappedGroups(mappedGroupDNs);
  const requested = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))];
  const marker = await readChangeMarker(client, dir);
  const reader = new DirectoryReader(client, dir);
  const warnings: DirectoryWarning[] = [];

  // The named entries, afresh: by email search, and by the DN the mirror holds for the email.
  const named = new Map<string, UserRecord>();
  await runPool(requested, CONCURRENCY, async (email) => {
    for (const rec of await usersWithEmail(reader, email)) named.set(keyOf(rec.dn), rec);
  });
  const wanted = new Set(requested);
  const mirrorKeys = [...mirror].filter(([, entry]) => wanted.has(entry.email.toLowerCase())).map(([key]) => key);
  let lookups = 0;
  await runPool(mirrorKeys.filter((k) => !named.has(k)), CONCURRENCY, async (key) => {
    lookups++;
    const rec = await reader.lookupUser((mirror.get(key) as MirrorEntry).dn);
    if (rec) named.set(key, rec);
  });

  // Their mapped groups, read upwards from each user (./reverse-membership.ts), not by reading
  // every member of every mapped group; then disabled or not, and the email, as the full read does.
  const walk = await reverseMembership(client, reader, mapped);
  await runPool([...named.values()], CONCURRENCY, async (rec) => {
    const groups = await walk.groupsOf(rec.dn);
    rec.groups = groups.length > 0 ? groups : null;
  });
  lookups += walk.searches;
  lookups += await markDisabledByLookup(reader, named, named.keys());
  const mappedList = [...mapped.values()];
  const current = new Map<string, DirectoryUser>();
  for (const key of settleEmails(named, mappedList, dir.attributes.email, dir.emailDomains, warnings)) {
    const rec = named.get(key) as UserRecord;
    if (rec.email !== null) current.set(key, directoryUserOf(rec, rec.email, mappedList));
  }

  const found = [...named.keys()].map((k) => current.get(k)).filter((u): u is DirectoryUser => u !== undefined);
  found.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const foundEmails = new Set(found.map((u) => u.email));
  const notFound = requested.filter((e) => !foundEmails.has(e));
  logger.info({ requested: requested.length, found: found.length, notFound: notFound.length, groupsRead: reader.stats.groupsRead, lookups, ms: Math.round(performance.now() - t0) }, 'directory: named users read');
  return { marker, users: found, notFound, warnings };
}

/** The users under userBase matching userFilter whose email attribute is `email`, before or after a domain rewrite. */
async function usersWithEmail(reader: DirectoryReader, email: string): Promise<UserRecord[]> {
  const attribute = reader.dir.attributes.email;
  const values = [email, ...unrewritten(email, reader.dir.emailDomains)];
  const byEmail: Filter = values.length === 1
    ? new EqualityFilter({ attribute, value: email })
    : new OrFilter({ filters: values.map((value) => new EqualityFilter({ attribute, value })) });
  const filter = new AndFilter({ filters: [reader.userFilter, byEmail] });
  const found: UserRecord[] = [];
  try {
    for await (const page of reader.usersMatching(filter)) {
      reader.checkSession(`reading the user with ${attribute} ${email}`);
      for (const entry of page.searchEntries) {
        reader.stats.usersRead++;
        found.push(reader.recordOf(entry));
      }
    }
  } catch (err) {
    throw wrap(`reading the users with ${attribute} "${email}" under "${reader.dir.userBase}"`, err);
  }
  return found;
}

/** The emails that directory.emailDomains would rewrite to `email` (local part kept, source domain). */
function unrewritten(email: string, domains: Record<string, string>): string[] {
  const at = email.lastIndexOf('@');
  if (at < 0) return [];
  const domain = email.slice(at + 1).toLowerCase();
  return Object.entries(domains)
    .filter(([from, to]) => to.toLowerCase() === domain && from.toLowerCase() !== domain)
    .map(([from]) => `${email.slice(0, at + 1)}${from.toLowerCase()}`);
}
