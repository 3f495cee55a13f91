/**
 * `zcc-sync dev up|down|status|mail`: the embedded local stack (Temporal with its UI, slapd with
 * the sample directory, the SMTP capture server, the ZCC emulator) for the demo and development.
 * Hidden helpers: `dev smtp-serve` (the SMTP server process `dev up` starts) and
 * `dev temporal-binary` (find or build the pinned Temporal CLI; used by tools/build-temporal.sh).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { devDir, devDown, devUp, describeStack, stackStatus, DEFAULT_DEV_PORTS, type DevPorts } from '../../devstack/stack';
import { ensureTemporalBinary, temporalVersion } from '../../devstack/temporal';
import { startSmtpServer, readMailbox } from '../../devstack/smtp';
import { EXIT_BAD_INPUT, EXIT_FAILED, fail, loadConfigOrExit, printJson, printLine, setExitCode, withConfigOption, withJsonOption, type ConfigOptions, type JsonOptions } from '../common';

interface StateDirOptions extends ConfigOptions {
  stateDir?: string;
}

function withStateDir(cmd: Command): Command {
  return withConfigOption(cmd).option('--state-dir <dir>', "state directory (default: the config's stateDir, .state)");
}

/** --state-dir, else the config's stateDir (already absolute), else ./.state. */
function stateDirOf(opts: StateDirOptions): string {
  if (opts.stateDir) return path.resolve(opts.stateDir);
  return loadConfigOrExit(opts).config.stateDir;
}

function portOption(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    fail(`${name}: got ${JSON.stringify(value)} — expected a TCP port 0–65535 (0 = any free port)`, EXIT_BAD_INPUT);
  }
  return n;
}

interface UpOptions extends StateDirOptions, JsonOptions {
  reset?: boolean;
  temporalPort?: string;
  uiPort?: string;
  ldapPort?: string;
  smtpPort?: string;
  emulatorPort?: string;
  worker: boolean;
}

