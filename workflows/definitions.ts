/**
 * Queries and Updates of the zcc-sync workflows, shared by the workflows and the CLI.
 * Only types and the SDK's define* helpers: safe to import from both sides.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OpKind } from '../src/domain/types';

export type RunPhase =
  | 'starting'
  /** Reading the directory and ZCC side by side. */
  | 'snapshots'
  /** Runs begun before the snapshots were read side by side. */
  | 'snapshot-directory'
  | 'snapshot-contact-center'
  | 'planning'
  | 'held'
  | 'applying'
  | 'reporting'
  | 'done';

export interface Progress {
  runId: string;
  phase: RunPhase;
  /** Ops planned per kind. */
  total: Partial<Record<OpKind, number>>;
  /** Ops finished (any outcome) per kind. */
  done: Partial<Record<OpKind, number>>;
  heldReasons: string[];
}

export interface Decision {
  /** Who decided: `--as NAME` or the OS user of the CLI. */
  by: string;
  comment?: string;
}

export const progressQuery = defineQuery<Progress>('progress');
export const approveUpdate = defineUpdate<string, [Decision]>('approve');
export const rejectUpdate = defineUpdate<string, [Decision]>('reject');
