/**
 * The activities' contracts: what each workflow may call, with its input and result. Workflows
 * import these types (never the activity modules, which sit a floor above them); the factories
 * in activities/ implement them. Inputs and results carry ids and counts only.
 */
import type { BeginRunInput, BeginRunResult } from '../reconcile/begin';
import type { FinishReconcileInput } from '../reconcile/finish';
import type { ApplyChunkInput } from '../apply/engine';
import type { FinishJobInput } from '../admin/finish-job';
import type { PrepareJobResult } from '../admin/prepare-job';
import type { JobResult } from '../admin/types';
import type { RunReport } from '../store/runs';
import type { DeltaPoll, ScopedRunStart } from '../reconcile/scoped-run';
import type { ChunkResult, PlanResult, RunStatus } from './runs';
import type { OpKind } from './types';

export type { DeltaPoll, ScopedRunStart };
export type { ApplyChunkInput, BeginRunInput, BeginRunResult, FinishJobInput, FinishReconcileInput, PrepareJobResult, RunReport };

export interface HealthPingResult {
  /** "pong <name>", so a caller can tell its own check from another. */
  reply: string;
  /** Which worker answered. */
  host: string;
  pid: number;
}

export interface HealthActivities {
  healthPing(name: string): Promise<HealthPingResult>;
}

export interface ComputePlanInput {
  runId: string;
  /** The status a run moves to when no guard trips (a run that will apply: `applying`). */
  statusIfClear?: RunStatus;
  /** Recorded by workflows before `statusIfClear`: true meant `applying`. */
  applyIfClear?: boolean;
}

export interface ReconcileActivities {
  beginRun(input: BeginRunInput): Promise<BeginRunResult>;
  snapshotDirectory(input: { runId: string }): Promise<{ users: number; warnings: number }>;
  snapshotContactCenter(input: { runId: string }): Promise<{ users: number; queues: number; members: number }>;
  computePlan(input: ComputePlanInput): Promise<PlanResult>;
  holdRun(input: { runId: string; workflowId: string; reasons: string[] }): Promise<void>;
  recordDecision(input: { runId: string; approved: boolean; by: string }): Promise<void>;
  finishRun(input: FinishReconcileInput): Promise<RunReport>;
  deliverEmails(input: { runId: string }): Promise<void>;
  setRunStatus(input: { runId: string; status: RunStatus }): Promise<void>;
  /** Read by runs recorded before the plan carried them. */
  approvalTimeoutHours(): Promise<number>;
  applyConcurrency(): Promise<number>;
}

/** The first steps of delta and on-demand runs; the rest are ReconcileActivities. */
export interface ScopedReconcileActivities {
  pollDirectoryChanges(input: ScopedRunStart): Promise<DeltaPoll>;
  prepareUserSync(input: ScopedRunStart): Promise<{ users: number; notFound: string[] } | { busy: string }>;
  snapshotScopeInContactCenter(input: { runId: string }): Promise<{ users: number; queues: number; members: number }>;
}

export interface ApplyActivities {
  applyChunk(input: ApplyChunkInput): Promise<ChunkResult>;
  /** Marks the still-pending ops of a kind as skipped (creates after the license pool ran out). */
  skipPendingOps(input: { runId: string; kind: OpKind; reason: string }): Promise<number>;
}

export interface AdminJobActivities {
  prepareJob(input: { jobId: string }): Promise<PrepareJobResult>;
  finishJob(input: FinishJobInput): Promise<JobResult>;
  deliverJobEmails(input: { jobId: string }): Promise<void>;
}
