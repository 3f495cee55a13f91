/**
 * The directory entry a sign-in name stands for: one search under directory.userBase, matching
 * directory.userFilter and the name in the attributes people sign in with. The name only ever
 * travels as an escaped filter value (ldapts' EqualityFilter, RFC 4515), so `*` or `*)(uid=*`
 * match nothing but an entry holding exactly that text.
 */
import { AndFilter, EqualityFilter, OrFilter, SizeLimitExceededError, type Client, type Filter } from 'ldapts';
import type { DirectoryConfig } from '../../src/ldap/connect';
import { attr, text } from '../../src/ldap/snapshot/entries';
import { parseFilter, wrap } from '../../src/ldap/snapshot/read-errors';

/** Longer sign-in names are refused without a search. */
export const MAX_NAME_LENGTH = 256;

/** A name matching more entries than this is ambiguous anyway: the search stops there. */
const SIZE_LIMIT = 10;

export type FoundUser = { kind: 'one'; dn: string; displayName: string } | { kind: 'none' } | { kind: 'many'; count: number };

/** The attribute = value pairs a name may match: uid or mail (OpenLDAP, generic); sAMAccountName, userPrincipalName or mail (AD). */
export function signInMatches(dir: Pick<DirectoryConfig, 'type' | 'attributes'>, name: string): Array<{ attribute: string; value: string }> {
  const pairs =
    dir.type === 'activeDirectory'
      ? [
          // DOMAIN\name is how Windows people often type it: the part after the backslash is the sAMAccountName.
          { attribute: 'sAMAccountName', value: name.slice(name.lastIndexOf('\\') + 1) },
          { attribute: 'userPrincipalName', value: name },
          { attribute: 'mail', value: name },
        ]
      : [
          { attribute: 'uid', value: name },
          { attribute: 'mail', value: name },
        ];
  const email = dir.attributes.email;
  if (!pairs.some((p) => p.attribute.toLowerCase() === email.toLowerCase())) pairs.push({ attribute: email, value: name });
  return pairs.filter((p) => p.value !== '');
}

/** userFilter AND (one of the sign-in attributes equals the name), every value escaped. */
export function signInFilter(dir: Pick<DirectoryConfig, 'type' | 'attributes' | 'userFilter'>, name: string): Filter {
  const byName = new OrFilter({ filters: signInMatches(dir, name).map((p) => new EqualityFilter(p)) });
  return new AndFilter({ filters: [parseFilter('directory.userFilter', dir.userFilter), byName] });
}

/** Searches with the service account's connection; a failed search throws a DirectoryError. */
export async function findUser(client: Client, dir: DirectoryConfig, name: string): Promise<FoundUser> {
  if (name.length > MAX_NAME_LENGTH) return { kind: 'none' };
  const displayName = dir.attributes.displayName;
  let entries;
  try {
    ({ searchEntries: entries } = await client.search(dir.userBase, { scope: 'sub', filter: signInFilter(dir, name), attributes: [displayName], sizeLimit: SIZE_LIMIT }));
  } catch (err) {
    if (err instanceof SizeLimitExceededError) return { kind: 'many', count: SIZE_LIMIT };
    throw wrap(`looking up the sign-in name under "${dir.userBase}"`, err);
  }
  if (entries.length === 0) return { kind: 'none' };
  if (entries.length > 1) return { kind: 'many', count: entries.length };
  const entry = entries[0]!;
  return { kind: 'one', dn: entry.dn, displayName: text(attr(entry, displayName)[0] ?? '').trim() || name };
}
