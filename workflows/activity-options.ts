/**
 * Timeouts and retry policies shared by the reconcile and admin-job workflows, one set per kind
 * of activity. Types only from the SDK: safe in workflow code.
 */
import type { ActivityOptions } from '@temporalio/workflow';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** Reading the directory or ZCC: an outage fails the run after a few tries (nothing has changed yet). */
export const READS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { ...retry, maximumAttempts: 4, nonRetryableErrorTypes: ['InputError'] },
};

/** Store bookkeeping (begin, plan, finish): retried until it succeeds, except on bad input.
 *  No heartbeat timeout: planning 100k users is one long local computation. */
export const BOOKKEEPING: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { ...retry, nonRetryableErrorTypes: ['InputError'] },
};

/** Email delivery: a relay outage must not fail or block a run; unsent mail stays in the outbox
 *  and goes out with a later delivery. deliver() heartbeats after every message. */
export const MAIL: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { ...retry, maximumAttempts: 5 },
};
