/**
 * `zcc-sync runs list | show RUN | approve RUN | reject RUN | cancel RUN` (client/actions/runs.ts).
 * RUN is a run id (or a unique prefix of one), or a workflow id (its latest run).
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import type { RunsOptions } from '../actions/runs';

/** Loaded when a runs command runs, not at start-up: it brings the Temporal client and the store. */
const actions = () => import('../actions/runs');

export function register(program: Command): void {
  const runs = program.command('runs').description('reconcile runs and admin jobs: list, show, approve or reject a held run, cancel');
  const sub = (name: string, description: string) => withJsonOption(withConfigOption(runs.command(name).description(description)));

  sub('list', 'recent runs, newest first').option('-n, --limit <n>', 'how many', '20')
    .action(async (opts: RunsOptions) => (await actions()).list(opts));
  sub('show <run>', 'one run: status, summary, outcomes, failures, warnings')
    .action(async (ref: string, opts: RunsOptions) => (await actions()).show(ref, opts));
  sub('approve <run>', 'let a held run apply its plan').option('--as <name>', 'who approves, for the audit log')
    .action(async (ref: string, opts: RunsOptions) => (await actions()).approve(ref, opts));
  sub('reject <run>', 'end a held run without changing anything').option('--as <name>', 'who rejects, for the audit log')
    .action(async (ref: string, opts: RunsOptions) => (await actions()).reject(ref, opts));
  sub('cancel <run>', 'cancel a running run (ops already applied stay applied)')
    .action(async (ref: string, opts: RunsOptions) => (await actions()).cancel(ref, opts));
}
