/**
 * Under injected faults — 20% 5xx (half of them after the change was applied), 429 bursts and
 * dropped connections (before and after applying) — 2,000 creates through `createUsers` end with
 * every user created exactly once (emulator per-user counts) and 2,000 users in the state.
 *
 * As the apply engine would, users whose outcome is 'failed' (retries used up) are sent again in
 * a later round; what must never happen is a second create of the same user.
 */
import { startEmulator, type EmulatorHandle, type FaultSpec } from '../emulator';
import { ZoomApiError, chunk, createUsers, type CreateUserItem, type UserOutcome, type ZoomCcClient } from '../src/zoom';
import { clientFor, emailOf, seedWith } from './support/zoom-emulator';

const USERS = 2_000;

const FAULTS: FaultSpec = {
  seed: 42,
  rules: {
    '*': { errorRate: 0.1, errorAfterApplyRate: 0.1, dropRate: 0.03, dropAfterApplyRate: 0.03, burst429: 3 },
  },
};

let emu: EmulatorHandle;
let zcc: ZoomCcClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, rateLimits: false, seed: seedWith(USERS) });
  zcc = clientFor(emu, { retry: { maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 20, maxRateLimitRetries: 20 } });
});

afterAll(async () => {
  await emu?.close();
});

it('2,000 creates under faults: every user created exactly once', async () => {
  const agent = (await zcc.resolveRoles(['Agent'])).get('Agent')!;
  const all: CreateUserItem[] = Array.from({ length: USERS }, (_, i) => ({ user_email: emailOf(i), role_id: agent }));
  const final = new Map<string, UserOutcome>();
  let rounds = 0;
  let armings = 0;
  let pending = all;
  try {
    while (pending.length > 0 && rounds < 5) {
      rounds++;
      // Slices of 400, as the apply engine sends chunks; each slice re-arms the faults: a new 429
      // burst and a new fault sequence.
      for (const slice of chunk(pending, 400)) {
        emu.setFaults({ ...FAULTS, seed: (FAULTS.seed ?? 1) + ++armings });
        const out = await createUsers(zcc, slice, { concurrency: 4 });
        for (const o of out) final.set(o.email, o);
      }
      pending = pending.filter((p) => final.get(p.user_email)?.outcome === 'failed');
    }
  } finally {
    emu.setFaults(undefined);
  }

  const stats = emu.stats();
  // The faults did happen.
  expect(stats.faults.errorAfterApply ?? 0).toBeGreaterThan(0);
  expect(stats.faults.error ?? 0).toBeGreaterThan(0);
  expect((stats.faults.drop ?? 0) + (stats.faults.dropAfterApply ?? 0)).toBeGreaterThan(0);
  expect(stats.rateLimited).toBeGreaterThan(0);

  // Every user exactly once; every outcome says the user exists.
  expect(pending).toEqual([]);
  const counts = Array.from({ length: USERS }, (_, i) => stats.byUser[emailOf(i)]?.create ?? 0);
  expect(counts.filter((c) => c !== 1)).toEqual([]);
  expect((await emu.state()).users).toHaveLength(USERS);
  expect([...final.values()].every((o) => o.outcome === 'done' || o.outcome === 'already')).toBe(true);
  // 'already' only where an earlier attempt of ours had applied the create and lost the answer.
  const already = [...final.values()].filter((o) => o.outcome === 'already').length;
  console.info(`zoom-faults: ${rounds} round(s), ${armings} fault arming(s), ${already} 'already' (lost answers), faults ${JSON.stringify(stats.faults)}, 429s ${stats.rateLimited}, calls ${JSON.stringify(stats.calls)}`);
});

it('single creates under faults: a retry after a lost answer is 1007 "already done", never a second create', async () => {
  await emu.seed(seedWith(300));
  const agent = (await zcc.resolveRoles(['Agent'])).get('Agent')!;
  const before = emu.stats();
  emu.setFaults({ seed: 7, rules: { 'POST /contact_center/users': { errorRate: 0.1, errorAfterApplyRate: 0.15, dropRate: 0.05, dropAfterApplyRate: 0.05, burst429: 4 } } });
  const results: Array<'created' | 'already' | 'failed'> = [];
  try {
    await Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < 300; i += 4) {
        try {
          await zcc.createUser({ user_email: emailOf(i), role_id: agent });
          results.push('created');
        } catch (err) {
          if (err instanceof ZoomApiError && err.kind === 'already_done') {
            expect(err.afterAmbiguousFailure).toBe(true); // nobody else created these users
            results.push('already');
          } else results.push('failed');
        }
      }
    }));
  } finally {
    emu.setFaults(undefined);
  }
  const stats = emu.stats();
  expect(results.filter((r) => r === 'failed')).toEqual([]);
  expect(results.filter((r) => r === 'already').length).toBeGreaterThan(0);
  const counts = Array.from({ length: 300 }, (_, i) => (stats.byUser[emailOf(i)]?.create ?? 0) - (before.byUser[emailOf(i)]?.create ?? 0));
  expect(counts.filter((c) => c !== 1)).toEqual([]);
  expect((await emu.state()).users).toHaveLength(300);
});
