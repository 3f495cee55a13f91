/**
 * `zcc-sync config check`: validates the config (exit 2 when invalid), then tests each
 * connection it names, one line per check (client/actions/config.ts).
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption, type ConfigOptions, type JsonOptions } from '../common';

/** Loaded when the check runs, not at start-up: it brings the Temporal, LDAP, SMTP and Zoom clients. */
const actions = () => import('../actions/config');

export function register(program: Command): void {
  const group = program.command('config').description('check the configuration and the connections it names');
  const check = group
    .command('check')
    .description('validate the config (exit 2 when invalid), then test Temporal, LDAP, SMTP and ZCC (exit 1 when one fails)');
  withJsonOption(withConfigOption(check)).action(async (opts: ConfigOptions & JsonOptions) => (await actions()).check(opts));
}
