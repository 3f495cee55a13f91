/**
 * What `zcc-sync dev up|down|status|mail|smtp-serve|temporal-binary` do (their options:
 * client/commands/dev.ts).
 */
import path from 'node:path';
import { devDir, devDown, devUp, describeStack, stackStatus, type DevPorts } from '../../devstack/stack';
import { ensureTemporalBinary, temporalVersion } from '../../devstack/temporal';
import { startSmtpServer, readMailbox } from '../../devstack/smtp';
import { EXIT_BAD_INPUT, EXIT_FAILED, fail, loadConfigOrExit, printJson, printLine, setExitCode, type ConfigOptions, type JsonOptions } from '../common';

export interface StateDirOptions extends ConfigOptions {
  stateDir?: string;
}

export type StackOptions = StateDirOptions & JsonOptions;

export interface UpOptions extends StackOptions {
  reset?: boolean;
  temporalPort?: string;
  uiPort?: string;
  ldapPort?: string;
  smtpPort?: string;
  emulatorPort?: string;
  worker: boolean;
}

export interface MailOptions extends StackOptions {
  limit: string;
  to?: string;
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

export async function up(opts: UpOptions): Promise<void> {
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
}

export async function status(opts: StackOptions): Promise<void> {
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
}

export async function down(opts: StackOptions): Promise<void> {
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
}

export async function mail(opts: MailOptions): Promise<void> {
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
}

export async function smtpServe(opts: { port: string; dir: string }): Promise<void> {
  const server = await startSmtpServer({ port: portOption(opts.port, '--port'), host: '127.0.0.1', dir: path.resolve(opts.dir) });
  printLine(`SMTP capture server on 127.0.0.1:${server.port}, mail in ${server.dir}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

export async function temporalBinary(): Promise<void> {
  const bin = await ensureTemporalBinary();
  printLine(`${bin}  (${await temporalVersion(bin)})`);
}
