/**
 * healthCheckWorkflow: the smallest real round trip (client → server → worker's workflow →
 * activity → back). `config check` and the tests run it to prove a worker serves the task queue.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { HealthActivities, HealthPingResult } from '../src/domain/activities';

const { healthPing } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '10 seconds',
  // A health check should answer quickly or fail: no long retry loop hiding a dead worker.
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export async function healthCheckWorkflow(name: string): Promise<HealthPingResult> {
  return await healthPing(name);
}
