/**
 * Whether single users are disabled, by base search: the users a delta read found by lookup (not
 * in the mirror, not changed since the marker) and the users named for an on-demand sync. The
 * rule is the full read's (src/ldap/snapshot/disabled-users.ts: userFilter AND the directory
 * type's rule or directory.disabledFilter), evaluated by the directory; the full read's paged
 * search of every disabled user would cost what the delta read exists to avoid.
 */
import { runPool } from '../../util/pool';
import type { DirectoryReader } from '../snapshot/reader';
import type { UserRecord } from '../snapshot/records';

/** Base searches in flight at once on the one connection (as the member lookups). */
const CONCURRENCY = 8;

/** Sets `disabled` on the records of `keys`; returns how many base searches it made. */
export async function markDisabledByLookup(reader: DirectoryReader, users: Map<string, UserRecord>, keys: Iterable<string>): Promise<number> {
  const filter = reader.disabledUserFilter;
  const records = [...new Set(keys)].map((k) => users.get(k)).filter((r): r is UserRecord => r !== undefined);
  if (filter === null) {
    for (const rec of records) rec.disabled = false;
    return 0;
  }
  await runPool(records, CONCURRENCY, async (rec) => {
    rec.disabled = await reader.matches(rec.dn, filter);
  });
  return records.length;
}
