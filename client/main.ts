/**
 * zcc-sync: the one CLI entry. Each command group lives in client/commands/<group>.ts and
 * exports `register(program)`; this file only wires them together.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { commandGroups } from './commands';

/** The package's package.json: one level up from client/ in the sources, two from dist/client/. */
function packageJson(): { version: string } {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'zcc-sync') return pkg;
    }
    if (path.dirname(dir) === dir) return { version: '0.0.0-unknown' };
  }
}

export function buildProgram(): Command {
  const { version } = packageJson();
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
      // A command that ends itself with CliExit (client/common.ts) chose its own code.
      if (err.code === 'zcc-sync.exit') return err.exitCode;
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
