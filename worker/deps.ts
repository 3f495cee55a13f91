/**
 * The worker's long-lived dependencies, created once per process and handed to the activities:
 * the store, the Zoom client (one rate governor per process), the mailer and a Temporal client
 * for the run lock. close() releases them in reverse order.
 */
import { Client, Connection } from '@temporalio/client';
import type { ActivityDeps } from '../activities';
import { heartbeatIfActivity } from '../activities/context';
import { createNotifier } from '../src/mail/notifier';
import { otherActiveReconcile, type WorkflowState } from '../src/runs/lock';
import type { Config } from '../src/config/schema';
import type { Logger } from '../src/log/logger';
import { createMailer } from '../src/mail';
import type { Mailer } from '../src/mail/mailer';
import { closeStore, openStore, sqliteFilename } from '../src/store/db';
import { temporalConnectionOptions } from '../src/temporal/connection';
import { createZoomClient } from '../src/zoom';

export interface WorkerDeps {
  deps: ActivityDeps;
  /** The process's mailer, for mail the worker sends outside activities (the staleness alarm). */
  mailer: Mailer;
  close(): Promise<void>;
}

export async function createWorkerDeps(config: Config, logger: Logger): Promise<WorkerDeps> {
  // Opening the store runs the migrations: a worker brings the schema up to date on start.
  const db = await openStore(config);
  // The pg connection string may hold a password: only the SQLite file name is logged.
  const where = config.store.client === 'sqlite3' ? { file: sqliteFilename(config) } : {};
  logger.info({ store: config.store.client, ...where }, 'store ready (migrations applied)');
  const zoom = createZoomClient(config.contactCenter, logger.child({ component: 'zoom' }));
  const mailer = createMailer(config.email, logger.child({ component: 'mail' }));
  const notify = createNotifier({ db, config, mailer, logger, heartbeat: heartbeatIfActivity });
  let temporal: Connection | null = null;
  const describe = async (workflowId: string): Promise<WorkflowState> => {
    try {
      temporal ??= await Connection.connect(temporalConnectionOptions(config));
      const client = new Client({ connection: temporal, namespace: config.temporal.namespace });
      // The latest execution of the id: a run that continued as new is still the same reconcile.
      const d = await client.workflow.getHandle(workflowId).describe();
      return d.status.name === 'RUNNING' ? 'running' : 'closed';
    } catch (err) {
      logger.warn({ workflowId, err: (err as Error).message }, 'could not describe a reconcile workflow');
      return 'unknown';
    }
  };
  return {
    deps: { config, logger, db, zoom, notify, otherActiveReconcile: (runId) => otherActiveReconcile(db, describe, runId) },
    mailer,
    close: async () => {
      mailer.close();
      await temporal?.close();
      await closeStore(db);
    },
  };
}
