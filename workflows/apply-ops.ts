/**
 * The apply loop shared by reconcile runs and admin jobs: op kinds in dependency order, one
 * activity per chunk of users, a bounded number of chunks at once. The ops themselves live in
 * the store under the run id; only ids and counts cross the workflow boundary.
 */
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ApplyActivities } from '../src/domain/activities';
import { OP_ORDER, type OpKind } from '../src/domain/types';
import type { ChunkResult, ChunkTally } from '../src/domain/runs';

const { applyChunk, skipPendingOps } = proxyActivities<ApplyActivities>({
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
  /** Asked before starting chunks: true means "continue as new now" (history is long). */
  shouldPause(): boolean;
}

/**
 * Runs that began before the sliding window replay the batch loop: the two schedule activities in
 * a different order, and a workflow must replay exactly what it did.
 */
export const SLIDING_WINDOW_PATCH = 'apply-sliding-window';

/** Applies ops from the cursor on. Returns the cursor to resume from, or null when all ops ran. */
export async function applyOps(opts: ApplyOptions): Promise<ApplyCursor | null> {
  return patched(SLIDING_WINDOW_PATCH) ? applyInWindow(opts) : applyInBatches(opts);
}

/**
 * A sliding window: a new chunk starts as soon as one finishes, so `concurrency` chunks are in
 * flight all the time and the rate governor never runs dry between chunks (batches left the API
 * idle while the slowest chunk of each batch and a workflow task finished: 100k users at the
 * business plan's limits took 1.096× the rate-limit bound, 1.060× with the window). The window
 * drains before continuing as new or skipping creates, so the cursor always means "every chunk
 * before it is done".
 */
async function applyInWindow(opts: ApplyOptions): Promise<ApplyCursor | null> {
  const cursor = { ...opts.cursor };
  for (; cursor.kindIndex < OP_ORDER.length; cursor.kindIndex++, cursor.chunk = 0) {
    const kind = OP_ORDER[cursor.kindIndex];
    const total = opts.chunks[kind] ?? 0;
    const inFlight = new Map<number, Promise<{ chunk: number; result: ChunkResult }>>();
    let next = cursor.chunk;
    let pause = false;
    while (next < total || inFlight.size > 0) {
      const stopped = kind === 'create' && cursor.createsStopped;
      if (!pause && !stopped && inFlight.size === 0) pause = opts.shouldPause();
      while (!pause && !stopped && next < total && inFlight.size < opts.concurrency) {
        const chunk = next++;
        inFlight.set(chunk, applyChunk({ runId: opts.runId, kind, chunk, actor: opts.actor, adopt: opts.adopt }).then((result) => ({ chunk, result })));
        pause = opts.shouldPause();
      }
      if (inFlight.size === 0) break;
      const { chunk, result } = await Promise.race(inFlight.values());
      inFlight.delete(chunk);
      addChunk(opts.tally, result);
      if (result.licenseExhausted) cursor.createsStopped = true;
      opts.onChunk(result);
    }
    cursor.chunk = next;
    if (kind === 'create' && cursor.createsStopped && cursor.chunk < total) {
      // The license pool ran out: the remaining creates cannot succeed. Mark them, don't call Zoom.
      await skipPendingOps({ runId: opts.runId, kind, reason: 'license_exhausted' });
      cursor.chunk = total;
    }
    if (cursor.chunk < total) return cursor;
  }
  return null;
}

/** The loop before the sliding window: batches of `concurrency` chunks (kept for replay). */
async function applyInBatches(opts: ApplyOptions): Promise<ApplyCursor | null> {
  const cursor = { ...opts.cursor };
  for (; cursor.kindIndex < OP_ORDER.length; cursor.kindIndex++, cursor.chunk = 0) {
    const kind = OP_ORDER[cursor.kindIndex];
    const total = opts.chunks[kind] ?? 0;
    while (cursor.chunk < total) {
      if (kind === 'create' && cursor.createsStopped) {
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

/** applyOps counting done ops into a progress record and pausing when the history is long. */
export function applyWithProgress(progress: { done: Partial<Record<OpKind, number>> }, opts: Omit<ApplyOptions, 'onChunk' | 'shouldPause'>): Promise<ApplyCursor | null> {
  return applyOps({
    ...opts,
    onChunk: (r) => {
      progress.done[r.kind] = (progress.done[r.kind] ?? 0) + r.ops;
    },
    shouldPause: historyIsLong,
  });
}

/** History is getting long: hand over to a fresh run before Temporal's limits are near. */
export function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > 8000;
}
