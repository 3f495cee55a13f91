/**
 * The emulator's rate limits (on a fake clock, so counts are exact) and injected faults
 * (seeded, so the same calls give the same faults).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, parseFaultSpec, FaultSpecError, type EmulatorHandle } from '../emulator';
import { RateLimiter } from '../emulator/ratelimit';
import { admin, apiClient, baseSeed } from './emulator-support';

describe('rate limits', () => {
  let now = Date.parse('2026-03-02T10:00:00Z');
  const clock = () => now;
  let emu: EmulatorHandle;
  afterEach(async () => {
    await emu?.close();
  });

  it('refuses calls over the label budget with 429, the documented message and headers', async () => {
    emu = await startEmulator({ port: 0, seed: baseSeed(), plan: 'pro', timeScale: 0.25, clock }); // Light 5/s, Medium 2.5/s
    const call = apiClient(emu);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await call('GET', '/contact_center/users/ann@example.com'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(answers[0]!.headers.get('x-ratelimit-category')).toBe('Light');
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBe('5');
    expect(answers[0]!.headers.get('x-ratelimit-remaining')).toBe('4');
    const refused = answers[5]!;
    expect(refused.body).toEqual({ code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' });
    expect(refused.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBe(Math.ceil((now + 200) / 1000));
    // Labels have separate budgets: Medium is untouched.
    expect((await call('GET', '/contact_center/users')).headers.get('x-ratelimit-category')).toBe('Medium');
    // A token is back after 1/5 s.
    now += 200;
    expect((await call('GET', '/contact_center/users/ann@example.com')).status).toBe(200);
    expect((await call('GET', '/contact_center/users/ann@example.com')).status).toBe(429);
    const stats = emu.stats();
    expect(stats.rateLimited).toBe(4);
    expect(stats.calls['GET /contact_center/users/{userId}']).toBe(10);
  });

  it('uses the business numbers and multiplies them by the time scale', async () => {
    emu = await startEmulator({ port: 0, seed: baseSeed(), plan: 'business', timeScale: 10, clock });
    const call = apiClient(emu);
    const light = await call('GET', '/contact_center/users/ann@example.com');
    const medium = await call('GET', '/contact_center/roles');
    expect([light.headers.get('x-ratelimit-limit'), medium.headers.get('x-ratelimit-limit')]).toEqual(['400', '200']);
    let ok = 1;
    while ((await call('GET', '/contact_center/roles')).status === 200) ok += 1;
    expect(ok).toBe(200);
  });

  it('can be turned off', async () => {
    emu = await startEmulator({ port: 0, seed: baseSeed(), timeScale: 0.05, rateLimits: false, clock });
    const call = apiClient(emu);
    for (let i = 0; i < 5; i++) expect((await call('GET', '/contact_center/roles')).status).toBe(200);
  });

  it('has a daily limit for Heavy (Daily-limit type, Retry-After at the next UTC midnight)', () => {
    let t = Date.parse('2026-03-02T10:00:00Z');
    const limiter = new RateLimiter('pro', 0.001, () => t, true); // Heavy: 15 a day, 0.005/s
    const results = [];
    for (let i = 0; i < 16; i++) {
      results.push(limiter.take('HEAVY'));
      t += 200_000; // one per-second token back each time
    }
    expect(results.slice(0, 15).every((r) => r.ok)).toBe(true);
    const last = results[15]!;
    expect(last.ok).toBe(false);
    expect(last.ok === false && last.type).toBe('Daily-limit');
    expect(last.headers['X-RateLimit-Type']).toBe('Daily-limit');
    expect(last.headers['Retry-After']).toBe('2026-03-03T00:00:00Z');
  });
});

describe('faults', () => {
  let emu: EmulatorHandle;
  let call: ReturnType<typeof apiClient>;
  let agentRole: string;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: baseSeed(), rateLimits: false });
    call = apiClient(emu);
    agentRole = (await emu.state()).roles.find((r) => r.name === 'Agent')!.roleId;
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(async () => {
    emu.setFaults(undefined);
    await emu.reset();
  });

  it('errorRate answers a seeded share of 5xx, the same ones for the same seed', async () => {
    const run = async () => {
      emu.setFaults({ seed: 42, rules: { 'GET /contact_center/roles': { errorRate: 0.5 } } });
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await call('GET', '/contact_center/roles')).status);
      return statuses;
    };
    const first = await run();
    const errors = first.filter((s) => s === 500).length;
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThan(20);
    expect(first.filter((s) => s !== 500 && s !== 200)).toEqual([]);
    expect(await run()).toEqual(first);
    expect((await call('GET', '/contact_center/queues')).status).toBe(200); // other endpoints untouched
  });

  it('errorAfterApplyRate applies the change, then answers 500', async () => {
    emu.setFaults({ rules: { 'POST /contact_center/users': { errorAfterApplyRate: 1 } } });
    const res = await call('POST', '/contact_center/users', { user_email: 'cat@example.com', role_id: agentRole });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 500, message: 'Internal Server Error.' });
    expect((await emu.state()).users.map((u) => u.email)).toContain('cat@example.com');
    expect(emu.stats().byUser['cat@example.com']!.create).toBe(1);
    emu.setFaults(undefined);
    const retry = await call('POST', '/contact_center/users', { user_email: 'cat@example.com', role_id: agentRole });
    expect([retry.status, retry.body.code]).toEqual([400, 1007]);
    expect(emu.stats().faults).toEqual({ errorAfterApply: 1 });
  });

  it('burst429 refuses the next N calls', async () => {
    emu.setFaults({ rules: { '*': { burst429: 2 } } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await call('GET', '/contact_center/queues'));
    expect(statuses.map((s) => s.status)).toEqual([429, 429, 200, 200]);
    expect(statuses[0]!.body.code).toBe(429);
    expect(statuses[0]!.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(statuses[0]!.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
    expect(emu.stats().rateLimited).toBe(2);
  });

  it('dropRate closes the connection without an answer; dropAfterApplyRate after applying', async () => {
    emu.setFaults({ rules: { 'GET /contact_center/queues': { dropRate: 1 }, 'DELETE /contact_center/users/{userId}': { dropAfterApplyRate: 1 } } });
    await expect(call('GET', '/contact_center/queues')).rejects.toThrow();
    await expect(call('DELETE', '/contact_center/users/ann@example.com')).rejects.toThrow();
    expect((await emu.state()).users.map((u) => u.email)).toEqual(['bob@example.com']);
    expect(emu.stats().faults).toEqual({ drop: 1, dropAfterApply: 1 });
  });

  it('latency delays but answers', async () => {
    emu.setFaults({ rules: { '*': { latencyMs: [1, 5] } } });
    expect((await call('GET', '/contact_center/roles')).status).toBe(200);
  });

  it('reads the compact form, checks endpoints, and is settable over the admin API', async () => {
    expect(parseFaultSpec('seed=7; *:errorRate=0.2,latencyMs=5-20; POST /contact_center/users/batch:burst429=3')).toEqual({
      seed: 7,
      rules: { '*': { errorRate: 0.2, latencyMs: [5, 20] }, 'POST /contact_center/users/batch': { burst429: 3 } },
    });
    expect(() => emu.setFaults({ rules: { 'POST /nope': { errorRate: 0.1 } } })).toThrow(FaultSpecError);
    expect(() => emu.setFaults(parseFaultSpec('*:errorRate=2'))).toThrow(/between 0 and 1/);
    const set = await admin(emu, 'POST', 'faults', 'POST /v2/contact_center/users:errorRate=1');
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ rules: { 'POST /contact_center/users': { errorRate: 1 } } });
    expect((await admin(emu, 'GET', 'faults')).body).toEqual(set.body);
    expect((await call('POST', '/contact_center/users', { user_email: 'cat@example.com', role_id: agentRole })).status).toBe(500);
    expect((await emu.state()).users).toHaveLength(2); // errorRate fails before applying
    const bad = await admin(emu, 'POST', 'faults', { rules: { '*': { dropRate: 'often' } } });
    expect([bad.status, bad.body.code]).toEqual([400, 300]);
  });
});

describe('db file', () => {
  it('keeps the state between runs when started without a seed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zcc-emu-db-'));
    const db = path.join(dir, 'emu.sqlite');
    try {
      let emu = await startEmulator({ port: 0, seed: baseSeed(), db, rateLimits: false });
      const agent = (await emu.state()).roles.find((r) => r.name === 'Agent')!.roleId;
      expect((await apiClient(emu)('POST', '/contact_center/users', { user_email: 'cat@example.com', role_id: agent })).status).toBe(201);
      await emu.close();
      emu = await startEmulator({ port: 0, db, rateLimits: false });
      const state = await emu.state();
      expect(state.users.map((u) => u.email)).toEqual(['ann@example.com', 'bob@example.com', 'cat@example.com']);
      expect(state.licenses.essentials).toEqual({ capacity: 30, used: 2 });
      await emu.reset(); // back to the seed stored in the file
      expect((await emu.state()).users).toHaveLength(2);
      await emu.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
