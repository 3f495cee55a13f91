/**
 * Unit tests of the ZCC client's pure parts and its request core (with a scripted fetch): the rate
 * governor, error classification, the token manager, retries, paging loop detection and the
 * batching helpers (against an in-memory stub that can behave atomically or partially).
 */
import {
  RateGovernor,
  TokenManager,
  ZoomApiError,
  ZoomAuthError,
  ZoomCcClient,
  ZoomDailyLimitError,
  ZoomInputError,
  ZoomPagingError,
  assignToQueue,
  attribute,
  capitalisePackage,
  chunk,
  classify,
  collect,
  countCalls,
  createUsers,
  deleteUsers,
  getProcessGovernor,
  isDailyLimit,
  namedItems,
  paginate,
  partialOutcomesOf,
  rateLimitWaitMs,
  removeFromQueue,
  resolveNames,
  scrub,
  updateUsers,
  type BatchCreateUserItem,
  type BatchUpdateUserItem,
  type CreateUserBody,
  type CreateUserItem,
  type OperationIntent,
  type UpdateUserBody,
  type ZoomCcUser,
} from '../src/zoom';

// ---- governor --------------------------------------------------------------------------------

describe('RateGovernor', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const clock = { now: () => Date.now() };

  async function grantTimes(g: RateGovernor, label: 'light' | 'medium', n: number, runMs: number): Promise<number[]> {
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < n; i++) void g.acquire(label).then(() => times.push(Date.now() - start));
    await jest.advanceTimersByTimeAsync(runMs);
    return times;
  }

  function maxInAnyWindow(times: number[], windowMs: number): number {
    let best = 0;
    for (let i = 0; i < times.length; i++) {
      let j = i;
      while (j < times.length && times[j] < times[i] + windowMs) j++;
      best = Math.max(best, j - i);
    }
    return best;
  }

  it('sizes each label from the plan, the share and the scale', () => {
    const g = new RateGovernor({ plan: 'business', share: 0.5, scale: 10, clock });
    expect(g.allowedPerSecond('light')).toBe(200);
    expect(g.allowedPerSecond('medium')).toBe(100);
    expect(g.allowedPerSecond('heavy')).toBe(50);
    const p = new RateGovernor({ plan: 'pro', clock });
    expect([p.allowedPerSecond('light'), p.allowedPerSecond('medium'), p.allowedPerSecond('heavy')]).toEqual([20, 10, 5]);
  });

  it('never grants more than the allowed calls in any one-second window, and grants about 98% of them', async () => {
    const g = new RateGovernor({ plan: 'pro', clock }); // medium: 10/s
    const times = await grantTimes(g, 'medium', 60, 10_000);
    expect(times).toHaveLength(60);
    expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(10);
    // 60 grants paced at 9.8/s take 59 × 102 ms ≈ 6.02 s (at 9.5/s: 6.21 s)
    expect(times[59]).toBeGreaterThan(6000);
    expect(times[59]).toBeLessThan(6100);
  });

  it('keeps every one-second window within the limit at any utilisation, also when timers fire late', async () => {
    for (const utilisation of [0.9, 0.95, 0.98, 0.99]) {
      // A stalled event loop: every 200 ms the clock jumps on while no timer fires, then the
      // governor catches up with its burst allowance. The server sees the clock at each grant.
      const stallMs = Math.floor((1 - utilisation) * 1000 * 0.8); // shorter than tau (timers round up a ms)
      let lag = 0;
      const late = { now: () => Date.now() + lag };
      const g = new RateGovernor({ plan: 'business', utilisation, clock: late }); // light: 40/s
      const times: number[] = [];
      for (let i = 0; i < 200; i++) void g.acquire('light').then(() => times.push(late.now()));
      for (let step = 0; step < 400 && times.length < 200; step++) {
        await jest.advanceTimersByTimeAsync(20);
        if (step % 10 === 9) lag += stallMs;
      }
      expect(times).toHaveLength(200);
      expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(40);
      // Stalls shorter than tau cost no pace: the 200th grant is at most one stall behind 199
      // intervals of 1 / (40 × u) s (the stall just before it), give or take a ms.
      expect(times[199] - times[0]).toBeLessThanOrEqual(Math.ceil((199 / (40 * utilisation)) * 1000) + stallMs + 2);
    }
  });

  it('keeps labels independent', async () => {
    const g = new RateGovernor({ plan: 'pro', clock });
    const light: number[] = [];
    const medium: number[] = [];
    for (let i = 0; i < 20; i++) {
      void g.acquire('light').then(() => light.push(Date.now()));
      void g.acquire('medium').then(() => medium.push(Date.now()));
    }
    await jest.advanceTimersByTimeAsync(1100);
    expect(light.length).toBe(20); // 20/s × 0.98 ≈ 19.6 a second: 20 within 1.1 s
    expect(medium.length).toBeLessThanOrEqual(11);
    expect(medium.length).toBeGreaterThanOrEqual(10);
  });

  it('holds a label back after a 429 for the given time and drains its burst', async () => {
    const g = new RateGovernor({ plan: 'business', clock }); // light 40/s
    await jest.advanceTimersByTimeAsync(5000); // idle: burst allowance would be available
    const start = Date.now();
    g.penalize('light', 800);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) void g.acquire('light').then(() => times.push(Date.now() - start));
    await jest.advanceTimersByTimeAsync(2000);
    expect(times).toHaveLength(5);
    expect(times[0]).toBeGreaterThanOrEqual(800);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(25);
    expect(g.stats().light.penalties).toBe(1);
  });

  it('rejects a share or scale out of range', () => {
    expect(() => new RateGovernor({ plan: 'pro', share: 0 })).toThrow(/share/);
    expect(() => new RateGovernor({ plan: 'pro', share: 1.5 })).toThrow(/share/);
    expect(() => new RateGovernor({ plan: 'pro', scale: 0 })).toThrow(/scale/);
  });

  it('has one governor per process for the same limits', () => {
    expect(getProcessGovernor('pro', 1, 1)).toBe(getProcessGovernor('pro', 1, 1));
    expect(getProcessGovernor('business', 0.5, 1)).not.toBe(getProcessGovernor('pro', 1, 1));
  });
});

