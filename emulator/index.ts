/**
 * The ZCC emulator: a real HTTP server standing in for Zoom Contact Center's REST API (the user,
 * role and queue operations zcc-sync uses) and its Server-to-Server OAuth token endpoint.
 *
 *   const emu = await startEmulator({ port: 0, seed, plan: 'business', timeScale: 10 });
 *   // emu.baseUrl = http://127.0.0.1:P/v2, emu.tokenUrl = http://127.0.0.1:P/oauth/token
 *   ...
 *   await emu.close();
 *
 * The handle's methods mirror the admin endpoints under /__emulator/ (see emulator/README.md).
 */
import type { AddressInfo } from 'node:net';
import { EmulatorCore, DEFAULT_CREDENTIALS } from './core';
import { createServer } from './server';
import type { EmulatorHandle, EmulatorOptions } from './types';

export type {
  Credentials,
  EmulatorHandle,
  EmulatorOptions,
  FaultRule,
  FaultSpec,
  PackageName,
  Plan,
  RateLabel,
  Seed,
  StateSnapshot,
  StateUser,
  Stats,
  UserAccess,
  UserChangeCounts,
} from './types';
export { DEFAULT_CREDENTIALS };
export { parseFaultSpec, FaultSpecError } from './faults';
export { SeedError } from './seed';
export { PLAN_LIMITS } from './ratelimit';

export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const core = await EmulatorCore.create(opts);
  const server = createServer(core);
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await core.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    port,
    url,
    baseUrl: `${url}/v2`,
    tokenUrl: `${url}/oauth/token`,
    stats: () => core.stats(),
    resetStats: () => core.recorder.reset(),
    state: () => core.snapshot(),
    seed: (seed) => core.seed(seed),
    reset: () => core.reset(),
    setFaults: (faults) => void core.setFaults(faults),
    expireTokens: () => core.tokens.expireAll(),
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await core.close();
      })()),
  };
}