export function register(program: Command): void {
  const dev = program.command('dev').description('the embedded local stack for the demo and development (Temporal, slapd, SMTP, ZCC emulator, a worker)');

  withJsonOption(withStateDir(dev.command('up')))
    .description('start the local stack in the background and print its addresses')
    .option('--reset', 'rebuild the sample directory and forget Temporal history')
    .option('--temporal-port <port>', `Temporal gRPC port (default ${DEFAULT_DEV_PORTS.temporal}, or a free one when busy)`)
    .option('--ui-port <port>', `Temporal Web UI port (default ${DEFAULT_DEV_PORTS.temporalUi})`)
    .option('--ldap-port <port>', `LDAP port (default ${DEFAULT_DEV_PORTS.ldap})`)
    .option('--smtp-port <port>', `SMTP port (default ${DEFAULT_DEV_PORTS.smtp})`)
    .option('--emulator-port <port>', `ZCC emulator port (default ${DEFAULT_DEV_PORTS.emulator})`)
    .option('--no-worker', 'do not start a worker (run `zcc-sync worker` yourself)')
    .action(async (opts: UpOptions) => {
      const stateDir = stateDirOf(opts);
      const ports: DevPorts = {};
      if (opts.temporalPort !== undefined) ports.temporal = portOption(opts.temporalPort, '--temporal-port');
      if (opts.uiPort !== undefined) ports.temporalUi = portOption(opts.uiPort, '--ui-port');
      if (opts.ldapPort !== undefined) ports.ldap = portOption(opts.ldapPort, '--ldap-port');
      if (opts.smtpPort !== undefined) ports.smtp = portOption(opts.smtpPort, '--smtp-port');
      if (opts.emulatorPort !== undefined) ports.emulator = portOption(opts.emulatorPort, '--emulator-port');
      const log = opts.json ? (line: string) => process.stderr.write(`${line}\n`) : printLine;
      const started = Date.now();
      const result = await devUp({ stateDir, ports, reset: opts.reset, worker: opts.worker, log });
      if (opts.json) {
        printJson({ alreadyRunning: result.already, ...result.stack });
        return;
      }
      printLine(result.already ? `The dev stack already runs (started ${result.stack.startedAt}); nothing started.` : `Dev stack started in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      for (const line of describeStack(result.stack)) printLine(`  ${line}`);
      printLine();
      printLine(`Use it: export ZCC_SYNC_CONFIG=${result.stack.configFile}`);
      printLine('Stop it: zcc-sync dev down');
    });

  withJsonOption(withStateDir(dev.command('status')))
    .description('show which parts of the local stack run (exit 1 when not all of them do)')
    .action(async (opts: StateDirOptions & JsonOptions) => {
      const stateDir = stateDirOf(opts);
      const status = await stackStatus(stateDir);
      if (opts.json) {
        printJson({ running: status.running, partial: status.partial, components: status.components.map(({ name, state, record }) => ({ name, state, ...record })) });
      } else if (!status.stack) {
        printLine(`No dev stack in ${devDir(stateDir)} (start one with \`zcc-sync dev up\`).`);
      } else {
        for (const { name, state, record } of status.components) {
          const where = record ? String(record.address ?? record.url ?? (record.port ? `127.0.0.1:${record.port}` : record.skipped ?? '')) : '';
          const pid = record?.pid && state === 'running' ? `  pid ${record.pid}` : '';
          printLine(`${name.padEnd(9)} ${state.padEnd(8)} ${where}${pid}`);
        }
        if (status.stack.components.temporal?.uiUrl) printLine(`Temporal UI: ${status.stack.components.temporal.uiUrl}`);
        printLine(`Config: ${status.stack.configFile}`);
      }
      if (!status.running) setExitCode(EXIT_FAILED);
    });

  withJsonOption(withStateDir(dev.command('down')))
    .description('stop exactly what `dev up` started')
    .action(async (opts: StateDirOptions & JsonOptions) => {
      const stateDir = stateDirOf(opts);
      const result = await devDown(stateDir);
      if (opts.json) {
        printJson(result);
        return;
      }
      if (!result.hadStack) {
        printLine(`No dev stack in ${devDir(stateDir)}; nothing to stop.`);
        return;
      }
      for (const s of result.stopped) printLine(`${s.name.padEnd(9)} ${s.how}`);
      printLine('Dev stack stopped.');
    });

  withJsonOption(withStateDir(dev.command('mail')))
    .description('list the most recent messages the SMTP capture server received')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--to <address>', 'only messages to this recipient')
    .action(async (opts: StateDirOptions & JsonOptions & { limit: string; to?: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) fail(`--limit: got ${JSON.stringify(opts.limit)} — expected a whole number ≥ 1`, EXIT_BAD_INPUT);
      const stateDir = stateDirOf(opts);
      const status = await stackStatus(stateDir);
      const dir = status.stack?.components.smtp?.dir ?? path.join(devDir(stateDir), 'mail');
      const mails = (await readMailbox(dir, { limit, to: opts.to })).reverse(); // newest first
      if (opts.json) {
        printJson(mails);
        return;
      }
      if (mails.length === 0) {
        printLine(`No messages in ${dir}.`);
        return;
      }
      for (const m of mails) {
        printLine(`${m.receivedAt}  ${m.from} → ${m.to.join(', ')}  ${m.subject}`);
      }
      printLine(`(${mails.length} shown; files in ${dir})`);
    });

  dev
    .command('smtp-serve', { hidden: true })
    .description('run the SMTP capture server in the foreground (what `dev up` starts)')
    .requiredOption('--port <port>', 'port on 127.0.0.1 (0 = any free port)')
    .requiredOption('--dir <dir>', 'mailbox directory')
    .action(async (opts: { port: string; dir: string }) => {
      const server = await startSmtpServer({ port: portOption(opts.port, '--port'), host: '127.0.0.1', dir: path.resolve(opts.dir) });
      printLine(`SMTP capture server on 127.0.0.1:${server.port}, mail in ${server.dir}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.stop().then(resolve, resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });

  dev
    .command('temporal-binary', { hidden: true })
    .description('print the path of the pinned Temporal CLI, building it with Go into the cache when missing')
    .action(async () => {
      const bin = await ensureTemporalBinary();
      printLine(`${bin}  (${await temporalVersion(bin)})`);
    });
}
