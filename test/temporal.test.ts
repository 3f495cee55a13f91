/**
 * A workflow calls an activity on a real worker, against the real Temporal dev server that
 * jest's globalSetup started (built from Go modules by devstack/temporal.ts when needed).
 */
import { healthCheckWorkflow } from '../workflows';
import { healthPing } from '../activities/health';
import { startTestWorker, testStack, uniqueId, type TestWorker } from './support/stack';

let tw: TestWorker;
let pings = 0;

beforeAll(async () => {
  tw = await startTestWorker({
    activities: {
      healthPing: async (name: string) => {
        pings++;
        return await healthPing(name);
      },
    },
  });
});

afterAll(async () => {
  await tw?.shutdown();
});

test('the dev server answers and reports its version', async () => {
  const info = await tw.client.connection.workflowService.getSystemInfo({});
  expect(info.serverVersion).toMatch(/^1\.\d+\.\d+/);
  expect(testStack().temporalAddress).toMatch(/:\d+$/);
});

test('healthCheckWorkflow runs its activity on this worker and returns the answer', async () => {
  const workflowId = uniqueId('health');
  const result = await tw.client.workflow.execute(healthCheckWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId,
    args: ['jest'],
    workflowExecutionTimeout: '60 seconds',
  });
  expect(result.reply).toBe('pong jest');
  expect(result.pid).toBe(process.pid); // this process's worker ran the activity
  expect(pings).toBe(1);

  // The server's history shows one scheduled and one completed activity, and a completed workflow.
  const history = await tw.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(1);
  expect(events.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(1);
  expect(events[events.length - 1]?.workflowExecutionCompletedEventAttributes).toBeTruthy();
});