// ---- errors ----------------------------------------------------------------------------------

describe('error classification', () => {
  const cases: Array<[number, number | undefined, OperationIntent, string]> = [
    [429, 429, 'other', 'retryable'],
    [500, undefined, 'create', 'retryable'],
    [503, undefined, 'remove', 'retryable'],
    [0, undefined, 'other', 'retryable'],
    [400, 1007, 'create', 'already_done'],
    [400, 1007, 'other', 'bad_request'],
    [409, undefined, 'create', 'already_done'],
    [404, 1001, 'remove', 'already_done'],
    [404, 1001, 'other', 'bad_request'],
    [404, 1012, 'remove', 'already_done'],
    [404, 1201, 'remove', 'already_done'],
    [404, 1201, 'other', 'bad_request'],
    [400, 1004, 'create', 'not_zoom_user'],
    [400, 290010, 'create', 'license_exhausted'],
    [400, 290010, 'other', 'license_exhausted'],
    [404, 2201, 'create', 'bad_request'],
    [400, 300, 'other', 'bad_request'],
    [403, undefined, 'other', 'bad_request'],
  ];
  it.each(cases)('status %s code %s on %s → %s', (status, code, intent, kind) => {
    expect(classify(status, code, intent)).toBe(kind);
  });

  it('recognises the daily limit by header or by message', () => {
    expect(isDailyLimit(new Headers({ 'X-RateLimit-Type': 'Daily-limit' }), 'x')).toBe(true);
    expect(isDailyLimit(new Headers(), 'You have reached the maximum daily rate limit for this API. Refer to…')).toBe(true);
    expect(isDailyLimit(new Headers({ 'X-RateLimit-Type': 'QPS' }), 'You have reached the maximum per-second rate limit for this API.')).toBe(false);
  });

  it('reads the wait from X-RateLimit-Reset or Retry-After', () => {
    const now = 1_700_000_000_000;
    expect(rateLimitWaitMs(new Headers({ 'X-RateLimit-Reset': String(now / 1000 + 2) }), now)).toBe(2000);
    expect(rateLimitWaitMs(new Headers({ 'Retry-After': '3' }), now)).toBe(3000);
    expect(rateLimitWaitMs(new Headers({ 'Retry-After': new Date(now + 1500).toISOString() }), now)).toBe(1500);
    expect(rateLimitWaitMs(new Headers({ 'X-RateLimit-Reset': String(now / 1000 - 5) }), now)).toBe(20);
    expect(rateLimitWaitMs(new Headers({ 'Retry-After': new Date(now + 3_600_000).toISOString() }), now)).toBe(60_000);
    expect(rateLimitWaitMs(new Headers(), now)).toBeUndefined();
  });

  it('names the token check and the fields to fix, and scrubs secrets', () => {
    const e = new ZoomAuthError('https://zoom.us/oauth/token', 401, 'invalid client', false);
    expect(e.message).toBe('ZCC token request to https://zoom.us/oauth/token failed: 401 invalid client — check contactCenter.clientId/clientSecret/accountId');
    expect(scrub('token s3cr3t-value here', ['s3cr3t-value'])).toBe('token *** here');
  });

  it('lists the names that exist for unknown role or queue names', () => {
    const roles = [{ name: 'Agent', id: 'r2' }, { name: 'Admin', id: 'r1' }, { name: 'Supervisor', id: 'r3' }];
    expect(() => resolveNames('role', ['Agnt'], roles)).toThrow("unknown role 'Agnt'; roles that exist: Admin, Agent, Supervisor");
    expect(() => resolveNames('queue', ['A', 'B'], [])).toThrow("unknown queues 'A', 'B'; queues that exist: (none)");
    expect(resolveNames('role', ['agent', 'Admin'], roles)).toEqual(new Map([['agent', 'r2'], ['Admin', 'r1']]));
  });
});

// ---- request core with a scripted fetch ------------------------------------------------------

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'drop';

