/**
 * Which console roles a user has: the role groups of console.roles that hold the user, read
 * upwards from the user with the product's own walk (src/ldap/changes/reverse-membership.ts):
 * `(member=DN)` searches through nested groups when directory.nestedGroups is expand, groups
 * matching directory.groupFilter, cycles ended. Runs on the service account's connection.
 *
 * A role group that does not exist (or does not match groupFilter) grants nothing; it is
 * reported so the refusal can say why, instead of failing every sign-in on one typo.
 */
import type { Client } from 'ldapts';
import type { ConsoleConfig } from '../../src/config/schema';
import type { DirectoryConfig } from '../../src/ldap/connect';
import { reverseMembership } from '../../src/ldap/changes/reverse-membership';
import { normalizeDn } from '../../src/ldap/dn';
import { DirectoryReader } from '../../src/ldap/snapshot/reader';
import { CONSOLE_ROLES, type ConsoleRole } from './types';

export interface RoleLookup {
  roles: ConsoleRole[];
  /** Configured role group DNs that are missing or are not groups (config mistakes). */
  unusable: string[];
}

export async function rolesOf(client: Client, dir: DirectoryConfig, roles: ConsoleConfig['roles'], userDn: string): Promise<RoleLookup> {
  const reader = new DirectoryReader(client, dir);
  const groups = new Map<string, string>(); // normalised DN → DN, each group once
  const unusable: string[] = [];
  for (const dn of new Set(CONSOLE_ROLES.flatMap((r) => roles[r]))) {
    const key = normalizeDn(dn);
    if (groups.has(key)) continue;
    const found = await reader.lookupGroup(dn, false, true);
    if (found.kind === 'group') groups.set(key, dn);
    else unusable.push(dn);
  }
  if (groups.size === 0) return { roles: [], unusable };

  const keys = [...groups.keys()];
  const walk = await reverseMembership(client, reader, groups);
  const reached = new Set((await walk.groupsOf(userDn)).map((i) => keys[i]!));
  const held = CONSOLE_ROLES.filter((r) => roles[r].some((dn) => reached.has(normalizeDn(dn))));
  return { roles: held, unusable };
}
