/**
 * The worker's Prometheus metrics: one module-level registry (the prom-client norm), the metrics
 * the product's events feed (./events.ts), and the process's default metrics (process_*, nodejs_*).
 * Names follow Prometheus conventions: `zcc_sync_` prefix, base units (seconds), counters end in
 * `_total`, and every label has a bounded set of values — run and op kinds, outcomes, statuses,
 * endpoint path templates, rate labels. No label ever carries an email, a name or an id.
 * The gauges read from the store at scrape time are in ./store-gauges.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSink } from './events';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];

export const runsStarted = new Counter({
  name: 'zcc_sync_runs_started_total',
  help: 'Runs started, by kind (reconcile, plan, assign, edit, remove). A retried start counts once.',
  labelNames: ['kind'] as const,
  registers,
});

export const runsFinished = new Counter({
  name: 'zcc_sync_runs_finished_total',
  help: 'Runs that reached a final status, by kind and status (completed, failed, cancelled, rejected, expired, skipped). Counted once per run.',
  labelNames: ['kind', 'status'] as const,
  registers,
});

export const runDuration = new Histogram({
  name: 'zcc_sync_run_duration_seconds',
  help: 'Wall time of finished runs, from the workflow start to the final status, by kind and status.',
  labelNames: ['kind', 'status'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800],
  registers,
});

export const opsTotal = new Counter({
  name: 'zcc_sync_ops_total',
  help: 'Ops (one change to one user) that reached an outcome, by op kind and outcome (done, already, not_zoom_user, failed, skipped, license_exhausted).',
  labelNames: ['kind', 'outcome'] as const,
  registers,
});

export const licenseExhausted = new Counter({
  name: 'zcc_sync_license_exhausted_total',
  help: 'Users who could not be given a license because the account had none left of the package.',
  registers,
});

export const zoomRequests = new Counter({
  name: 'zcc_sync_zoom_requests_total',
  help: 'Requests sent to the Zoom Contact Center API (retries included, token requests not), by endpoint ("METHOD /path/template") and HTTP status ("error": no answer).',
  labelNames: ['endpoint', 'status'] as const,
  registers,
});

export const zoomRateLimited = new Counter({
  name: 'zcc_sync_zoom_rate_limited_total',
  help: 'HTTP 429 answers from the Zoom API, by rate label (light, medium, heavy).',
  labelNames: ['label'] as const,
  registers,
});

export const governorWait = new Histogram({
  name: 'zcc_sync_zoom_governor_wait_seconds',
  help: 'Time a Zoom API call waited for the rate governor before it was sent, by rate label.',
  labelNames: ['label'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers,
});

export const directoryUsersRead = new Counter({
  name: 'zcc_sync_directory_users_read_total',
  help: 'Users of the mapped groups read from the directory, summed over completed reads.',
  registers,
});

export const directoryUsers = new Gauge({
  name: 'zcc_sync_directory_users',
  help: 'Users of the mapped groups in the last completed directory read.',
  registers,
});

export const directoryReadDuration = new Histogram({
  name: 'zcc_sync_directory_read_duration_seconds',
  help: 'Time of completed directory reads (mapped groups, their users, nested groups).',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers,
});

export const directoryReadFailures = new Counter({
  name: 'zcc_sync_directory_read_failures_total',
  help: 'Directory reads that failed (connection, bind, a mapped group missing, size or time limit).',
  registers,
});

export const deltaPolls = new Counter({
  name: 'zcc_sync_delta_polls_total',
  help: 'Delta polls by outcome: idle (nothing that concerns ZCC changed), busy (another reconcile was writing), full (fell back to a full reconcile), run (a delta run started).',
  labelNames: ['outcome'],
  registers,
});

export const deltaPollDuration = new Histogram({
  name: 'zcc_sync_delta_poll_duration_seconds',
  help: 'Time of a delta poll: the change marker, and when it moved the membership and changed users read and compared with the mirror.',
  labelNames: ['outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

/** The sink the worker installs: each event to its metric. */
export const prometheusSink: MetricsSink = {
  runStarted: (kind) => runsStarted.inc({ kind }),
  runFinished: (kind, status, seconds) => {
    runsFinished.inc({ kind, status });
    runDuration.observe({ kind, status }, seconds);
  },
  opsSettled: (kind, outcome, count) => {
    opsTotal.inc({ kind, outcome }, count);
    if (outcome === 'license_exhausted') licenseExhausted.inc(count);
  },
  zoomRequest: (endpoint, status) => zoomRequests.inc({ endpoint, status }),
  zoomRateLimited: (label) => zoomRateLimited.inc({ label }),
  governorWait: (label, seconds) => governorWait.observe({ label }, seconds),
  directoryRead: (users, seconds) => {
    directoryUsersRead.inc(users);
    directoryUsers.set(users);
    directoryReadDuration.observe(seconds);
  },
  directoryReadFailed: () => directoryReadFailures.inc(),
  deltaPoll: (outcome, seconds) => {
    deltaPolls.inc({ outcome });
    deltaPollDuration.observe({ outcome }, seconds);
  },
};
