/**
 * Is this worker ready to do its job? `/readyz` asks three things at once, each bounded in time:
 * Temporal answers on the worker's own connection (GetSystemInfo), the store answers (one cheap
 * statement), and the worker polls its task queue (state RUNNING). Any "no" names what is down,
 * with the reason scrubbed of the config's secret values.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Store } from '../src/store/db';
import { storeResponds } from '../src/store/runs';

export type ReadinessCheck = 'temporal' | 'store' | 'worker';

export interface Readiness {
  ready: boolean;
  /** The checks that failed, e.g. ["temporal"]. */
  down: ReadinessCheck[];
  checks: Record<ReadinessCheck, { ok: boolean; detail: string }>;
}

export interface ReadinessTargets {
  db: Store;
  /** The worker's Temporal connection and the worker, once they exist. */
  connection(): NativeConnection | undefined;
  worker(): Worker | undefined;
  /** Removes secret values from error text. */
  scrub(text: string): string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;

function withTimeout<T>(what: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([what, late]).finally(() => clearTimeout(timer));
}

async function probe(fn: () => Promise<string>, ms: number, scrub: (t: string) => string): Promise<{ ok: boolean; detail: string }> {
  try {
    return { ok: true, detail: await withTimeout(fn(), ms) };
  } catch (err) {
    return { ok: false, detail: scrub((err as Error)?.message ?? String(err)) };
  }
}

export async function checkReadiness(t: ReadinessTargets): Promise<Readiness> {
  const ms = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const [temporal, store] = await Promise.all([
    probe(async () => {
      const connection = t.connection();
      if (!connection) throw new Error('not connected yet');
      await connection.withDeadline(Date.now() + ms, () => connection.workflowService.getSystemInfo({}));
      return 'reachable';
    }, ms, t.scrub),
    probe(async () => {
      await storeResponds(t.db);
      return 'reachable';
    }, ms, t.scrub),
  ]);
  const state = t.worker()?.getState() ?? 'not created yet';
  const worker = { ok: state === 'RUNNING', detail: state === 'RUNNING' ? 'polling' : `state ${state}` };
  const checks = { temporal, store, worker };
  const down = (Object.keys(checks) as ReadinessCheck[]).filter((k) => !checks[k].ok);
  return { ready: down.length === 0, down, checks };
}
