/**
 * A run's live progress, from the store (not a Temporal query): admin jobs count their users'
 * outcomes, reconciles their settled ops. The page polls until the run ends, and reloads when the
 * status changes (a held run shows Approve and Reject, and follows a decision made elsewhere).
 */
import type { RunRow } from '../../src/store/runs';
import { jobItems } from '../../src/store/jobs';
import { opCounts } from '../../src/store/ops';
import type { StoreOrTx } from '../../src/store/db';

export interface RunProgress {
  /** The run's status now: a page drawn in another status reloads (a held run approved elsewhere). */
  status: string;
  total: number;
  done: number;
  finished: boolean;
  text: string;
}

const ENDED = new Set(['planned', 'completed', 'failed', 'rejected', 'expired', 'cancelled', 'skipped']);

export async function runProgress(db: StoreOrTx, run: RunRow | null): Promise<RunProgress> {
  if (!run) return { status: 'starting', total: 0, done: 0, finished: false, text: 'starting…' };
  const finished = run.finished_at !== null || ENDED.has(run.status);
  const { status } = run;
  if (run.kind === 'assign' || run.kind === 'edit' || run.kind === 'remove') {
    const items = await jobItems(db, run.id);
    const done = items.filter((i) => i.outcome !== null).length;
    return { status, total: items.length, done, finished, text: `${run.status}: ${done} of ${items.length} users` };
  }
  const counts = await opCounts(db, run.id);
  const total = counts.reduce((n, c) => n + c.n, 0);
  const done = counts.filter((c) => c.status !== 'pending').reduce((n, c) => n + c.n, 0);
  return { status, total, done, finished, text: run.status === 'planning' ? 'planning: reading the directory and ZCC…' : `${run.status}: ${done} of ${total} changes` };
}
