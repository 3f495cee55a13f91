/**
 * How every run's workflow ends — reconcile or admin job — written once:
 *   - the run's body either completes, hands over to a fresh execution (continue-as-new),
 *     is cancelled, or fails;
 *   - cancelled or failed, the run is still finished: its report is written in a scope that a
 *     cancellation cannot interrupt, then its emails are delivered (a relay outage never fails a
 *     run: unsent mail stays in the outbox for a later delivery);
 *   - a failure ends the workflow as failed, not retried (its effects are in the report).
 * Only SDK calls and types: deterministic.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  type Workflow,
} from '@temporalio/workflow';

/** Ends the run with this status: writes its report (and delivers its emails), returns its result. */
export type FinishRun<R> = (status: 'cancelled' | 'failed', error: string) => Promise<R>;

/** Runs `body`; a cancellation or a failure still finishes the run through `finish`. */
export async function runToTheEnd<R>(label: string, finish: FinishRun<R>, body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) return await finish('cancelled', 'cancelled');
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    await finish('failed', message);
    throw ApplicationFailure.create({ message: `${label} failed: ${message}`, nonRetryable: true });
  }
}

/**
 * The report, which must be written even when the run was cancelled, then the delivery of its
 * emails (when there is one to make), whose failure never fails the run.
 */
export async function reportThenDeliver<R>(report: () => Promise<R>, deliver: (() => Promise<void>) | null): Promise<R> {
  const result = await CancellationScope.nonCancellable(report);
  if (deliver) await CancellationScope.nonCancellable(deliver).catch(() => undefined);
  return result;
}

/** Hands the run over to a fresh execution (history is long) once no update handler is running. */
export async function continueAsNewWhenIdle<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<F>(...args);
}