/** A fetch that answers the token URL itself and the API from a script (one reply per call). */
function scriptedFetch(script: Reply[], opts: { tokenStatus?: number; tokenBody?: unknown } = {}) {
  const calls: Array<{ url: string; method: string; body?: string; auth?: string }> = [];
  let tokens = 0;
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    if (url.endsWith('/oauth/token')) {
      tokens++;
      const status = opts.tokenStatus ?? 200;
      const body = opts.tokenBody ?? { access_token: `tok-${tokens}`, token_type: 'bearer', expires_in: 3600, scope: 'a b' };
      return new Response(JSON.stringify(body), { status });
    }
    calls.push({ url, method: init?.method ?? 'GET', body: init?.body as string | undefined, auth: headers.get('authorization') ?? undefined });
    const r = script.shift() ?? { status: 200, body: {} };
    if (r === 'drop') throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status, headers: r.headers });
  }) as typeof fetch;
  return { impl, calls, tokenCalls: () => tokens };
}

function clientWith(fetchImpl: typeof fetch, extra: Partial<ConstructorParameters<typeof ZoomCcClient>[0]> = {}) {
  return new ZoomCcClient({
    baseUrl: 'http://zcc.test/v2',
    tokenUrl: 'http://zcc.test/oauth/token',
    accountId: 'acc',
    clientId: 'cid',
    clientSecret: 'very-secret-value',
    plan: 'business',
    governor: new RateGovernor({ plan: 'business', scale: 1000 }),
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    fetchImpl,
    ...extra,
  });
}

