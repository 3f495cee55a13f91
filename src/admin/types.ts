/**
 * The admin jobs' request model (`users assign|edit|remove`), shared by the CLI that stores a
 * request and the activities that plan and finish it. Stored as JSON in `jobs.params` and
 * `job_items.params`, so workflow payloads carry only the job id.
 */
import type { PackageName, UserSettings } from '../config/schema';

export type JobKind = 'assign' | 'edit' | 'remove';
export const JOB_KINDS: readonly JobKind[] = ['assign', 'edit', 'remove'];

/** What the command line asked for all users of the job (`jobs.params`). Names are canonical ZCC names. */
export interface JobParams {
  /** assign: the role (unless every row names one); edit: the new role. */
  role?: string;
  package?: PackageName;
  /** assign: the queues each user joins. */
  queues?: string[];
  /** assign: settings of the new license; edit: settings to change (only these fields). */
  settings?: UserSettings;
  /** edit: `--status active|inactive` (an `update` of `access`, not the reconcile's deactivate). */
  access?: 'active' | 'inactive';
  /** edit: queues to join / leave. */
  addQueues?: string[];
  removeQueues?: string[];
}

/** Per-user overrides from a CSV row (`job_items.params`); they beat the command-line values. */
export interface ItemParams {
  role?: string;
  package?: PackageName;
  queues?: string[];
}

export interface JobItemRequest {
  email: string;
  params?: ItemParams;
}

/** The whole request as the CLI validated it. */
export interface JobRequest {
  kind: JobKind;
  params: JobParams;
  items: JobItemRequest[];
}

/** Per-user outcome of a job, as `job_items.outcome` and the CLI's `--json` report it. */
export type ItemOutcome = 'done' | 'already' | 'not_zoom_user' | 'failed';
export const ITEM_OUTCOMES: readonly ItemOutcome[] = ['done', 'already', 'not_zoom_user', 'failed'];

/** What the admin job workflow returns: ids and counts only (per-user results are in the store). */
export interface JobResult {
  jobId: string;
  workflowId: string;
  kind: JobKind;
  status: 'completed' | 'failed' | 'cancelled';
  counts: Record<ItemOutcome, number>;
  durationMs: number;
  error?: string;
}

/** Bad input found before anything ran; `problems` are whole sentences, one per problem. */
export class AdminInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AdminInputError';
  }
}

/** The workflow id (and job id) of a new job: `zcc-sync-<kind>-<uuid>`. */
export function jobIdFor(kind: JobKind, uuid: string): string {
  return `zcc-sync-${kind}-${uuid}`;
}
