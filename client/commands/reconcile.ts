/**
 * `zcc-sync plan` and `zcc-sync apply`: preview and run a reconcile (client/actions/reconcile.ts).
 * `apply --delta` runs one delta reconcile (only what changed in the directory since the last run).
 * Exit codes of apply: 0 completed (or, with --delta, idle or busy), 1 failed, 3 held for approval, 2 bad input.
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import type { ApplyOptions, PlanOptions } from '../actions/reconcile';

/** Loaded when plan or apply runs, not at start-up: it brings the Temporal client and the store. */
const actions = () => import('../actions/reconcile');

export function register(program: Command): void {
  const plan = program.command('plan').description('preview a reconcile: what apply would change (changes nothing)').option('--as <name>', 'who asks, for the audit log');
  withJsonOption(withConfigOption(plan)).action(async (opts: PlanOptions) => (await actions()).plan(opts));

  const apply = program
    .command('apply')
    .description('run a reconcile now: plan, guard, apply; waits and prints the report (exit 0 completed, 1 failed, 3 held)')
    .option('-y, --yes', 'do not ask for confirmation (required when not in a terminal)')
    .option('--delta', 'run one delta reconcile instead: only the users who changed in the directory since the last run, applied without asking, as the delta schedule does')
    .option('--no-wait', 'print the workflow id and return at once')
    .option('--as <name>', 'who asks, for the audit log');
  withJsonOption(withConfigOption(apply)).action(async (opts: ApplyOptions) => (await actions()).apply(opts));
}
