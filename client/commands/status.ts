/**
 * `zcc-sync status [--json]`: one screen for an operator, and a check for cron or monitoring
 * (exit 0 all well, 1 something needs attention). client/actions/status.ts does the work.
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import type { StatusOptions } from '../actions/status';

/** Loaded when status runs, not at start-up: it brings the Temporal client and the store. */
const actions = () => import('../actions/status');

export function register(program: Command): void {
  withJsonOption(withConfigOption(program.command('status')))
    .description('last runs, schedule, held runs, failures, staleness, versions; exit 1 when something needs attention')
    .action(async (opts: StatusOptions) => (await actions()).status(opts));
}
