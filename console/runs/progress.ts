/**
 * A run's live progress, from the store (not a Temporal query): admin jobs count their users'
 * outcomes, reconciles their settled ops. "Finished" also means "waiting for a decision", so
 * the page stops polling and shows the Approve and Reject buttons.
 */
import type { RunRow } from '../../src/store/runs';
import { jobItems } from '../../src/store/jobs';
import { opCounts } from '../../src/store/ops';
import type { StoreOrTx } from '../../src/store/db';

export interface RunProgress {
  total: number;
  done: number;
  finished: boolean;
  text: string;
}

const WAITING = new Set(['held', 'planned', 'completed', 'failed', 'rejected', 'expired', 'cancelled', 'skipped']);

export async function runProgress(db: StoreOrTx, run: RunRow | null): Promise<RunProgress> {
  if (!run) return { total: 0, done: 0, finished: false, text: 'starting…' };
  const finished = run.finished_at !== null || WAITING.has(run.status);
  if (run.kind === 'assign' || run.kind === 'edit' || run.kind === 'remove') {
    const items = await jobItems(db, run.id);
    const done = items.filter((i) => i.outcome !== null).length;
    return { total: items.length, done, finished, text: `${run.status}: ${done} of ${items.length} users` };
  }
  const counts = await opCounts(db, run.id);
  const total = counts.reduce((n, c) => n + c.n, 0);
  const done = counts.filter((c) => c.status !== 'pending').reduce((n, c) => n + c.n, 0);
  return { total, done, finished, text: run.status === 'planning' ? 'planning: reading the directory and ZCC…' : `${run.status}: ${done} of ${total} changes` };
}
