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

/**
 * Ends the process once stdout and stderr have flushed. Exiting at once (process.exit) when the
 * command resolved dropped what a pipe had not taken yet: `plan --json | …` of a 2,000-user plan
 * delivered 196,608 of ~900,000 bytes, with exit code 0. So: set the exit code and let the
 * process end on its own; when the output is out and something still keeps the event loop
 * alive (a library's leftover handle), exit anyway after FORCE_EXIT_MS.
 */
const FORCE_EXIT_MS = 200;

function finish(code: number): void {
  process.exitCode = code;
  void Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => {
    // unref: a process with nothing left to do exits without waiting for this timer.
    setTimeout(() => process.exit(code), FORCE_EXIT_MS).unref();
  });
}

/** Resolves once everything written to the stream so far is handed to the OS (or the stream is gone). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    // Writes complete in order: the callback of an empty write runs after all earlier writes.
    stream.write('', () => resolve());
  });
}

if (require.main === module || process.argv[1]?.endsWith('zcc-sync')) {
  // A reader that goes away (`zcc-sync runs list | head -1`) is not a failure: stop quietly, as
  // tools ended by SIGPIPE do, instead of dying of an unhandled EPIPE with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  main(process.argv).then(finish, (err: unknown) => {
    process.stderr.write(`zcc-sync: ${err instanceof Error ? err.message : String(err)}\n`);
    finish(1);
  });
}
