/**
 * Approval of a held run, shared by every reconcile workflow: the progress query, the approve and
 * reject Updates (accepted only while the run is held), and "wait for a decision or the timeout".
 * Only SDK calls: deterministic.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { approveUpdate, progressQuery, rejectUpdate, type Decision, type Progress } from './definitions';

export interface RunDecision {
  approved: boolean;
  by: string;
}

/** Installs the handlers; returns "wait up to `hours` for a decision" (null when none came). */
export function handleDecisions(progress: Progress, runId: string): (hours: number) => Promise<RunDecision | null> {
  let decision: RunDecision | null = null;
  setHandler(progressQuery, () => progress);
  const decide = (approved: boolean) => (d: Decision) => {
    decision = { approved, by: d.by };
    return `${approved ? 'approved' : 'rejected'} by ${d.by}`;
  };
  const onlyWhenHeld = (_d: Decision) => {
    if (progress.phase !== 'held') throw new Error(`run ${runId} is not held (phase: ${progress.phase})`);
  };
  setHandler(approveUpdate, decide(true), { validator: onlyWhenHeld });
  setHandler(rejectUpdate, decide(false), { validator: onlyWhenHeld });
  return async (hours) => ((await condition(() => decision !== null, hours * 3600 * 1000)) ? decision : null);
}
