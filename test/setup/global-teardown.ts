/** jest globalTeardown: stops what globalSetup started and removes the run's directory. */
import { rm } from 'node:fs/promises';
import { takeStackStops } from '../support/stack-state';

export default async function globalTeardown(): Promise<void> {
  const state = takeStackStops();
  if (!state) return;
  // Stop in reverse start order; one failure must not leave the others running.
  const results = await Promise.allSettled([...state.stops].reverse().map((s) => s.stop()));
  await rm(state.runDir, { recursive: true, force: true });
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new Error(`test stack teardown: ${failed.map((f) => String(f.reason)).join('; ')}`);
}
