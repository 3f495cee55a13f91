/**
 * `zcc-sync dev up|down|status|mail`: the embedded local stack (Temporal with its UI, slapd with
 * the sample directory, the SMTP capture server, the ZCC emulator) for the demo and development
 * (client/actions/dev.ts).
 * Hidden helpers: `dev smtp-serve` (the SMTP server process `dev up` starts) and
 * `dev temporal-binary` (find or build the pinned Temporal CLI; used by tools/build-temporal.sh).
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import { DEFAULT_DEV_PORTS } from '../help-defaults';
import type { MailOptions, StackOptions, UpOptions } from '../actions/dev';

/** Loaded when a dev command runs, not at start-up: it brings the whole dev stack. */
const actions = () => import('../actions/dev');

function withStateDir(cmd: Command): Command {
  return withConfigOption(cmd).option('--state-dir <dir>', "state directory (default: the config's stateDir, .state)");
}

export function register(program: Command): void {
  const dev = program.command('dev').description('the embedded local stack for the demo and development (Temporal, slapd, SMTP, ZCC emulator, a worker)');

  withJsonOption(withStateDir(dev.command('up')))
    .description('start the local stack in the background and print its addresses')
    .option('--reset', 'rebuild the sample directory, forget Temporal history and put the emulated Zoom account back to the sample seed')
    .option('--temporal-port <port>', `Temporal gRPC port (default ${DEFAULT_DEV_PORTS.temporal}, or a free one when busy)`)
    .option('--ui-port <port>', `Temporal Web UI port (default ${DEFAULT_DEV_PORTS.temporalUi})`)
    .option('--ldap-port <port>', `LDAP port (default ${DEFAULT_DEV_PORTS.ldap})`)
    .option('--smtp-port <port>', `SMTP port (default ${DEFAULT_DEV_PORTS.smtp})`)
    .option('--emulator-port <port>', `ZCC emulator port (default ${DEFAULT_DEV_PORTS.emulator})`)
    .option('--no-worker', 'do not start a worker (run `zcc-sync worker` yourself)')
    .action(async (opts: UpOptions) => (await actions()).up(opts));

  withJsonOption(withStateDir(dev.command('status')))
    .description('show which parts of the local stack run (exit 1 when not all of them do)')
    .action(async (opts: StackOptions) => (await actions()).status(opts));

  withJsonOption(withStateDir(dev.command('down')))
    .description('stop exactly what `dev up` started')
    .action(async (opts: StackOptions) => (await actions()).down(opts));

  withJsonOption(withStateDir(dev.command('mail')))
    .description('list the most recent messages the SMTP capture server received')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--to <address>', 'only messages to this recipient')
    .action(async (opts: MailOptions) => (await actions()).mail(opts));

  dev
    .command('smtp-serve', { hidden: true })
    .description('run the SMTP capture server in the foreground (what `dev up` starts)')
    .requiredOption('--port <port>', 'port on 127.0.0.1 (0 = any free port)')
    .requiredOption('--dir <dir>', 'mailbox directory')
    .action(async (opts: { port: string; dir: string }) => (await actions()).smtpServe(opts));

  dev
    .command('temporal-binary', { hidden: true })
    .description('print the path of the pinned Temporal CLI, building it with Go into the cache when missing')
    .action(async () => (await actions()).temporalBinary());
}
