/**
 * Domain types shared by the planner, the activities and the CLI. Emails are always
 * lower-cased before they are used as keys ("email case never creates duplicates").
 */
import type { PackageName, UserSettings } from '../config/schema';

/** One directory user, as the directory snapshot resolved them. */
export interface DirectoryUser {
  email: string; // lower-cased
  displayName: string;
  uniqueId: string;
  dn: string;
  /** DNs of mapped groups the user belongs to (directly or through nesting, per config). */
  groups: string[];
  /** Disabled in the directory (src/config/directory-types.ts): a leaver, whatever their groups. */
  disabled?: boolean;
}

/**
 * A problem the directory snapshot found and reported instead of dropping silently
 * (stored in `run_warnings`). `subject` is usually the DN concerned.
 */
export interface DirectoryWarning {
  code:
    | 'no_email' // member entry without an email value
    | 'invalid_email' // email value without '@'
    | 'multiple_emails' // several email values: the first is used
    | 'duplicate_email' // two entries with the same email
    | 'unresolved_member' // member DN that is neither a readable user under userBase nor a group
    | 'nested_cycle' // nested groups that contain each other
    | 'nested_ignored' // nestedGroups=ignore and a member is a group
    | 'empty_group' // a mapped group without members
    | 'disabled' // a member disabled in the directory (directory preview; runs plan them as leavers)
    | 'referral'; // the server returned referrals, which are not followed
  subject: string;
  message: string;
}

/** What zcc-sync wants a managed user to look like in ZCC. */
export interface DesiredUser {
  email: string;
  displayName: string;
  roleName: string;
  packageName: PackageName;
  queues: string[]; // queue names, sorted
  settings: UserSettings; // does not include user_access: access is decided by the planner
}

/** A ZCC user as the ZCC snapshot read them. */
export interface ActualUser {
  email: string; // lower-cased
  userId: string;
  displayName: string;
  roleName: string;
  packageName: PackageName | null;
  access: 'active' | 'inactive';
  queues: string[]; // queue names, sorted
  settings: UserSettings;
}

/** What the store remembers of a user zcc-sync manages. */
export interface ManagedRecord {
  email: string;
  userId: string | null;
  /** ISO time when zcc-sync deactivated the user as a leaver; null when active. */
  deactivatedAt: string | null;
}

export type OpKind = 'create' | 'update' | 'queueAdd' | 'queueRemove' | 'deactivate' | 'remove';
/** Dependency order in which apply runs op kinds. */
export const OP_ORDER: OpKind[] = ['create', 'update', 'queueAdd', 'queueRemove', 'deactivate', 'remove'];

export interface Op {
  email: string;
  kind: OpKind;
  /** Relevant fields before the change (null for create). */
  before: Record<string, unknown> | null;
  /** Relevant fields after the change (null for remove). */
  after: Record<string, unknown> | null;
  /** Why a leaver's op is planned when it is not "left the mapped groups". */
  reason?: OpReason;
}

/** `disabled`: the account is disabled in the directory (its groups may be unchanged). */
export type OpReason = 'disabled';

export interface PlanSummary {
  create: number;
  update: number;
  queueAdd: number;
  queueRemove: number;
  deactivate: number;
  remove: number;
  unchanged: number;
}

export type Outcome = 'done' | 'already' | 'not_zoom_user' | 'failed' | 'skipped';
