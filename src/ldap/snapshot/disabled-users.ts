/**
 * Step 4b: which member users are disabled in the directory (the type's rule or
 * directory.disabledFilter, src/config/directory-types.ts). One paged search of DNs only, under
 * userBase, evaluated by the directory: an AD account disabled with its groups left in place is
 * still read as a member, and planned as a leaver instead of looking like an active one.
 */
import { wrap } from './read-errors';
import type { DirectoryReader } from './reader';
import { keyOf, type UserRecord } from './records';

/** Marks the disabled users among `users`; returns how many there are. */
export async function markDisabledUsers(reader: DirectoryReader, users: Map<string, UserRecord>): Promise<number> {
  const filter = reader.disabledUserFilter;
  if (filter === null || users.size === 0) return 0;
  let disabled = 0;
  try {
    for await (const page of reader.disabledUserPages(filter)) {
      reader.checkSession(`reading disabled users under "${reader.dir.userBase}"`);
      for (const entry of page.searchEntries) {
        const rec = users.get(keyOf(entry.dn));
        if (rec && !rec.disabled) {
          rec.disabled = true;
          disabled++;
        }
      }
    }
  } catch (err) {
    throw wrap(`reading disabled users under "${reader.dir.userBase}" with filter "${filter.toString()}"`, err);
  }
  return disabled;
}
