/**
 * The Temporal side of every activity: heartbeats, and bad input turned into a failure Temporal
 * does not retry. Product code (src/) knows neither; activities wrap it with these.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { InputError } from '../src/domain/errors';

/** The current activity's heartbeat. */
export const heartbeat = (details: unknown): void => Context.current().heartbeat(details);

/** The heartbeat when called inside an activity; nothing elsewhere (CLI tools, tests). */
export function heartbeatIfActivity(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity: nothing to heartbeat */
  }
}

/** Runs a step; an InputError fails the activity for good (type `InputError`), anything else is retried. */
export async function failFastOnBadInput<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof InputError) throw ApplicationFailure.nonRetryable(err.message, 'InputError');
    throw err;
  }
}
