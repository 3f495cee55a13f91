/**
 * `zcc-sync emulator`: runs the ZCC emulator (emulator/) in the foreground until SIGINT/SIGTERM
 * (client/actions/emulator.ts). It prints its addresses first, so scripts and tests that start
 * it with `--port 0` can read the port it chose. The client secret it accepts is never printed.
 */
import type { Command } from 'commander';
import { DEFAULT_DEV_PORTS, EMULATOR_CREDENTIALS } from '../help-defaults';
import type { EmulatorCliOptions } from '../actions/emulator';

/** Loaded when the emulator starts, not at start-up: it brings the emulator's server and SQLite. */
const actions = () => import('../actions/emulator');

export function register(program: Command): void {
  program
    .command('emulator')
    .description('run the ZCC emulator (Zoom Contact Center API + OAuth token endpoint) until Ctrl-C')
    .option('--port <port>', `TCP port; 0 = any free port (printed)`, String(DEFAULT_DEV_PORTS.emulator))
    .option('--host <host>', 'address to listen on (keep it loopback)', '127.0.0.1')
    .option('--seed <file>', 'seed JSON: { accountUsers, roles, queues, licenses, ccUsers }')
    .option('--plan <plan>', 'rate-limit plan: pro | business', 'pro')
    .option('--time-scale <n>', "multiplies the plan's rates (fast benchmarks)", '1')
    .option('--faults <spec>', 'injected faults: compact "seed=7;*:errorRate=0.2;POST /contact_center/users/batch:burst429=3", JSON, or @file')
    .option('--db <file>', 'SQLite file for the state (default: in memory)')
    .option('--account-id <id>', 'the account id the token endpoint accepts', EMULATOR_CREDENTIALS.accountId)
    .option('--client-id <id>', 'the client id the token endpoint accepts', EMULATOR_CREDENTIALS.clientId)
    .option('--client-secret <secret>', 'the client secret the token endpoint accepts (default emulator-secret)', EMULATOR_CREDENTIALS.clientSecret)
    .option('--token-ttl <seconds>', 'access token lifetime', '3600')
    .option('--no-rate-limits', 'turn rate limiting off')
    .option('--json', 'print the addresses as one JSON line')
    .action(async (opts: EmulatorCliOptions) => (await actions()).emulator(opts));
}
