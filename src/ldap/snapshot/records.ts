/** What the snapshot holds while it is assembled: one record per member user, one node per group. */
import { normalizeDn } from '../dn';

/**
 * A member user while the snapshot is assembled. At 100k users these are most of what the read
 * holds, so the later steps' results (mapped groups, email) live on the record, not in maps of
 * their own.
 */
export interface UserRecord {
  dn: string;
  /**
   * Display name, unique id and the email values, in that order: one string joined by NUL (an
   * array when a value itself holds a NUL). Four strings and an array per user took the read's
   * live heap after the user search at 100k users to 48 MB; one string: 26 MB.
   */
  fields: string | string[];
  /** Indexes of the mapped groups that reach the user, ascending (step 4); shared when only one. */
  groups: readonly number[] | null;
  /** The email the user is provisioned under (step 5); null when not provisioned. */
  email: string | null;
  /** Disabled in the directory (step 4b). */
  disabled: boolean;
}

const FIELD_SEPARATOR = '\u0000';

export function packFields(values: string[]): string | string[] {
  return values.some((v) => v.includes(FIELD_SEPARATOR)) ? values : values.join(FIELD_SEPARATOR);
}

export function unpackFields(fields: string | string[]): string[] {
  return typeof fields === 'string' ? fields.split(FIELD_SEPARATOR) : fields;
}

export interface GroupNode {
  dn: string;
  /** Member DNs as the server returned them. */
  members: string[];
  /** The same, normalised (computed once: large groups are walked once per mapped group). */
  keys: string[];
}

/** normalizeDn, returning the same string object when nothing changes (100k member DNs: one copy, not two). */
export function keyOf(dn: string): string {
  const key = normalizeDn(dn);
  return key === dn ? dn : key;
}

export const groupNode = (dn: string, members: string[]): GroupNode => ({ dn, members, keys: members.map(keyOf) });

/** A DN read as a group: a group, nothing there, or an entry that is not a group. */
export type GroupLookup = { kind: 'group'; node: GroupNode } | { kind: 'missing' } | { kind: 'notGroup' };
