/**
 * `zcc-sync demo`: the whole product on the embedded stack in one command (client/actions/demo.ts).
 * Starts the dev stack (Temporal with its Web UI, slapd with ~300 sample users in 4 groups, the
 * SMTP capture server, the ZCC emulator with a matching Zoom account, a worker), shows the plan,
 * applies it with progress, prints the report and the emails received, and leaves the stack running.
 */
import type { Command } from 'commander';
import { withJsonOption } from '../common';
import type { DemoOptions } from '../actions/demo';

/** Loaded when the demo runs, not at start-up: it brings the whole dev stack. */
const actions = () => import('../actions/demo');

export function register(program: Command): void {
  withJsonOption(
    program
      .command('demo')
      .description('run the whole product on the embedded stack: start it, plan, apply, show the report and the emails')
      .option('--state-dir <dir>', 'state directory (default .state)')
      .option('--reset', 'start from the pristine sample directory and Zoom account and an empty Temporal history'),
  ).action(async (opts: DemoOptions) => (await actions()).demo(opts));
}
