/**
 * Waiting for a workflow from the CLI: polls its `progress` query and draws a one-line bar on
 * stderr when stderr is a TTY (nothing otherwise, so scripts and --json stay clean).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type Progress } from '../workflows/definitions';
import { OP_ORDER } from '../src/domain/types';

export interface WaitOptions {
  /** Stop waiting (without an error) when this returns true for a progress snapshot. */
  until?: (p: Progress) => boolean;
  intervalMs?: number;
}

export type WaitOutcome<T> = { kind: 'result'; result: T } | { kind: 'stopped'; progress: Progress } | { kind: 'error'; error: unknown };

export async function waitWithProgress<T>(handle: WorkflowHandle, opts: WaitOptions = {}): Promise<WaitOutcome<T>> {
  const tty = Boolean(process.stderr.isTTY);
  let settled: WaitOutcome<T> | null = null;
  const resultPromise = handle.result().then(
    (result) => (settled = { kind: 'result', result: result as T }),
    (error: unknown) => (settled = { kind: 'error', error }),
  );
  try {
    while (!settled) {
      try {
        const p = await handle.query(progressQuery);
        if (tty) drawBar(p);
        if (opts.until?.(p)) return { kind: 'stopped', progress: p };
      } catch {
        /* the workflow may not have started its first task yet, or just finished */
      }
      await Promise.race([resultPromise, sleep(opts.intervalMs ?? 500)]);
    }
    return settled;
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
}

function drawBar(p: Progress): void {
  let done = 0;
  let total = 0;
  for (const k of OP_ORDER) {
    done += p.done[k] ?? 0;
    total += p.total[k] ?? 0;
  }
  const width = 30;
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  const bar = p.phase === 'applying' ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ops` : '';
  process.stderr.write(`\r\x1b[K${p.runId} ${p.phase}${bar}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
