/** Inputs and results of the zcc-sync workflows: ids and counts only, never user lists. */
import type { OpKind, Outcome, PlanSummary } from './types';

export type RunStatus =
  | 'planning'
  | 'planned'
  | 'held'
  | 'applying'
  | 'completed'
  | 'failed'
  | 'rejected'
  | 'expired'
  | 'cancelled'
  | 'skipped';

export interface ReconcileInput {
  /** plan: compute and store the plan, change nothing. apply: plan, guard, apply. */
  mode: 'plan' | 'apply';
  /** What started it: `schedule`, `cli:<user>`. Written to the audit log. */
  trigger: string;
  /** Set by the workflow itself when it continues as new. */
  resume?: ReconcileResume;
}

export interface ReconcileResume {
  runId: string;
  startedAtMs: number;
  summary: PlanSummary;
  chunks: Partial<Record<OpKind, number>>;
  /** Index into OP_ORDER and the chunk within it to continue from. */
  kindIndex: number;
  chunk: number;
  tally: ChunkTally;
  createsStopped: boolean;
  /** Chunks applied at once; absent in resumes written by older workflow code. */
  concurrency?: number;
}

/** Outcomes summed over chunks, and API calls by endpoint. */
export interface ChunkTally {
  outcomes: Partial<Record<OpKind, Partial<Record<Outcome | 'license_exhausted', number>>>>;
  calls: Record<string, number>;
}

export interface ChunkResult {
  kind: OpKind;
  chunk: number;
  ops: number;
  outcomes: Partial<Record<Outcome | 'license_exhausted', number>>;
  calls: Record<string, number>;
  /** True when the license pool ran out: later create chunks are skipped. */
  licenseExhausted: boolean;
}

export interface PlanResult {
  summary: PlanSummary;
  /** Chunks per op kind, for the apply loop. */
  chunks: Partial<Record<OpKind, number>>;
  guard: { tripped: boolean; reasons: string[] };
  directoryUsers: number;
  warnings: number;
  /** Chunks applied at once (policy.concurrency). Absent in results recorded by older workers. */
  concurrency?: number;
}

export interface RunResult {
  runId: string;
  workflowId: string;
  status: RunStatus;
  summary: PlanSummary | null;
  outcomes: ChunkTally['outcomes'];
  failures: number;
  apiCalls: Record<string, number>;
  durationMs: number;
  heldReasons: string[];
  error?: string;
}

/**
 * A full run's id from its Temporal run id: `rec-` + the time-ordered head (ids sort by start) +
 * 6 of its random hex digits. The reconcile workflow names its run so; the console computes it
 * to open the page of the run it just started.
 */
export function reconcileRunIdOf(temporalRunId: string): string {
  const hex = temporalRunId.replace(/-/g, '');
  return `rec-${hex.slice(0, 10)}${hex.slice(-6)}`;
}
