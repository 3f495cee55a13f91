/**
 * `zcc-sync worker` as a real child process (for tests that SIGKILL it), and a polling wait.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI } from './cli';
import { testStack } from './stack';

const started: ChildProcess[] = [];

/** Starts the compiled worker on `configFile` with the run's workflow bundle; logs to `<dir>/worker-<tag>.log`. */
export function startWorkerProcess(configFile: string, dir: string, tag: string): ChildProcess {
  const log = fs.openSync(path.join(dir, `worker-${tag}.log`), 'a');
  const child = spawn(process.execPath, [CLI, 'worker', '--config', configFile, '--workflow-bundle', testStack().workflowBundlePath], {
    stdio: ['ignore', log, log],
    env: { ...process.env, LOG_FORMAT: 'json' },
  });
  fs.closeSync(log);
  started.push(child);
  return child;
}

/** Kills every worker process a test started that still runs (afterAll). */
export function killWorkerProcesses(): void {
  for (const w of started) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
}

/** Polls `check` until it is true; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
