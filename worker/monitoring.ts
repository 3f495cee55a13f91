/**
 * What the worker does for its operators besides running workflows: the metrics and health
 * listener (when `worker.metrics.listen` is set; prom-client is loaded only then) and the
 * staleness alarm (always: it needs only the store and the mailer). Started once the store is
 * open; `attach` hands it the Temporal connection and the worker for /readyz once they exist.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../src/config/schema';
import { collectSecretValues } from '../src/config/secrets';
import { redactSecrets, type Logger } from '../src/log/logger';
import type { Mailer } from '../src/mail/mailer';
import type { Store } from '../src/store/db';
import type { MetricsServer } from './metrics-server';
import { checkReadiness } from './readiness';
import { startStalenessAlarm, STALENESS_CHECK_MS } from './staleness-alarm';

export interface MonitoringOptions {
  config: Config;
  db: Store;
  mailer: Mailer;
  logger: Logger;
  /** How often the staleness alarm checks (default 30 s; tests pass less). */
  stalenessCheckMs?: number;
}

export interface Monitoring {
  /** The metrics listener's bound address, when it runs. */
  metricsAddress?: string;
  attach(parts: { connection?: NativeConnection; worker?: Worker }): void;
  stop(): Promise<void>;
}

export async function startMonitoring(o: MonitoringOptions): Promise<Monitoring> {
  const { config, db, logger } = o;
  let connection: NativeConnection | undefined;
  let worker: Worker | undefined;
  const secrets = collectSecretValues(config);
  const scrub = (text: string) => redactSecrets(text, secrets);

  let server: MetricsServer | undefined;
  const listen = config.worker.metrics.listen;
  if (listen) {
    const [{ startMetricsServer }, { observeStore }] = await Promise.all([import('./metrics-server'), import('../src/metrics/store-gauges')]);
    observeStore({ db, config, onError: (err) => logger.warn({ err }, 'metrics: the store could not be read; store gauges keep their last values') });
    server = await startMetricsServer({
      listen,
      logger,
      readiness: () => checkReadiness({ db, connection: () => connection, worker: () => worker, scrub }),
    });
  }
  const alarm = startStalenessAlarm({ db, config, mailer: o.mailer, logger: logger.child({ component: 'staleness' }) }, o.stalenessCheckMs ?? STALENESS_CHECK_MS);

  return {
    metricsAddress: server?.address,
    attach(parts) {
      connection = parts.connection ?? connection;
      worker = parts.worker ?? worker;
    },
    async stop() {
      await alarm.stop();
      await server?.close();
      if (listen) (await import('../src/metrics/store-gauges')).observeStore(null);
    },
  };
}
