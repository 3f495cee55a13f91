/** What activities get from the worker: long-lived connections and services, created once per process. */
import type { RunServices } from '../src/runs/services';

export interface ActivityDeps extends RunServices {
  /** Another reconcile that is still running, or null (see src/runs/lock.ts). */
  otherActiveReconcile(runId: string): Promise<string | null>;
}
