/**
 * All activities, built by one factory from their dependencies (Temporal's samples pattern):
 * the worker creates the dependencies once and registers the returned object.
 */
import type { Knex } from 'knex';
import type { Config } from '../src/config/schema';
import type { Logger } from '../src/log/logger';
import type { ZoomCcClient } from '../src/zoom';
import { healthPing } from './health';
import { createApplyActivities } from './apply';
import { createReconcileActivities } from './reconcile';
import { createAdminActivities } from './admin-job';
import type { Notifier } from './notify';

/** What activities get from the worker: long-lived connections, created once per process. */
export interface ActivityDeps {
  config: Config;
  logger: Logger;
  db: Knex;
  /** One client (and so one rate governor) per process: Zoom's limits are per account. */
  zoom: ZoomCcClient;
  notify: Notifier;
  /** Another reconcile that is still running, or null (see activities/run-lock.ts). */
  otherActiveReconcile(runId: string): Promise<string | null>;
}

/** Every activity the worker registers, by the name workflows call it. */
export function createActivities(deps: ActivityDeps) {
  return {
    healthPing,
    ...createApplyActivities(deps),
    ...createReconcileActivities(deps),
    ...createAdminActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
