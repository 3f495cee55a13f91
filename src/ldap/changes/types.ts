/**
 * What a delta read hands the orchestrator: where the directory stood (a change marker), and
 * which member users differ from the directory mirror (the state the last applied run saw).
 * Types only: src/ldap/snapshot/types.ts imports ChangeMarker from here, so nothing here imports
 * the snapshot (no import loop).
 */
import type { DirectoryUser, DirectoryWarning } from '../../domain/types';

/**
 * Where the directory stood when a read began. Stored beside the mirror and compared on the next
 * poll: unchanged means nothing in the directory changed, so the poll ends after one search.
 *  - csn: OpenLDAP syncprov's contextCSN of the naming context holding directory.userBase. Several
 *    values (one per provider serverID in multi-provider replication) are kept sorted, joined by
 *    a space; entries changed since are those with entryCSN ≥ the smallest.
 *  - usn: Active Directory's highestCommittedUSN of one DC. USNs are that DC's own counter, so the
 *    marker names the DC (dsServiceName) and its database instance (invocationId, which changes
 *    when the DC is restored from a backup); either differing means the USN says nothing.
 *  - timestamp: the fallback for a directory that offers neither (no syncprov, no rights): the
 *    read's start on this machine's clock; changed since = modifyTimestamp ≥ at − overlap. It
 *    cannot tell "nothing changed", so every poll with it re-reads the membership.
 */
export type ChangeMarker =
  | { kind: 'csn'; base: string; contextCsn: string }
  | { kind: 'usn'; server: string; invocationId: string; usn: string }
  | { kind: 'timestamp'; at: string };

/** One row of the directory mirror, as the orchestrator hands it in (keyed by normalizeDn(dn)). */
export interface MirrorEntry {
  email: string;
  dn: string;
  displayName: string;
  uniqueId: string;
  /** Mapped-group DNs as configured. */
  groups: string[];
  disabled: boolean;
}

export interface ChangeStats {
  /** Group entries read: mapped groups and nested groups. */
  groupsRead: number;
  /** User entries returned by the searches of changed (or named) users. */
  usersRead: number;
  /** Base searches of single DNs: member DNs not in the mirror, named DNs, disabled checks. */
  lookups: number;
  ms: number;
}

export type DirectoryChanges =
  /** The marker did not move: nothing was read but the marker. */
  | { kind: 'idle'; marker: ChangeMarker }
  /** A delta cannot be trusted (other DC, restored DC, marker kinds differ…): run a full reconcile. */
  | { kind: 'full'; reason: string; marker: ChangeMarker | null }
  | {
      kind: 'changes';
      /** Read at the start: changes made during the read are seen again next time (harmless). */
      marker: ChangeMarker;
      /** Provisioned members whose user differs from their mirror entry (by DN), or not in the mirror. */
      changed: DirectoryUser[];
      /** Mirror entries whose email no provisioned member has any more. */
      gone: MirrorEntry[];
      warnings: DirectoryWarning[];
      stats: ChangeStats;
    };
