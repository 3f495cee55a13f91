/**
 * What every CLI command needs: the `--config` option, loading the config with the documented
 * exit code 2 for bad config, printing errors without secrets, `--json` output, asking in a
 * terminal, and the message of a failed workflow.
 *
 * Exit codes: 0 success, 1 the operation failed (a server said no, a connection failed),
 * 2 bad input (usage, config). Commands signal 2 by throwing `CliExit`, which main maps to 2.
 *
 * Command definitions (client/commands/) import this module at start-up, so it must stay light:
 * the config loader and the secrets list pull in zod and yaml (~250 ms), and are required only
 * when a command reads a config or prints an error with one.
 */
import * as readline from 'readline';
import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../src/config/errors';
import type { LoadedConfig } from '../src/config/load';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Ends the command with an exit code, the message already printed. main() turns it into the code. */
export class CliExit extends CommanderError {
  constructor(exitCode: number, message: string) {
    super(exitCode, 'zcc-sync.exit', message);
  }
}

export interface ConfigOptions {
  config?: string;
}

export interface JsonOptions {
  json?: boolean;
}

/** Adds `-c, --config <file>` to a command. */
export function withConfigOption(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'config file (default: $ZCC_SYNC_CONFIG, else ./zcc-sync.yaml, else built-in defaults)');
}

/** Adds `--json` (machine-readable output on stdout) to a command. */
export function withJsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print the result as JSON');
}

/**
 * Loads the config named by `--config` (or the usual places). A bad config prints every problem
 * to stderr and ends the command with exit code 2.
 */
export function loadConfigOrExit(opts: ConfigOptions, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const { loadConfigWithSource } = require('../src/config/load') as typeof import('../src/config/load');
  try {
    return loadConfigWithSource({ path: opts.config, env });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, EXIT_BAD_INPUT);
    throw err;
  }
}

/** Prints `zcc-sync: <message>` to stderr and ends the command with `code`. */
export function fail(message: string, code: number = EXIT_BAD_INPUT): never {
  printError(message);
  throw new CliExit(code, message);
}

/** Prints an error to stderr, scrubbed of the config's secret values when a config is known. */
export function printError(err: unknown, config?: unknown): void {
  const text = err instanceof Error ? err.message : String(err);
  let safe = text;
  if (config) {
    const { collectSecretValues } = require('../src/config/secrets') as typeof import('../src/config/secrets');
    const { redactSecrets } = require('../src/log/redact') as typeof import('../src/log/redact');
    safe = redactSecrets(text, collectSecretValues(config));
  }
  process.stderr.write(`zcc-sync: ${safe}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Pretty-printed JSON on stdout, for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Sets the exit code of a command that finished without throwing (e.g. 1 when a check failed). */
export function setExitCode(code: number): void {
  process.exitCode = code;
}

/** Asks on the terminal (the question on stderr, so stdout stays the command's output); true only for "yes". */
export function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => rl.question(question, (answer) => {
    rl.close();
    resolve(answer.trim().toLowerCase() === 'yes');
  }));
}

/**
 * The message of a workflow's failure: a WorkflowFailedError says only "Workflow execution
 * failed"; the reason is its cause (the activity's or workflow's own error).
 */
export function errorText(error: unknown): string {
  const e = error as { cause?: { message?: string }; message?: string } | undefined;
  return e?.cause?.message ?? e?.message ?? String(error);
}
