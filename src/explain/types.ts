/**
 * `zcc-sync users explain EMAIL --json`: the document's contract (README, "Operating zcc-sync").
 * Field names are stable; lists are in a fixed order (mappings in config order, history oldest first).
 */
import type { UserSettings } from '../config/schema';
import type { ActualUser, DesiredUser, DirectoryWarning, Op } from '../domain/types';
import type { MappedGroupPath } from './directory-entry';

/** Why the next reconcile does (or does not do) what it does for this user, one code a reason. */
export type ReasonCode =
  | 'excluded' // policy.exclude matches: never touched
  | 'not-managed' // in ZCC, in no mapped group, never provisioned by zcc-sync: never touched
  | 'not-in-scope' // in no mapped group, not in ZCC, not managed: nothing to do
  | 'not-zoom-user' // Zoom answered 1004 to the create: deferred until the next try
  | 'create' // in a mapped group, no ZCC license
  | 'adopt' // in a mapped group and already in ZCC: managed from now on
  | 'update' // ZCC differs from the desired state
  | 'in-step' // ZCC matches the desired state
  | 'reactivate' // deactivated by zcc-sync, in a mapped group again
  | 'left-inactive' // inactive in ZCC by an admin's hand: not undone
  | 'disabled' // disabled in the directory: a leaver whatever the groups
  | 'leaver' // managed, in no mapped group any more
  | 'deactivate' // the leaver is deactivated now
  | 'grace-period' // deactivated, license removed on a date
  | 'remove' // the license is removed now
  | 'gone' // managed, but no longer in ZCC
  | 'removed' // zcc-sync removed the license before: no longer managed
  | 'held'; // a reconcile held by a guard waits for approval

export interface Reason {
  code: ReasonCode;
  text: string;
  /** The date the reason names (next 1004 retry, license removal, held since), ISO. */
  at?: string;
}

export interface MatchedMapping {
  /** Position in `mappings` (0-based, as config errors name it: mappings[2]). */
  index: number;
  group: string;
  role: string;
  package: string;
  queues: string[];
  settings: UserSettings;
  priority: number;
  /** This mapping gives role, package and settings (highest priority; ties: first in the file). */
  wins: boolean;
}

export interface HeldRun {
  runId: string;
  /** When the run was created (it is held since its plan). */
  since: string;
  reasons: string[];
  /** What the held run would do to this user once approved. */
  ops: Op[];
}

export interface HistoryEntry {
  id: number;
  at: string;
  runId: string;
  actor: string;
  op: string;
  before: unknown;
  after: unknown;
  result: string;
  error: string | null;
}

export interface Explanation {
  email: string;
  /** When the explanation was computed (the plan's "now"). */
  at: string;
  directory: {
    /** A mapped group reaches an entry with this email. */
    found: boolean;
    dn: string | null;
    displayName: string | null;
    uniqueId: string | null;
    disabled: boolean;
    /** What "disabled" means for this directory type. */
    disabledMeans: string;
    email: { attribute: string; value: string | null; rewrite: { from: string; to: string } | null };
    groups: MappedGroupPath[];
    warnings: DirectoryWarning[];
  };
  /** Every mapping whose group the user is in, in config order. */
  mappings: MatchedMapping[];
  /** What zcc-sync wants in ZCC (null: not desired — no mapped group, or disabled). */
  desired: DesiredUser | null;
  /** The user in ZCC now, mapped queues only (null: no ZCC license). */
  zcc: ActualUser | null;
  managed: { provisionedBy: string | null; provisionedAt: string | null; deactivatedAt: string | null; removedAt: string | null } | null;
  /** The policy.exclude pattern that matches, or null. */
  excluded: string | null;
  notZoomUser: { lastTry: string; nextTry: string; deferred: boolean } | null;
  held: HeldRun[];
  next: {
    /** Exactly the ops `plan` plans for this user now. */
    ops: Op[];
    reasons: Reason[];
  };
  /** The user's audit rows, oldest first (at most the last HISTORY_LIMIT; historyTotal counts all). */
  history: HistoryEntry[];
  historyTotal: number;
}
