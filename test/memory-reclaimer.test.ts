/** The worker's memory reclaimer: collects when the used heap grows by its step, never when idle. */
import { startMemoryReclaimer } from '../worker/memory-reclaimer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an idle process is never collected', async () => {
  const reclaimer = startMemoryReclaimer({ intervalMs: 10, stepMb: 1024, heapStepMb: 64 });
  try {
    await sleep(200);
    expect(reclaimer.collections()).toBe(0);
  } finally {
    reclaimer.stop();
  }
});

test('a heap that grows by the step is collected; without growth, no further collection', async () => {
  const reclaimer = startMemoryReclaimer({ intervalMs: 10, stepMb: 1024, heapStepMb: 8 });
  try {
    // ~24 MB of small objects kept alive until the reclaimer has looked, then dropped.
    let held: Array<{ i: number; s: string }> | null = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `user-${i}@example.com` }));
    await sleep(100);
    expect(held.length).toBe(300_000);
    const before = reclaimer.collections();
    expect(before).toBeGreaterThanOrEqual(1);
    held = null;
    await sleep(100);
    expect(reclaimer.collections()).toBe(before); // nothing grew since: no more collections
  } finally {
    reclaimer.stop();
  }
});
