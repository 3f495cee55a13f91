/**
 * Step 5, second pass: the provisioned users go to the sink a batch at a time, and each record is
 * dropped from the users map as it goes, so 100k users are never held twice.
 */
import type { DirectoryUser } from '../../domain/types';
import { unpackFields, type UserRecord } from './records';
import type { UserSink } from './types';

/** Users a sink receives at once. */
const SINK_BATCH = 500;

/**
 * Hands the users with an email, in the order of `keys` (DN order), to `sink`; without a sink,
 * collects them and returns them sorted by email.
 */
export async function handOverUsers(
  users: Map<string, UserRecord>,
  keys: string[],
  mappedList: string[],
  sink: UserSink | undefined,
): Promise<{ users: DirectoryUser[]; userCount: number; disabledCount: number }> {
  const collected: DirectoryUser[] = [];
  const emit = sink ?? (async (batch: DirectoryUser[]) => void collected.push(...batch));
  let userCount = 0;
  let disabledCount = 0;
  let batch: DirectoryUser[] = [];
  for (const ukey of keys) {
    const rec = users.get(ukey) as UserRecord;
    users.delete(ukey);
    if (rec.email === null) continue;
    if (rec.disabled) disabledCount++;
    batch.push(directoryUserOf(rec, rec.email, mappedList));
    if (batch.length === SINK_BATCH) {
      await emit(batch);
      userCount += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await emit(batch);
    userCount += batch.length;
  }
  collected.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  return { users: collected, userCount, disabledCount };
}

/** A provisioned user record as the rest of zcc-sync sees it: groups as the mapped-group DNs are configured, in mapping order. */
export function directoryUserOf(rec: UserRecord, email: string, mappedList: string[]): DirectoryUser {
  const groupIndexes = [...(rec.groups as readonly number[])].sort((a, b) => a - b);
  const [displayName, uniqueId] = unpackFields(rec.fields);
  return { email, displayName, uniqueId, dn: rec.dn, groups: groupIndexes.map((i) => mappedList[i]), ...(rec.disabled ? { disabled: true } : {}) };
}
