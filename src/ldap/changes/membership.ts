/**
 * The mapped groups' membership, re-read whole on every delta read that is not idle: group edits
 * do not show in users' change markers (the memberof overlay writes memberOf without touching the
 * user's entryCSN, and refint drops a deleted user from its groups without touching the group's;
 * RECIPE §7.4), so the groups themselves are the only record of who is a member.
 *
 * The same steps as the full read (src/ldap/snapshot/): every mapped group must exist and match
 * groupFilter (a typo must not read as "everyone left"), nested groups are expanded or ignored per
 * config with cycles cut; but without the paged search of all users: members already in `users`
 * (the mirror, and users changed since the marker) are known, any other member DN is looked up by
 * a base search, as a user under userBase matching userFilter, else as a group — in every round.
 */
import type { DirectoryWarning } from '../../domain/types';
import { readMappedGroups } from '../snapshot/mapped-groups';
import { resolveOtherMembers } from '../snapshot/nested-members';
import type { DirectoryReader } from '../snapshot/reader';
import type { GroupNode, UserRecord } from '../snapshot/records';

export interface Membership {
  /** Normalised DN → group: the mapped groups and the nested groups read through them. */
  groups: Map<string, GroupNode>;
  /** Keys of the users a lookup found (not in the mirror, not changed since the marker): read afresh. */
  lookedUp: string[];
  /** Member DNs looked up. */
  lookups: number;
}

/** Reads the groups; adds the users found by lookups to `users` (in place, as the full read does). */
export async function readMembership(reader: DirectoryReader, mapped: Map<string, string>, users: Map<string, UserRecord>, warnings: DirectoryWarning[]): Promise<Membership> {
  const groups = await readMappedGroups(reader, mapped);
  const lookedUp: string[] = [];
  const lookups = await resolveOtherMembers(reader, groups, users, warnings, { usersInFirstRound: true, onUserFound: (key) => lookedUp.push(key) });
  return { groups, lookedUp, lookups };
}
