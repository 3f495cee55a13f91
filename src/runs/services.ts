/** The long-lived services a run's steps use, created once per worker process (worker/deps.ts). */
import type { Config } from '../config/schema';
import type { Logger } from '../log/logger';
import type { Notifier } from '../mail/notifier';
import type { Store } from '../store/db';
import type { ZoomCcClient } from '../zoom';

export interface RunServices {
  config: Config;
  logger: Logger;
  db: Store;
  /** One client (and so one rate governor) per process: Zoom's limits are per account. */
  zoom: ZoomCcClient;
  notify: Notifier;
}

/** Progress reporting of a long step (the activity heartbeat in the worker). */
export type Heartbeat = (details: unknown) => void;
