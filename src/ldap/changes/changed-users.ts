/**
 * The users changed since the marker, read afresh: three paged searches under userBase with the
 * marker's "changed since" filter (./since-filter.ts) ANDed in, each returning only what changed:
 *  - users (userFilter) with the user attributes: their display name, id and email may differ;
 *  - of those, the disabled ones (userFilter AND the disabled rule), DNs only — how the full read
 *    decides it (src/ldap/snapshot/disabled-users.ts), for the changed entries only;
 *  - entries that changed and no longer match userFilter, DNs only: a mirror user whose entry
 *    left the filter (userFilter on an attribute, e.g. employeeType) is not a user any more; the
 *    mirror must not keep vouching for it (it is looked up again, and reported as the full read would).
 * Changes of any other attribute (a password) re-read the user too; the comparison with the
 * mirror then finds nothing to report.
 */
import { AndFilter, NotFilter, type Entry, type Filter } from 'ldapts';
import type { DirectoryWarning } from '../../domain/types';
import { wrap } from '../snapshot/read-errors';
import type { DirectoryReader } from '../snapshot/reader';
import { keyOf, type UserRecord } from '../snapshot/records';

export interface ChangedUsers {
  /** Normalised DN → record of each user changed since the marker (members or not), `disabled` set. */
  users: Map<string, UserRecord>;
  /** Normalised DNs of entries changed since the marker that are not users (userFilter) now. */
  notUsers: Set<string>;
}

export async function readChangedUsers(reader: DirectoryReader, changedSince: Filter, warnings: DirectoryWarning[]): Promise<ChangedUsers> {
  const users = new Map<string, UserRecord>();
  const filter = new AndFilter({ filters: [reader.userFilter, changedSince] });
  await eachPage(reader, reader.usersMatching(filter), `reading users changed since the marker with filter "${filter.toString()}"`, warnings, (entry) => {
    reader.stats.usersRead++;
    users.set(keyOf(entry.dn), reader.recordOf(entry));
  });
  if (users.size > 0 && reader.disabledUserFilter !== null) {
    const disabled = new AndFilter({ filters: [reader.disabledUserFilter, changedSince] });
    await eachPage(reader, reader.dnPages(disabled), `reading disabled users changed since the marker with filter "${disabled.toString()}"`, warnings, (entry) => {
      const rec = users.get(keyOf(entry.dn));
      if (rec) rec.disabled = true;
    });
  }
  const notUsers = new Set<string>();
  const others = new AndFilter({ filters: [changedSince, new NotFilter({ filter: reader.userFilter })] });
  await eachPage(reader, reader.dnPages(others), `reading entries changed since the marker that are not users, with filter "${others.toString()}"`, warnings, (entry) => {
    notUsers.add(keyOf(entry.dn));
  });
  return { users, notUsers };
}

/** Walks a paged search; a failed or partial one fails the read (never fewer changes than there are). */
async function eachPage(
  reader: DirectoryReader,
  pages: ReturnType<DirectoryReader['dnPages']>,
  what: string,
  warnings: DirectoryWarning[],
  onEntry: (entry: Entry) => void,
): Promise<void> {
  try {
    for await (const page of pages) {
      reader.checkSession(what);
      reader.stats.pages++;
      for (const entry of page.searchEntries) onEntry(entry);
      for (const ref of page.searchReferences) {
        warnings.push({ code: 'referral', subject: ref, message: `the server referred part of "${reader.dir.userBase}" to ${ref}; referrals are not followed, so changes there are not read` });
      }
    }
  } catch (err) {
    throw wrap(what, err);
  }
}
