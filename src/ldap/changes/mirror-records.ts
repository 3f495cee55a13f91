/**
 * The users a delta read starts from: the directory mirror, as snapshot records. The full read
 * finds the mapped groups' users with one paged search of every user under userBase; a delta read
 * takes them from the mirror instead (what the last applied run saw), so its cost follows the
 * change, not the directory. Only users changed since the marker and members the mirror does not
 * know are read from the directory.
 */
import { packFields, type UserRecord } from '../snapshot/records';
import type { MirrorEntry } from './types';

/** A mirror entry as the record the snapshot's steps work on (groups and email are settled again). */
export function mirrorRecord(entry: MirrorEntry): UserRecord {
  // Field order as DirectoryReader.recordOf: display name, unique id, then the email values.
  return { dn: entry.dn, fields: packFields([entry.displayName, entry.uniqueId, entry.email]), groups: null, email: null, disabled: entry.disabled };
}

/** Normalised DN → record for every mirror entry, except `skip` (entries the caller reads afresh or knows gone). */
export function recordsFromMirror(mirror: Map<string, MirrorEntry>, skip: ReadonlySet<string> = new Set()): Map<string, UserRecord> {
  const users = new Map<string, UserRecord>();
  for (const [key, entry] of mirror) if (!skip.has(key)) users.set(key, mirrorRecord(entry));
  return users;
}
