/**
 * Workflow and schedule ids, derived from the task queue so that two deployments sharing a
 * Temporal namespace (or parallel test runs) never join each other's runs. With the default task
 * queue `zcc-sync` they read `zcc-sync-reconcile`, `zcc-sync-reconcile-scheduled`.
 */
import type { Config } from '../config/schema';

/** Admin-triggered reconciles share this id (USE_EXISTING): a second `apply` joins the running one. */
export const reconcileWorkflowId = (config: Config) => `${config.temporal.taskQueue}-reconcile`;
export const scheduleId = (config: Config) => `${config.temporal.taskQueue}-reconcile`;
export const scheduledWorkflowId = (config: Config) => `${config.temporal.taskQueue}-reconcile-scheduled`;
