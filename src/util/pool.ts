/**
 * A bounded pool: runs an async function over a list with at most `concurrency` calls in flight.
 *
 * Items start in list order, each as soon as a lane is free. The LDAP member lookups, the Zoom
 * batch helpers, the outbox's delivery lanes and the admin job's user searches all use it.
 *
 * When a call throws, no further item starts; the calls already running are awaited (so nothing
 * is left running behind the caller's back, and a caller that reports what was done so far sees
 * their effects), then the first error is rethrown.
 */

export interface PoolOptions {
  /**
   * Checked before each item starts: once it returns true, no further item starts and the pool
   * resolves when the running ones finish. For a failure that is not an error of one item (the
   * outbox stops when the mail relay itself is down).
   */
  stopWhen?: () => boolean;
}

/**
 * Calls `fn` on each item, at most `concurrency` at a time (at least 1). Resolves when every item
 * has run (or the pool stopped); rejects with the first error once the running calls have settled.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  options: PoolOptions = {},
): Promise<void> {
  const { stopWhen } = options;
  let next = 0;
  // Boxed, so a thrown `undefined` still counts as a failure.
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length && !stopWhen?.()) {
      const index = next++;
      try {
        await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.min(items.length, Math.max(1, Math.floor(concurrency) || 1));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure.error;
}
