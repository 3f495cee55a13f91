/**
 * Shared set-up for the ZCC client tests that run against the emulator: seeds, a client bound to an
 * emulator, and the emulator's default credentials.
 */
import { RateGovernor, ZoomCcClient, type ZoomCcClientOptions } from '../../src/zoom';
import type { EmulatorHandle, Seed } from '../../emulator/types';

export const EMULATOR_CREDENTIALS = {
  accountId: 'emulator-account',
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
};

export const emailOf = (i: number) => `user${String(i).padStart(5, '0')}@example.com`;

/** A Zoom account of `n` users, the three default roles, three queues and a few existing ZCC users. */
export function seedWith(n: number, extra: Partial<Seed> = {}): Seed {
  return {
    accountUsers: Array.from({ length: n }, (_, i) => ({ email: emailOf(i), name: `User ${i}` })),
    roles: [{ name: 'Admin' }, { name: 'Agent' }, { name: 'Supervisor' }],
    queues: [{ name: 'Sales' }, { name: 'Support' }, { name: 'Billing' }],
    ...extra,
  };
}

/**
 * A client for `emu`. Without `governor` it gets its own, scaled far above the emulator so
 * functional tests are not paced (they run with `rateLimits:false`).
 */
export function clientFor(emu: EmulatorHandle, opts: Partial<ZoomCcClientOptions> = {}): ZoomCcClient {
  return new ZoomCcClient({
    baseUrl: emu.baseUrl,
    tokenUrl: emu.tokenUrl,
    ...EMULATOR_CREDENTIALS,
    plan: 'business',
    governor: opts.governor ?? new RateGovernor({ plan: 'business', scale: 1000 }),
    retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 50 },
    timeoutMs: 10_000,
    ...opts,
  });
}
