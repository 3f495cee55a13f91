/**
 * `zcc-sync console`: the web console (console/), a process of its own like the CLI: it starts
 * workflows and reads the store and ZCC, and never changes ZCC itself.
 */
import type { Command } from 'commander';
import { withConfigOption } from '../common';
import type { ConsoleOptions } from '../actions/console';

/** Loaded when the console starts: Fastify and its plugins are not needed by other commands. */
const actions = () => import('../actions/console');

export function register(program: Command): void {
  const cmd = program
    .command('console')
    .description('serve the web console (users, runs, approvals, schedule) until SIGINT/SIGTERM; sign in with directory credentials')
    .option('--listen <host:port>', 'where to listen (default: console.listen, 127.0.0.1:8080)')
    .option('--trust-proxy', 'behind a reverse proxy that terminates TLS: trust its X-Forwarded-* headers');
  withConfigOption(cmd).action(async (opts: ConsoleOptions) => (await actions()).serveConsole(opts));
}
