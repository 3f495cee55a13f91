/**
 * What `zcc-sync emulator` does (its options: client/commands/emulator.ts): runs the ZCC emulator
 * (emulator/) in the foreground until SIGINT/SIGTERM. It prints its addresses first (`baseUrl:` /
 * `tokenUrl:` lines, or one JSON line with --json), so scripts and tests that start it with
 * `--port 0` can read the port it chose. The client secret it accepts is never printed.
 */
import { readFileSync } from 'node:fs';
import { startEmulator, FaultSpecError, SeedError, type EmulatorHandle, type FaultSpec, type Seed } from '../../emulator';
import { parseFaultSpec } from '../../emulator/faults';
import { EXIT_BAD_INPUT, EXIT_FAILED, fail, printLine } from '../common';

export interface EmulatorCliOptions {
  port: string;
  host: string;
  seed?: string;
  plan: string;
  timeScale: string;
  faults?: string;
  db?: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  tokenTtl: string;
  rateLimits: boolean;
  json?: boolean;
}

function readSeed(file: string): Seed {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`--seed: cannot read ${file}: ${(e as Error).message}`, EXIT_BAD_INPUT);
  }
  try {
    return JSON.parse(text) as Seed;
  } catch (e) {
    fail(`--seed: ${file} is not valid JSON (${(e as Error).message}); expected { accountUsers, roles, queues, licenses, ccUsers }`, EXIT_BAD_INPUT);
  }
}

/** --faults takes the compact form, JSON, or @FILE holding either. */
function readFaults(value: string): FaultSpec {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (e) {
      fail(`--faults: cannot read ${value.slice(1)}: ${(e as Error).message}`, EXIT_BAD_INPUT);
    }
  }
  try {
    return parseFaultSpec(text);
  } catch (e) {
    fail(`--faults: ${(e as Error).message}`, EXIT_BAD_INPUT);
  }
}

function number(value: string, flag: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) fail(`${flag}: got ${JSON.stringify(value)} — expected ${expected}`, EXIT_BAD_INPUT);
  return n;
}

export async function emulator(opts: EmulatorCliOptions): Promise<void> {
  const port = number(opts.port, '--port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a TCP port 0–65535 (0 = any free port)');
  if (opts.plan !== 'pro' && opts.plan !== 'business') fail(`--plan: got ${JSON.stringify(opts.plan)} — expected pro or business`, EXIT_BAD_INPUT);
  const timeScale = number(opts.timeScale, '--time-scale', (n) => n > 0, 'a number > 0 (e.g. 10 = ten times the plan rates)');
  const tokenTtlSeconds = number(opts.tokenTtl, '--token-ttl', (n) => Number.isInteger(n) && n > 0, 'whole seconds > 0');
  const seed = opts.seed !== undefined ? readSeed(opts.seed) : undefined;
  const faults = opts.faults !== undefined ? readFaults(opts.faults) : undefined;

  let emu: EmulatorHandle;
  try {
    emu = await startEmulator({
      port,
      host: opts.host,
      seed,
      plan: opts.plan,
      timeScale,
      faults,
      db: opts.db,
      credentials: { accountId: opts.accountId, clientId: opts.clientId, clientSecret: opts.clientSecret },
      tokenTtlSeconds,
      rateLimits: opts.rateLimits,
    });
  } catch (e) {
    if (e instanceof SeedError) fail(`--seed: ${opts.seed ?? '(none)'}: ${e.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, EXIT_BAD_INPUT);
    if (e instanceof FaultSpecError) fail(`--faults: ${e.message}`, EXIT_BAD_INPUT);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`--port: ${opts.host}:${port} is already in use; pick another port or --port 0`, EXIT_FAILED);
    throw e;
  }

  const state = await emu.state();
  if (opts.json) {
    printLine(JSON.stringify({ url: emu.url, baseUrl: emu.baseUrl, tokenUrl: emu.tokenUrl, port: emu.port, accountId: opts.accountId, clientId: opts.clientId }));
  } else {
    printLine(`ZCC emulator listening on ${emu.url}`);
    printLine(`baseUrl: ${emu.baseUrl}`);
    printLine(`tokenUrl: ${emu.tokenUrl}`);
    printLine(`account id: ${opts.accountId}, client id: ${opts.clientId} (client secret: as set with --client-secret; not printed)`);
    printLine(
      `plan: ${opts.plan} ×${timeScale}${opts.rateLimits ? '' : ' (rate limits off)'}; state: ${opts.db ?? 'in memory'}; ` +
        `${state.accountUsers} Zoom users, ${state.users.length} ZCC users, ${state.roles.length} roles, ${state.queues.length} queues`,
    );
    printLine(`admin: ${emu.url}/__emulator/{stats,state,seed,reset,faults,expire-tokens}`);
    printLine('Stop with Ctrl-C.');
  }

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emu.close();
}
