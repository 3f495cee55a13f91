/** The snapshot's public types (re-exported by ../snapshot.ts) and the client part it uses. */
import type { Client } from 'ldapts';
import type { DirectoryUser, DirectoryWarning } from '../../domain/types';
import type { ChangeMarker } from '../changes/types';

export interface DirectoryStats {
  /** Group entries read: mapped groups and nested groups. */
  groupsRead: number;
  /** User entries returned by the paged user search. */
  usersRead: number;
  /** Pages of the user search. */
  pages: number;
  ms: number;
}

export interface DirectorySnapshot {
  /** Users in at least one mapped group, sorted by email; empty when a sink received them. */
  users: DirectoryUser[];
  /** How many users there are (in `users`, or handed to the sink), disabled ones included. */
  userCount: number;
  /** Of those, how many are disabled in the directory (leavers). */
  disabledCount: number;
  warnings: DirectoryWarning[];
  stats: DirectoryStats;
  /**
   * The directory's change marker, read before anything else (src/ldap/changes/marker.ts): delta
   * runs read the changes since it. null when the directory offers none (or reading it failed:
   * that never fails the full read); absent when the snapshot was read over a caller's connection.
   */
  marker?: ChangeMarker | null;
}

export interface ReadProgress {
  phase: 'groups' | 'users' | 'nested' | 'done';
  groupsRead: number;
  usersRead: number;
  pages: number;
}

/** The part of the ldapts client the snapshot uses (a fake can stand in for it in unit tests). */
export type SearchClient = Pick<Client, 'search' | 'searchPaginated'> & { readonly isBound: boolean };

/** Receives the snapshot's users a batch at a time (in DN order) instead of one array at the end. */
export type UserSink = (users: DirectoryUser[]) => Promise<void>;
