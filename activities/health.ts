/**
 * The health-check activity: proves a worker polls the task queue and runs activities.
 * Used by `zcc-sync config check` (through healthCheckWorkflow) and the Temporal test.
 */
import os from 'node:os';

export interface HealthPingResult {
  /** "pong <name>", so a caller can tell its own check from another. */
  reply: string;
  /** Which worker answered. */
  host: string;
  pid: number;
}

export async function healthPing(name: string): Promise<HealthPingResult> {
  return { reply: `pong ${name}`, host: os.hostname(), pid: process.pid };
}
