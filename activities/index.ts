/**
 * All activities, built by one factory from their dependencies (Temporal's samples pattern):
 * the worker creates the dependencies once and registers the returned object.
 */
import { healthPing } from './health';
import { createApplyActivities } from './apply';
import { createReconcileActivities } from './reconcile';
import { createAdminActivities } from './admin-job';
import { createScopedReconcileActivities } from './scoped-reconcile';
import type { ActivityDeps } from './deps';

export type { ActivityDeps };

/** Every activity the worker registers, by the name workflows call it. */
export function createActivities(deps: ActivityDeps) {
  return {
    healthPing,
    ...createApplyActivities(deps),
    ...createReconcileActivities(deps),
    ...createAdminActivities(deps),
    ...createScopedReconcileActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
