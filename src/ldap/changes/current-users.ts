/**
 * From records to DirectoryUsers, and the comparison with the mirror. The full read's own steps
 * (src/ldap/snapshot/): each user's mapped groups through nesting or directly only, each email
 * rewritten, lower-cased, first value, invalid or missing reported, duplicates merged (the first
 * entry in DN order keeps the email) — so a delta read provisions exactly what a full read would.
 */
import type { DirectoryUser, DirectoryWarning } from '../../domain/types';
import { settleEmails } from '../snapshot/emails';
import { assignMappedGroups } from '../snapshot/group-membership';
import { directoryUserOf } from '../snapshot/hand-over';
import type { DirectoryReader } from '../snapshot/reader';
import type { GroupNode, UserRecord } from '../snapshot/records';
import type { MirrorEntry } from './types';

/** Normalised DN → DirectoryUser of every provisioned member (a member with a usable email), in DN order. */
export function provisionedUsers(
  reader: DirectoryReader,
  mapped: Map<string, string>,
  groups: Map<string, GroupNode>,
  users: Map<string, UserRecord>,
  warnings: DirectoryWarning[],
): Map<string, DirectoryUser> {
  const mappedList = [...mapped.values()];
  assignMappedGroups(mapped, groups, users, reader.expand, warnings);
  const keys = settleEmails(users, mappedList, reader.dir.attributes.email, reader.dir.emailDomains, warnings);
  const out = new Map<string, DirectoryUser>();
  for (const key of keys) {
    const rec = users.get(key) as UserRecord;
    if (rec.email !== null) out.set(key, directoryUserOf(rec, rec.email, mappedList));
  }
  return out;
}

/** Does the user still look as the mirror saw it? Only what zcc-sync provisions from counts. */
export function sameAsMirror(user: DirectoryUser, entry: MirrorEntry): boolean {
  return (
    user.email === entry.email &&
    user.displayName === entry.displayName &&
    user.uniqueId === entry.uniqueId &&
    (user.disabled ?? false) === entry.disabled &&
    sameList(user.groups, entry.groups)
  );
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const [x, y] = [[...a].sort(), [...b].sort()];
  return x.every((v, i) => v === y[i]);
}

/**
 * `changed`: provisioned users that differ from the mirror entry of their DN, or have none;
 * `gone`: mirror entries whose email no provisioned user has now (left every mapped group,
 * deleted, no longer a user, email changed or lost). Gone is by email, not by DN: the mirror and
 * ZCC know users by email, so a user whose entry moved (new DN, same email) is changed, not gone,
 * and the old email of a user whose email changed is gone while the new one is changed.
 */
export function compareWithMirror(current: Map<string, DirectoryUser>, mirror: Map<string, MirrorEntry>): { changed: DirectoryUser[]; gone: MirrorEntry[] } {
  const changed: DirectoryUser[] = [];
  const emails = new Set<string>();
  for (const [key, user] of current) {
    emails.add(user.email);
    const entry = mirror.get(key);
    if (entry === undefined || !sameAsMirror(user, entry)) changed.push(user);
  }
  const gone = [...mirror.values()].filter((entry) => !emails.has(entry.email));
  const byEmail = (a: { email: string }, b: { email: string }) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);
  return { changed: changed.sort(byEmail), gone: gone.sort(byEmail) };
}