describe('request core', () => {
  it('sends a Basic-authenticated form token request and a Bearer API call', async () => {
    const captured: Array<{ url: string; init?: RequestInit }> = [];
    const f = scriptedFetch([{ status: 200, body: { user_id: 'u1', user_email: 'a@x.com' } }]);
    const spy = (async (u: string | URL | Request, init?: RequestInit) => {
      captured.push({ url: String(u), init });
      return f.impl(u, init);
    }) as typeof fetch;
    const c = clientWith(spy);
    const u = await c.getUser('u1');
    expect(u.user_email).toBe('a@x.com');
    const tokenReq = captured[0];
    expect(tokenReq.init?.method).toBe('POST');
    expect(String(tokenReq.init?.body)).toBe('grant_type=account_credentials&account_id=acc');
    expect(new Headers(tokenReq.init?.headers).get('authorization')).toBe(`Basic ${Buffer.from('cid:very-secret-value').toString('base64')}`);
    expect(new Headers(tokenReq.init?.headers).get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(f.calls[0]).toMatchObject({ url: 'http://zcc.test/v2/contact_center/users/u1', method: 'GET', auth: 'Bearer tok-1' });
  });

  it('caches the token and shares one renewal among concurrent callers', async () => {
    const f = scriptedFetch([]);
    const c = clientWith(f.impl);
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.getUser(`u${i}`)));
    expect(f.tokenCalls()).toBe(1);
  });

  it('renews the token once on a 401 and retries', async () => {
    const f = scriptedFetch([{ status: 401, body: { code: 124, message: 'Invalid access token.' } }, { status: 200, body: { user_id: 'u1', user_email: 'a@x.com' } }]);
    const c = clientWith(f.impl);
    await c.getUser('u1');
    expect(f.tokenCalls()).toBe(2);
    expect(f.calls.map((x) => x.auth)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('gives up after a second 401 with a ZoomApiError that has no token in it', async () => {
    const f = scriptedFetch([{ status: 401, body: { code: 124, message: 'Invalid access token.' } }, { status: 401, body: { code: 124, message: 'Invalid access token.' } }]);
    const c = clientWith(f.impl);
    const err = await c.getUser('u1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomApiError);
    expect((err as ZoomApiError).status).toBe(401);
    expect((err as Error).message).not.toMatch(/tok-|very-secret/);
  });

  it('reports a failing token request clearly, without the secret', async () => {
    const f = scriptedFetch([], { tokenStatus: 401, tokenBody: { reason: 'Invalid client_id or client_secret', error: 'invalid_client' } });
    const c = clientWith(f.impl);
    const err = await c.checkToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomAuthError);
    expect((err as Error).message).toMatch(/^ZCC token request to http:\/\/zcc\.test\/oauth\/token failed: 401 invalid client .*check contactCenter\.clientId\/clientSecret\/accountId$/);
    expect((err as Error).message).not.toContain('very-secret-value');
    expect(f.calls).toHaveLength(0);
  });

  it('says which credential is empty before calling the token URL', async () => {
    const f = scriptedFetch([]);
    const c = clientWith(f.impl, { clientSecret: '' });
    await expect(c.checkToken()).rejects.toThrow(/contactCenter\.clientSecret is empty/);
    expect(f.tokenCalls()).toBe(0);
  });

  it('retries 5xx and dropped connections, then succeeds', async () => {
    const f = scriptedFetch([{ status: 502, body: { code: 502, message: 'bad gateway' } }, 'drop', { status: 200, body: { roles: [{ role_id: 'r1', role_name: 'Agent' }] } }]);
    const c = clientWith(f.impl);
    expect(await collect(c.listRoles())).toEqual([{ role_id: 'r1', role_name: 'Agent' }]);
    expect(f.calls).toHaveLength(3);
  });

  it('retries a create after an ambiguous failure and reports 1007 as already done', async () => {
    const f = scriptedFetch([{ status: 500, body: { code: 500, message: 'boom' } }, { status: 400, body: { code: 1007, message: 'User already exists: a@x.com.' } }]);
    const c = clientWith(f.impl);
    const err = (await c.createUser({ user_email: 'a@x.com', role_id: 'r' }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err.kind).toBe('already_done');
    expect(err.afterAmbiguousFailure).toBe(true);
    expect(err.code).toBe(1007);
    expect(err.pathTemplate).toBe('/contact_center/users');
  });

  it('waits on a 429 through the governor and retries', async () => {
    const f = scriptedFetch([
      { status: 429, body: { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' }, headers: { 'Retry-After': '0' } },
      { status: 204 },
    ]);
    const c = clientWith(f.impl);
    await c.deleteUser('u1');
    expect(f.calls).toHaveLength(2);
    expect(c.governor.stats().light.penalties).toBe(1);
  });

  it('throws ZoomDailyLimitError on a daily 429 without retrying', async () => {
    const f = scriptedFetch([{ status: 429, body: { code: 429, message: 'You have reached the maximum daily rate limit for this API.' }, headers: { 'X-RateLimit-Type': 'Daily-limit', 'Retry-After': '2030-01-01T00:00:00Z' } }]);
    const c = clientWith(f.impl);
    const err = (await c.deleteUser('u1').catch((e: unknown) => e)) as ZoomDailyLimitError;
    expect(err).toBeInstanceOf(ZoomDailyLimitError);
    expect(err.kind).toBe('daily_limit');
    expect(err.retryAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(f.calls).toHaveLength(1);
  });

  it('does not retry a bad request', async () => {
    const f = scriptedFetch([{ status: 404, body: { code: 2201, message: 'Role does not exist: x.' } }]);
    const c = clientWith(f.impl);
    const err = (await c.createUser({ user_email: 'a@x.com', role_id: 'x' }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err.kind).toBe('bad_request');
    expect(err.message).toBe('ZCC POST /contact_center/users failed: 404 code 2201: Role does not exist: x.');
    expect(f.calls).toHaveLength(1);
  });

  it('refuses more than the batch maximum before any call', async () => {
    const f = scriptedFetch([]);
    const c = clientWith(f.impl);
    const users = Array.from({ length: 21 }, (_, i) => ({ user_email: `u${i}@x.com`, role_id: 'r' }));
    await expect(c.batchCreateUsers(users)).rejects.toThrow(ZoomInputError);
    await expect(c.batchUpdateUsers(users)).rejects.toThrow(/at most 20/);
    await expect(c.batchDeleteUsers({ emails: users.map((u) => u.user_email) })).rejects.toThrow(/at most 20/);
    const ids = Array.from({ length: 31 }, (_, i) => `u${i}`);
    await expect(c.assignQueueAgents('q', ids)).rejects.toThrow(/at most 30/);
    await expect(c.assignRoleUsers('r', ids)).rejects.toThrow(/at most 30/);
    expect(f.calls).toHaveLength(0);
    expect(f.tokenCalls()).toBe(0);
  });

  it('counts calls by endpoint per unit of work, retries included, while others run concurrently', async () => {
    const f = scriptedFetch([]);
    const c = clientWith(f.impl);
    const a = countCalls(async () => {
      await c.getUser('u1');
      await c.deleteUser('u1');
      return 'a';
    });
    const b = countCalls(async () => {
      const inner = await countCalls(() => c.getUser('u2'));
      await c.getUser('u3');
      return inner.calls;
    });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toEqual({ value: 'a', calls: { 'GET /contact_center/users/{userId}': 1, 'DELETE /contact_center/users/{userId}': 1 } });
    expect(rb.value).toEqual({ 'GET /contact_center/users/{userId}': 1 });
    expect(rb.calls).toEqual({ 'GET /contact_center/users/{userId}': 2 });
    const f2 = scriptedFetch([{ status: 503, body: { code: 503, message: 'x' } }, { status: 204 }]);
    const c2 = clientWith(f2.impl);
    expect((await countCalls(() => c2.deleteUser('u1'))).calls).toEqual({ 'DELETE /contact_center/users/{userId}': 2 });
  });

  it('never writes the token or the secret to the log, whatever happens', async () => {
    const lines: string[] = [];
    const logger = { debug: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')), info: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')), warn: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')) };
    const f = scriptedFetch([
      { status: 401, body: { code: 124, message: 'Invalid access token.' } },
      { status: 429, body: { code: 429, message: 'per-second' }, headers: { 'Retry-After': '0' } },
      'drop',
      { status: 500, body: { code: 500, message: 'x' } },
      { status: 500, body: { code: 500, message: 'x' } },
      { status: 500, body: { code: 500, message: 'x' } },
      { status: 500, body: { code: 500, message: 'x' } },
    ]);
    const c = clientWith(f.impl, { logger });
    await c.getUser('u1').catch(() => undefined);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter((l) => /tok-\d|very-secret-value|Bearer|Basic/.test(l))).toEqual([]);
  });

  it('renews the token when 60 s or less of its life are left', async () => {
    let now = 1_000_000;
    const f = scriptedFetch([]);
    const tm = new TokenManager({ tokenUrl: 'http://zcc.test/oauth/token', accountId: 'a', clientId: 'c', clientSecret: 's3cret', timeoutMs: 1000, logger: { debug() {}, info() {}, warn() {} }, fetchImpl: f.impl, now: () => now });
    expect(await tm.getToken()).toBe('tok-1');
    now += 3_539_000; // 61 s left
    expect(await tm.getToken()).toBe('tok-1');
    now += 2_000; // 59 s left
    expect(await tm.getToken()).toBe('tok-2');
    expect(f.tokenCalls()).toBe(2);
  });

  it('sends batch delete ids as a comma-separated list', async () => {
    const f = scriptedFetch([{ status: 204 }]);
    const c = clientWith(f.impl);
    await c.batchDeleteUsers({ userIds: ['a', 'b'] });
    expect(f.calls[0].url).toBe('http://zcc.test/v2/contact_center/users?user_ids=a%2Cb');
  });
});

// ---- paging ----------------------------------------------------------------------------------

describe('paging', () => {
  const pages = (list: Array<{ ids: string[]; next?: string }>) => {
    let i = 0;
    const tokens: Array<string | undefined> = [];
    return {
      tokens,
      fetchPage: async (t: string | undefined) => {
        tokens.push(t);
        const p = list[Math.min(i++, list.length - 1)];
        return { next_page_token: p.next, users: p.ids.map((id) => ({ user_id: id })) };
      },
    };
  };
  const run = (src: ReturnType<typeof pages>) =>
    collect(paginate({ what: 'list users', fetchPage: src.fetchPage, itemsOf: (r) => r.users, idOf: (u) => u.user_id }));

  it('follows tokens until an empty or absent one', async () => {
    const src = pages([{ ids: ['a'], next: 't1' }, { ids: ['b'], next: 't2' }, { ids: ['c'], next: '' }]);
    expect((await run(src)).map((u) => u.user_id)).toEqual(['a', 'b', 'c']);
    expect(src.tokens).toEqual([undefined, 't1', 't2']);
    expect((await run(pages([{ ids: ['a'] }]))).length).toBe(1);
  });

  it('stops on a repeating token', async () => {
    const src = pages([{ ids: ['a'], next: 't1' }, { ids: ['b'], next: 't2' }, { ids: ['c'], next: 't1' }]);
    await expect(run(src)).rejects.toThrow(ZoomPagingError);
    await expect(run(pages([{ ids: ['a'], next: 't1' }, { ids: ['b'], next: 't1' }]))).rejects.toThrow(/next_page_token repeated/);
  });

  it('stops on a page that repeats an earlier page under a new token', async () => {
    let n = 0;
    const looping = async () => ({ next_page_token: `t${++n}`, users: [{ user_id: 'a' }, { user_id: 'b' }] });
    await expect(collect(paginate({ what: 'list users', fetchPage: looping, itemsOf: (r) => r.users, idOf: (u) => u.user_id })))
      .rejects.toThrow(/repeats .* earlier page/);
    expect(n).toBe(2);
  });
});

// ---- batching --------------------------------------------------------------------------------

/**
 * An in-memory stand-in for the client methods the batching helpers use, with Zoom's error codes.
 * `mode` decides batch semantics: atomic (first error rejects all) or partial (valid users are
 * created, then the first error is returned) — the helpers must give the same outcomes for both.
 */
class StubZcc {
  users = new Map<string, { id: string; pkg: string }>();
  account = new Set<string>();
  capacity: Record<string, number> = {};
  calls: Record<string, number> = {};
  failNextBatches = 0;
  dailyAfter = Infinity;
  private seq = 0;
  constructor(private readonly mode: 'atomic' | 'atomicAll' | 'partial' | 'partial201') {}

  private count(name: string) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (--this.dailyAfter < 0) throw new ZoomDailyLimitError({ status: 429, message: 'daily', method: 'X', pathTemplate: name });
  }

  private err(status: number, code: number, message: string, intent: OperationIntent, path: string) {
    return new ZoomApiError({ status, code, message, method: 'X', pathTemplate: path, kind: classify(status, code, intent) });
  }

  private check(u: CreateUserBody): ZoomApiError | undefined {
    const email = u.user_email!.toLowerCase();
    if (this.users.has(email)) return this.err(400, 1007, `User already exists: ${email}.`, 'create', 'c');
    if (!this.account.has(email)) return this.err(400, 1004, `Invalid user ID or user email: ${email}.`, 'create', 'c');
    if (u.role_id === 'missing') return this.err(404, 2201, `Role does not exist: ${u.role_id}.`, 'create', 'c');
    const pkg = u.package_name ?? 'essentials';
    const used = [...this.users.values()].filter((x) => x.pkg === pkg).length;
    if (this.capacity[pkg] !== undefined && used >= this.capacity[pkg]) return this.err(400, 290010, 'The selected package or add-ons is not enough.', 'create', 'c');
    return undefined;
  }

  private add(u: CreateUserBody): ZoomCcUser {
    const id = `id${++this.seq}`;
    this.users.set(u.user_email!.toLowerCase(), { id, pkg: u.package_name ?? 'essentials' });
    return { user_id: id, user_email: u.user_email! };
  }

  async batchCreateUsers(items: BatchCreateUserItem[]): Promise<ZoomCcUser[]> {
    this.count('batchCreate');
    if (this.failNextBatches > 0) {
      this.failNextBatches--;
      throw this.err(400, 300, 'Validation Failed.', 'create', 'b');
    }
    if (this.mode === 'atomic' || this.mode === 'atomicAll') {
      // Check each user against the state including the batch's earlier users, then undo on error.
      const added: string[] = [];
      const out: ZoomCcUser[] = [];
      const failures: Array<{ i: number; e: ZoomApiError }> = [];
      items.forEach((u, i) => {
        const e = this.check(u);
        if (e) failures.push({ i, e });
        else {
          out.push(this.add(u));
          added.push(u.user_email!.toLowerCase());
        }
      });
      if (failures.length) {
        added.forEach((email) => this.users.delete(email));
        const first = failures[0].e;
        if (this.mode === 'atomic') throw first;
        // The emulator's style: the first error, and every failing item in errors[] with its code.
        throw new ZoomApiError({
          status: first.status, code: first.code, message: first.zoomMessage, method: 'POST', pathTemplate: 'b', kind: first.kind,
          errors: failures.map((f) => ({ field: `users[${f.i}]`, message: `${items[f.i].user_email}: ${f.e.zoomMessage} (code ${f.e.code})` })),
        });
      }
      return out;
    }
    const created: ZoomCcUser[] = [];
    let first: ZoomApiError | undefined;
    for (const u of items) {
      const e = this.check(u);
      if (e) first ??= e;
      else created.push(this.add(u));
    }
    if (first && this.mode === 'partial') throw first;
    return created; // partial201: a 201 listing only the created users
  }

  async createUser(u: CreateUserBody): Promise<ZoomCcUser> {
    this.count('create');
    const e = this.check(u);
    if (e) throw e;
    return this.add(u);
  }

  async batchUpdateUsers(items: BatchUpdateUserItem[]): Promise<void> {
    this.count('batchUpdate');
    const ids = new Set([...this.users.values()].map((x) => x.id));
    const missing = items.find((i) => !ids.has(i.user_id!));
    if (missing) throw this.err(404, 1001, `User does not exist: ${missing.user_id}.`, 'other', 'bu');
    if (items.some((i) => i.package_name && i.package_name !== capitalisePackage(i.package_name.toLowerCase() as 'elite'))) throw new Error('bad case');
  }

  async updateUser(userId: string, _b: UpdateUserBody): Promise<void> {
    this.count('update');
    if (![...this.users.values()].some((x) => x.id === userId)) throw this.err(404, 1001, `User does not exist: ${userId}.`, 'other', 'u');
  }

  async batchDeleteUsers(sel: { userIds: string[] } | { emails: string[] }): Promise<void> {
    this.count('batchDelete');
    const ids = 'userIds' in sel ? sel.userIds : sel.emails;
    const entries = [...this.users.entries()];
    const find = (x: string) => entries.find(([email, v]) => v.id === x || email === x.toLowerCase());
    const missing = ids.filter((x) => !find(x));
    // Atomic modes delete nothing when a user is missing; the others delete those that exist.
    if (missing.length && this.mode.startsWith('atomic')) throw this.err(404, 1012, `User does not exist: [${missing.join(', ')}].`, 'remove', 'bd');
    for (const x of ids) if (find(x)) this.users.delete(find(x)![0]);
    if (missing.length) throw this.err(404, 1012, `User does not exist: [${missing.join(', ')}].`, 'remove', 'bd');
  }

  async deleteUser(userId: string): Promise<void> {
    this.count('delete');
    const e = [...this.users.entries()].find(([, v]) => v.id === userId);
    if (!e) throw this.err(404, 1001, `User does not exist: ${userId}.`, 'remove', 'd');
    this.users.delete(e[0]);
  }

  async findUserByEmail(email: string): Promise<ZoomCcUser | undefined> {
    this.count('list');
    const u = this.users.get(email.toLowerCase());
    return u ? { user_id: u.id, user_email: email } : undefined;
  }

  queue = new Set<string>();
  async assignQueueAgents(_q: string, ids: string[]) {
    this.count('assignQueue');
    const bad = ids.find((x) => x.startsWith('ghost'));
    if (bad) throw this.err(400, 1001, `User does not exist: ${bad}.`, 'other', 'aq');
    ids.forEach((x) => this.queue.add(x));
    return ids.map((x) => ({ user_id: x }));
  }

  async removeQueueAgent(_q: string, userId: string) {
    this.count('removeQueue');
    if (!this.queue.delete(userId)) throw this.err(404, 1201, `Queue agent does not exist: ${userId}.`, 'remove', 'rq');
  }
}

const asClient = (s: StubZcc) => s as unknown as ZoomCcClient;
const item = (n: number, extra: Partial<CreateUserItem> = {}): CreateUserItem => ({ user_email: `user${n}@x.com`, role_id: 'r1', ...extra });

describe('batching helpers', () => {
  it('chunks into arrays of at most n', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 20)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });

  it('finds the users a rejection names, by whole email or id', () => {
    const e = new ZoomApiError({ status: 400, code: 1007, message: 'User already exists: a@x.com.', method: 'POST', pathTemplate: 'p', kind: 'already_done' });
    const list = [{ e: 'ba@x.com' }, { e: 'a@x.com' }, { e: 'A@X.com' }];
    expect(namedItems(e, list, (i) => [i.e])).toEqual([{ e: 'a@x.com' }, { e: 'A@X.com' }]);
    const e2 = new ZoomApiError({ status: 404, code: 1012, message: 'User does not exist: [id1, id3].', method: 'DELETE', pathTemplate: 'p', kind: 'already_done' });
    expect(namedItems(e2, ['id1', 'id2', 'id3', 'id33'], (i) => [i])).toEqual(['id1', 'id3']);
  });

  it('attributes each user a rejection lists to its own code', () => {
    const e = new ZoomApiError({
      status: 400, code: 1007, message: 'User already exists: b@x.com.', method: 'POST', pathTemplate: 'p', kind: 'already_done',
      errors: [
        { field: 'users[1]', message: 'b@x.com: User already exists: b@x.com. (code 1007)' },
        { field: 'users[2]', message: 'c@x.com: Invalid user ID or user email: c@x.com. (code 1004)' },
        { field: 'users[3]', message: 'Role does not exist: r9. (code 2201)' },
      ],
    });
    const list = ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com'];
    expect(attribute(e, list, (i) => [i]).map((a) => [a.item, a.code])).toEqual([['b@x.com', 1007], ['c@x.com', 1004], ['d@x.com', 2201]]);
  });

  /**
   * With partial semantics (valid users created, then the first error returned) a user this run
   * created can come back as 'already' on the resend; the end state is the same. Exact labels are
   * asserted for atomic batches and for a 201 that lists only the created users.
   */
  const created = (mode: string) => (mode === 'partial' ? ['done', 'already'] : ['done']);

  describe.each(['atomic', 'atomicAll', 'partial', 'partial201'] as const)('createUsers against a %s batch', (mode) => {
    it('settles existing, non-Zoom and new users in one run', async () => {
      const s = new StubZcc(mode);
      for (let i = 0; i < 50; i++) s.account.add(`user${i}@x.com`);
      for (const i of [3, 17, 30]) await s.createUser(item(i));
      s.calls = {};
      const items = [...Array.from({ length: 50 }, (_, i) => item(i)), item(90), item(91)];
      const out = await createUsers(asClient(s), items);
      const by = Object.fromEntries(out.map((o) => [o.email, o.outcome]));
      expect(out).toHaveLength(52);
      expect(by['user3@x.com']).toBe('already');
      expect(by['user17@x.com']).toBe('already');
      expect(by['user90@x.com']).toBe('not_zoom_user');
      expect(by['user91@x.com']).toBe('not_zoom_user');
      const others = out.filter((o) => !['user3@x.com', 'user17@x.com', 'user30@x.com', 'user90@x.com', 'user91@x.com'].includes(o.email));
      expect(others).toHaveLength(47);
      expect(others.every((o) => created(mode).includes(o.outcome))).toBe(true);
      expect(out.filter((o) => o.outcome === 'done').every((o) => o.userId)).toBe(true);
      expect(s.users.size).toBe(50);
    });

    it('creates until the licenses run out and marks the rest license_exhausted, per package', async () => {
      const s = new StubZcc(mode);
      for (let i = 0; i < 60; i++) s.account.add(`user${i}@x.com`);
      s.capacity = { premium: 25 };
      const items = [
        ...Array.from({ length: 40 }, (_, i) => item(i, { package_name: 'premium' })),
        ...Array.from({ length: 20 }, (_, i) => item(40 + i, { package_name: 'essentials' })),
      ];
      const out = await createUsers(asClient(s), items, { concurrency: 1 });
      const count = (k: string) => out.filter((o) => o.outcome === k).length;
      expect(count('done') + (mode === 'partial' ? count('already') : 0)).toBe(45);
      expect(count('license_exhausted')).toBe(15);
      expect(out.filter((o) => o.outcome === 'license_exhausted').every((o) => o.error?.code === 290010)).toBe(true);
      expect(s.users.size).toBe(45);
    });

    it('does not let one bad user fail the good ones of its batch', async () => {
      const s = new StubZcc(mode);
      for (let i = 0; i < 20; i++) s.account.add(`user${i}@x.com`);
      const items = Array.from({ length: 20 }, (_, i) => item(i, i === 7 ? { role_id: 'missing' } : {}));
      const out = await createUsers(asClient(s), items);
      expect(out.filter((o) => created(mode).includes(o.outcome))).toHaveLength(19);
      expect(s.users.size).toBe(19);
      expect(out[7]).toMatchObject({ email: 'user7@x.com', outcome: 'failed', error: { code: 2201, kind: 'bad_request' } });
    });
  });

  it('switches to single creates after two 1007 in a row (a batch applied by a lost attempt)', async () => {
    const s = new StubZcc('atomic');
    for (let i = 0; i < 20; i++) s.account.add(`user${i}@x.com`);
    for (let i = 0; i < 20; i++) await s.createUser(item(i));
    s.calls = {};
    const out = await createUsers(asClient(s), Array.from({ length: 20 }, (_, i) => item(i)));
    expect(out.every((o) => o.outcome === 'already')).toBe(true);
    expect(s.calls).toEqual({ batchCreate: 2, create: 18 });
  });

  it('settles a whole batch in one call when the rejection lists every existing user', async () => {
    const s = new StubZcc('atomicAll');
    for (let i = 0; i < 20; i++) s.account.add(`user${i}@x.com`);
    for (let i = 0; i < 20; i += 2) await s.createUser(item(i));
    s.calls = {};
    const out = await createUsers(asClient(s), Array.from({ length: 20 }, (_, i) => item(i)));
    expect(out.map((o) => o.outcome)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'already' : 'done')));
    expect(s.calls).toEqual({ batchCreate: 2 });
  });

  it('falls back to single creates on an unknown batch rejection', async () => {
    const s = new StubZcc('atomic');
    for (let i = 0; i < 20; i++) s.account.add(`user${i}@x.com`);
    s.failNextBatches = 1;
    const out = await createUsers(asClient(s), Array.from({ length: 20 }, (_, i) => item(i)));
    expect(out.every((o) => o.outcome === 'done')).toBe(true);
    expect(s.calls).toEqual({ batchCreate: 1, create: 20 });
  });

  it('looks up the ids of users that already existed when asked', async () => {
    const s = new StubZcc('atomic');
    s.account.add('user1@x.com');
    const first = await s.createUser(item(1));
    const out = await createUsers(asClient(s), [item(1)], { resolveExistingIds: true });
    expect(out).toEqual([{ email: 'user1@x.com', outcome: 'already', userId: first.user_id, error: expect.objectContaining({ code: 1007 }) }]);
  });

  it('aborts on a daily limit and keeps the outcomes decided so far', async () => {
    const s = new StubZcc('atomic');
    for (let i = 0; i < 60; i++) s.account.add(`user${i}@x.com`);
    s.dailyAfter = 2;
    const err = await createUsers(asClient(s), Array.from({ length: 60 }, (_, i) => item(i)), { concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomDailyLimitError);
    const partial = partialOutcomesOf(err)!;
    expect(partial).toHaveLength(60);
    expect(partial.filter((o) => o.outcome === 'done')).toHaveLength(40);
  });

  it('updates in batches with capitalised packages; a missing user fails with the reason', async () => {
    const s = new StubZcc('atomic');
    for (let i = 0; i < 25; i++) s.account.add(`user${i}@x.com`);
    const created = await Promise.all(Array.from({ length: 25 }, (_, i) => s.createUser(item(i))));
    const items = created.map((u) => ({ email: u.user_email, userId: u.user_id, body: { package_name: 'premium' as const } }));
    items.push({ email: 'gone@x.com', userId: 'nope', body: { package_name: 'premium' } });
    items.push({ email: 'chan@x.com', userId: created[0].user_id, body: { channel_settings: { concurrent_message_capacity: 3 } } as UpdateUserBody & { package_name: 'premium' } });
    const out = await updateUsers(asClient(s), items);
    const by = Object.fromEntries(out.map((o) => [o.email, o]));
    expect(out.filter((o) => o.outcome === 'done')).toHaveLength(26);
    expect(by['gone@x.com']).toMatchObject({ outcome: 'failed', error: { code: 1001 } });
    expect(s.calls.update).toBe(1); // channel_settings is not in the batch item
  });

  it.each(['atomic', 'partial'] as const)('deletes in batches (%s); users already gone are "already"', async (mode) => {
    const s = new StubZcc(mode);
    for (let i = 0; i < 30; i++) s.account.add(`user${i}@x.com`);
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => s.createUser(item(i))));
    await s.deleteUser(created[4].user_id);
    const refs = created.map((u) => ({ email: u.user_email, userId: u.user_id }));
    refs.push({ email: 'nobody@x.com', userId: undefined as unknown as string });
    const out = await deleteUsers(asClient(s), refs);
    const by = Object.fromEntries(out.map((o) => [o.email, o.outcome]));
    expect(by['user4@x.com']).toBe('already');
    expect(by['nobody@x.com']).toBe('already');
    expect(out.filter((o) => o.outcome === 'done')).toHaveLength(29);
    expect(s.users.size).toBe(0);
  });

  it('assigns to a queue 30 a call and retries a rejected call per user', async () => {
    const s = new StubZcc('atomic');
    const refs = Array.from({ length: 45 }, (_, i) => ({ email: `u${i}@x.com`, userId: i === 40 ? 'ghost1' : `id${i}` }));
    const out = await assignToQueue(asClient(s), 'q1', refs);
    expect(out.filter((o) => o.outcome === 'done')).toHaveLength(44);
    expect(out[40]).toMatchObject({ outcome: 'failed', error: { code: 1001 } });
    expect(s.calls.assignQueue).toBe(2 + 15);
  });

  it('removes agents one call each; an agent not in the queue is "already"', async () => {
    const s = new StubZcc('atomic');
    s.queue.add('id1');
    const out = await removeFromQueue(asClient(s), 'q1', [{ email: 'a@x.com', userId: 'id1' }, { email: 'b@x.com', userId: 'id2' }]);
    expect(out.map((o) => o.outcome)).toEqual(['done', 'already']);
  });
});
