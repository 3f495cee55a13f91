/**
 * `zcc-sync worker`: runs the daemon in the foreground until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { runWorker } from '../../worker/main';
import { TemporalAddressError } from '../../src/temporal/connection';
import { EXIT_BAD_INPUT, EXIT_FAILED, fail, loadConfigOrExit, printError, setExitCode, withConfigOption, type ConfigOptions } from '../common';

interface WorkerOptions extends ConfigOptions {
  workflowBundle?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('run the worker (the daemon): executes reconciles and admin jobs from Temporal; stops gracefully on SIGINT/SIGTERM')
    .option('--workflow-bundle <file>', 'use a prebuilt workflow bundle instead of bundling workflows/ at start');
  withConfigOption(cmd).action(async (opts: WorkerOptions) => {
    const { config } = loadConfigOrExit(opts);
    try {
      await runWorker({ config, workflowBundlePath: opts.workflowBundle });
    } catch (err) {
      // No Temporal address at all is a config problem (exit 2); anything else is a failure (1).
      if (err instanceof TemporalAddressError) fail(err.message, EXIT_BAD_INPUT);
      printError(err, config);
      setExitCode(EXIT_FAILED);
    }
  });
}
