/**
 * `zcc-sync directory preview`: what the directory read makes of the mapped groups — members,
 * disabled accounts, warnings — before any run (client/actions/directory.ts). Read-only.
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import type { PreviewOptions } from '../actions/directory';

/** Loaded when the command runs: it brings the LDAP client. */
const actions = () => import('../actions/directory');

export function register(program: Command): void {
  const group = program.command('directory').description('look at the directory as zcc-sync reads it (read-only)');
  const preview = group
    .command('preview')
    .description('for each mapped group: members that resolve, the first N with email and name, disabled accounts, every warning')
    .option('-n, --limit <n>', 'members to show per group', '10');
  withJsonOption(withConfigOption(preview)).action(async (opts: PreviewOptions) => (await actions()).preview(opts));
}
