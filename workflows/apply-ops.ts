/**
 * The apply loop shared by reconcile runs and admin jobs: op kinds in dependency order, one
 * activity per chunk of users, a bounded number of chunks at once. The ops themselves live in
 * the store under the run id; only ids and counts cross the workflow boundary.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities/apply';
import { OP_ORDER, type OpKind } from '../src/domain/types';
import type { ChunkResult, ChunkTally } from './types';

const { applyChunk, skipPendingOps } = proxyActivities<ReturnType<typeof activities.createApplyActivities>>({
  startToCloseTimeout: '15 minutes',
  // applyChunk beats every 5 s: a killed worker's chunk is retried on another within 20 s.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface ApplyCursor {
  kindIndex: number;
  chunk: number;
  createsStopped: boolean;
}

export interface ApplyOptions {
  runId: string;
  actor: string;
  adopt: boolean;
  chunks: Partial<Record<OpKind, number>>;
  concurrency: number;
  cursor: ApplyCursor;
  tally: ChunkTally;
  /** Called after every chunk, so the caller can update its progress query. */
  onChunk(result: ChunkResult): void;
  /** Asked between batches of chunks: true means "continue as new now" (history is long). */
  shouldPause(): boolean;
}

/** Applies ops from the cursor on. Returns the cursor to resume from, or null when all ops ran. */
export async function applyOps(opts: ApplyOptions): Promise<ApplyCursor | null> {
  const cursor = { ...opts.cursor };
  for (; cursor.kindIndex < OP_ORDER.length; cursor.kindIndex++, cursor.chunk = 0) {
    const kind = OP_ORDER[cursor.kindIndex];
    const total = opts.chunks[kind] ?? 0;
    while (cursor.chunk < total) {
      if (kind === 'create' && cursor.createsStopped) {
        // The license pool ran out: the remaining creates cannot succeed. Mark them, don't call Zoom.
        await skipPendingOps({ runId: opts.runId, kind, reason: 'license_exhausted' });
        cursor.chunk = total;
        break;
      }
      if (opts.shouldPause()) return cursor;
      const batch: number[] = [];
      for (let c = cursor.chunk; c < total && batch.length < opts.concurrency; c++) batch.push(c);
      const results = await Promise.all(batch.map((chunk) => applyChunk({ runId: opts.runId, kind, chunk, actor: opts.actor, adopt: opts.adopt })));
      for (const r of results) {
        addChunk(opts.tally, r);
        if (r.licenseExhausted) cursor.createsStopped = true;
        opts.onChunk(r);
      }
      cursor.chunk += batch.length;
    }
  }
  return null;
}

export function addChunk(tally: ChunkTally, r: ChunkResult): void {
  const perKind = (tally.outcomes[r.kind] ??= {});
  for (const [k, n] of Object.entries(r.outcomes)) perKind[k as keyof typeof perKind] = (perKind[k as keyof typeof perKind] ?? 0) + (n ?? 0);
  for (const [k, n] of Object.entries(r.calls)) tally.calls[k] = (tally.calls[k] ?? 0) + n;
}

/** History is getting long: hand over to a fresh run before Temporal's limits are near. */
export function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > 8000;
}
