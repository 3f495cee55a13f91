/**
 * Workflow and schedule ids, derived from the task queue so that two deployments sharing a
 * Temporal namespace (or parallel test runs) never join each other's runs. With the default task
 * queue `zcc-sync` they read `zcc-sync-reconcile`, `zcc-sync-reconcile-scheduled`, and for delta
 * and on-demand runs `zcc-sync-reconcile-delta` (the delta schedule), `zcc-sync-delta-scheduled`,
 * `zcc-sync-delta-cli-<uuid>` and `zcc-sync-sync-<runId>`.
 */
import type { Config } from '../config/schema';

/** Admin-triggered reconciles share this id (USE_EXISTING): a second `apply` joins the running one. */
export const reconcileWorkflowId = (config: Config) => `${config.temporal.taskQueue}-reconcile`;
export const scheduleId = (config: Config) => `${config.temporal.taskQueue}-reconcile`;
export const scheduledWorkflowId = (config: Config) => `${config.temporal.taskQueue}-reconcile-scheduled`;

/** The second schedule: a delta reconcile every `schedule.delta.every`. */
export const deltaScheduleId = (config: Config) => `${scheduleId(config)}-delta`;
/** Temporal appends the tick's time to a scheduled workflow's id. */
export const deltaScheduledWorkflowId = (config: Config) => `${config.temporal.taskQueue}-delta-scheduled`;
/** `zcc-sync apply --delta`: one id per request (a delta that finds another reconcile busy just ends). */
export const deltaCliWorkflowId = (config: Config, uuid: string) => `${config.temporal.taskQueue}-delta-cli-${uuid}`;
/** `zcc-sync users sync`: the run id is chosen by the CLI, which wrote the run's scope under it. */
export const syncWorkflowId = (config: Config, runId: string) => `${config.temporal.taskQueue}-sync-${runId}`;
