/**
 * Step 2: the users under userBase in ONE paged search (not one search per member), keeping only
 * members of the mapped groups: the base usually holds far more people than the contact center.
 * Members of nested groups found later are looked up one by one in step 3.
 */
import type { DirectoryWarning } from '../../domain/types';
import { wrap } from './read-errors';
import type { DirectoryReader } from './reader';
import { keyOf, type GroupNode, type UserRecord } from './records';

/** Normalised DN → user, for the mapped groups' direct members found under userBase. */
export async function readMemberUsers(
  reader: DirectoryReader,
  groups: Map<string, GroupNode>,
  warnings: DirectoryWarning[],
): Promise<Map<string, UserRecord>> {
  const { userBase, userFilter } = reader.dir;
  const users = new Map<string, UserRecord>();
  // Member key → the group's own string for it: the users map is keyed by that one, so 100k DNs
  // are held once, not once from the group and once from the user entry. Dropped on return.
  const wanted = new Map<string, string>();
  for (const g of groups.values()) for (const k of g.keys) wanted.set(k, k);
  reader.progress('users');
  try {
    for await (const page of reader.userPages()) {
      reader.checkSession(`reading users under "${userBase}"`);
      reader.stats.pages++;
      for (const entry of page.searchEntries) {
        reader.stats.usersRead++;
        const key = wanted.get(keyOf(entry.dn));
        if (key === undefined) continue;
        const rec = reader.recordOf(entry);
        if (rec.dn === key) rec.dn = key;
        users.set(key, rec);
      }
      for (const ref of page.searchReferences) {
        warnings.push({ code: 'referral', subject: ref, message: `the server referred part of "${userBase}" to ${ref}; referrals are not followed, so users there are not read` });
      }
      reader.progress('users');
    }
  } catch (err) {
    throw wrap(`reading users under "${userBase}" with filter "${userFilter}"`, err);
  }
  return users;
}
