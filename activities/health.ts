/**
 * The health-check activity: proves a worker polls the task queue and runs activities.
 * Used by `zcc-sync config check` (through healthCheckWorkflow) and the Temporal test.
 */
import os from 'node:os';
import type { HealthPingResult } from '../src/domain/activities';

export type { HealthPingResult };

export async function healthPing(name: string): Promise<HealthPingResult> {
  return { reply: `pong ${name}`, host: os.hostname(), pid: process.pid };
}
