/**
 * Counting API calls per unit of work (e.g. one apply chunk) while other units run concurrently
 * in the same process: `countCalls(fn)` runs `fn` in its own async context and returns the calls
 * made inside it, by endpoint (`METHOD /template`, the emulator's stats keys). Every request sent
 * counts, retries included (each one uses rate budget); token requests do not. Nested counters
 * all see the calls made inside them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type CallCounts = Record<string, number>;

const counters = new AsyncLocalStorage<CallCounts[]>();

export async function countCalls<T>(fn: () => Promise<T>): Promise<{ value: T; calls: CallCounts }> {
  const calls: CallCounts = {};
  const value = await counters.run([...(counters.getStore() ?? []), calls], fn);
  return { value, calls };
}

/** Called by the request core for every request it sends. */
export function recordCall(method: string, pathTemplate: string): void {
  const stack = counters.getStore();
  if (!stack) return;
  const key = `${method} ${pathTemplate}`;
  for (const c of stack) c[key] = (c[key] ?? 0) + 1;
}
