/**
 * What `zcc-sync worker` does (its options: client/commands/worker.ts): runs the daemon in the
 * foreground until SIGINT/SIGTERM.
 */
import { runWorker } from '../../worker/main';
import { TemporalAddressError } from '../../src/temporal/connection';
import { EXIT_BAD_INPUT, EXIT_FAILED, fail, loadConfigOrExit, printError, setExitCode, type ConfigOptions } from '../common';

export interface WorkerOptions extends ConfigOptions {
  workflowBundle?: string;
}

export async function worker(opts: WorkerOptions): Promise<void> {
  const { config } = loadConfigOrExit(opts);
  try {
    await runWorker({ config, workflowBundlePath: opts.workflowBundle });
  } catch (err) {
    // No Temporal address at all is a config problem (exit 2); anything else is a failure (1).
    if (err instanceof TemporalAddressError) fail(err.message, EXIT_BAD_INPUT);
    printError(err, config);
    setExitCode(EXIT_FAILED);
  }
}
