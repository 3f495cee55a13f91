/**
 * Directory types: what an admin would otherwise have to know by heart about their directory.
 * `directory.type` picks the defaults of the user and group filters, the attributes and the
 * disabled-account rule; every value can still be set in the config, and a set value wins.
 *
 * Disabled accounts are leavers (an AD user usually leaves by being disabled, group memberships
 * left in place): the rule is an LDAP filter the directory evaluates, read once per snapshot.
 */
export const DIRECTORY_TYPES = ['openldap', 'activeDirectory', 'generic'] as const;
export type DirectoryType = (typeof DIRECTORY_TYPES)[number];

export interface DirectoryAttributes {
  email: string;
  displayName: string;
  uniqueId: string;
  member: string;
}

export interface DirectoryPreset {
  userFilter: string;
  groupFilter: string;
  attributes: DirectoryAttributes;
  /** What "disabled" means here, in words (config check, README). */
  disabledMeans: string;
}

/** AD's userAccountControl flag ACCOUNTDISABLE, tested with the bitwise-AND matching rule. */
const AD_ACCOUNT_DISABLED = '(userAccountControl:1.2.840.113556.1.4.803:=2)';

export const DIRECTORY_PRESETS: Record<DirectoryType, DirectoryPreset> = {
  openldap: {
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(objectClass=groupOfNames)',
    attributes: { email: 'mail', displayName: 'displayName', uniqueId: 'entryUUID', member: 'member' },
    disabledMeans: 'the account is locked by the ppolicy overlay (pwdAccountLockedTime is set)',
  },
  activeDirectory: {
    userFilter: '(&(objectClass=user)(objectCategory=person))',
    groupFilter: '(objectClass=group)',
    attributes: { email: 'mail', displayName: 'displayName', uniqueId: 'objectGUID', member: 'member' },
    disabledMeans: 'userAccountControl has ACCOUNTDISABLE (bit 2), or accountExpires is in the past',
  },
  generic: {
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(objectClass=groupOfNames)',
    attributes: { email: 'mail', displayName: 'displayName', uniqueId: 'entryUUID', member: 'member' },
    disabledMeans: 'the entry matches directory.disabledFilter (none set: no account counts as disabled)',
  },
};

/** Windows FILETIME (100 ns since 1601-01-01 UTC) of a time: AD's accountExpires unit. */
export function fileTimeOf(at: Date): string {
  const EPOCH_DIFF_MS = 11_644_473_600_000n;
  return ((BigInt(at.getTime()) + EPOCH_DIFF_MS) * 10_000n).toString();
}

/**
 * The filter that matches disabled entries at `now`: `directory.disabledFilter` when set, else
 * the type's rule; null when nothing counts as disabled (generic without a filter).
 */
export function disabledFilterOf(dir: { type: DirectoryType; disabledFilter?: string }, now: Date): string | null {
  if (dir.disabledFilter) return dir.disabledFilter;
  switch (dir.type) {
    case 'openldap':
      return '(pwdAccountLockedTime=*)';
    case 'activeDirectory':
      // accountExpires: 0 and 2^63-1 mean "never"; anything from 1 to now has expired.
      return `(|${AD_ACCOUNT_DISABLED}(&(accountExpires>=1)(accountExpires<=${fileTimeOf(now)})))`;
    case 'generic':
      return null;
  }
}

/** The email after `emailDomains` rewrote its domain (keys compared case-insensitively). */
export function rewriteEmailDomain(email: string, domains: Record<string, string>): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  const domain = email.slice(at + 1).toLowerCase();
  for (const [from, to] of Object.entries(domains)) if (from.toLowerCase() === domain) return `${email.slice(0, at + 1)}${to.toLowerCase()}`;
  return email;
}
