/**
 * `zcc-sync worker`: runs the daemon in the foreground until SIGINT/SIGTERM (client/actions/worker.ts).
 */
import type { Command } from 'commander';
import { withConfigOption } from '../common';
import type { WorkerOptions } from '../actions/worker';

/** Loaded when the worker starts, not at start-up of every command: it brings the Temporal worker. */
const actions = () => import('../actions/worker');

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('run the worker (the daemon): executes reconciles and admin jobs from Temporal; stops gracefully on SIGINT/SIGTERM')
    .option('--workflow-bundle <file>', 'use a prebuilt workflow bundle instead of bundling workflows/ at start');
  withConfigOption(cmd).action(async (opts: WorkerOptions) => (await actions()).worker(opts));
}
