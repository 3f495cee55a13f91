/**
 * zcc-sync: the one CLI entry. Each command group lives in client/commands/<group>.ts and
 * exports `register(program)`; this file only wires them together.
 */
import { Command, CommanderError } from 'commander';
import { commandGroups } from './commands';

export function buildProgram(): Command {
  const { version } = require('../package.json') as { version: string };
  const program = new Command('zcc-sync')
    .description('Keeps Zoom Contact Center users in step with an LDAP directory, as durable Temporal workflows.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commandGroups) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors are "bad input": exit 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
}

if (require.main === module || process.argv[1]?.endsWith('zcc-sync')) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`zcc-sync: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
