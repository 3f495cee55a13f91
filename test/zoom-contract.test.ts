/**
 * The contract suite: the ZCC client against the emulator (in-process, port 0). Every operation
 * zcc-sync uses, paging over 1,000+ users, batch limits, Zoom's error codes, license exhaustion,
 * token renewal and 401 recovery, bad credentials, and rate limiting at the plan's numbers.
 */
import { startEmulator, type EmulatorHandle } from '../emulator';
import {
  RateGovernor,
  ZoomApiError,
  ZoomAuthError,
  ZoomInputError,
  OPERATIONS,
  collect,
  createUsers,
  deleteUsers,
  assignToQueue,
  removeFromQueue,
  assignRole,
  updateUsers,
  type ZoomCcClient,
  type ZoomCcUser,
} from '../src/zoom';
import { clientFor, emailOf, seedWith } from './support/zoom-emulator';

const ACCOUNT_USERS = 1_300;

let emu: EmulatorHandle;
let zcc: ZoomCcClient;
let roleIds: Map<string, string>;
let queueIds: Map<string, string>;

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    rateLimits: false,
    seed: seedWith(ACCOUNT_USERS, {
      licenses: { elite: 3 },
      ccUsers: [
        { email: emailOf(0), role: 'Admin', package: 'premium', queues: ['Sales'] },
        { email: emailOf(1), role: 'Agent', queues: ['Sales', 'Support'] },
      ],
    }),
  });
  zcc = clientFor(emu);
  roleIds = await zcc.resolveRoles(['Admin', 'Agent', 'Supervisor']);
  queueIds = await zcc.resolveQueues(['Sales', 'Support', 'Billing']);
});

afterAll(async () => {
  await emu?.close();
});

const stateUser = async (email: string) => (await emu.state()).users.find((u) => u.email === email);

describe('auth', () => {
  it('checks the token and reports its life and scopes', async () => {
    const t = await zcc.checkToken();
    expect(t.expiresInSeconds).toBeGreaterThan(3500);
    expect(t.scopes).toContain('contact_center_user:write:admin');
  });

  it('a wrong client secret gives a clear error naming the token check, without the secret', async () => {
    const bad = clientFor(emu, { clientSecret: 'wrong-secret-123' });
    const err = await bad.checkToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomAuthError);
    expect((err as Error).message).toBe(
      `ZCC token request to ${emu.tokenUrl} failed: 401 invalid client (Invalid client_id or client_secret) — check contactCenter.clientId/clientSecret/accountId`,
    );
    expect((err as Error).message).not.toContain('wrong-secret-123');
    // An API call with bad credentials fails the same way, before any API request.
    const before = emu.stats().calls['GET /contact_center/users/{userId}'] ?? 0;
    await expect(bad.getUser(emailOf(0))).rejects.toThrow(/ZCC token request .* failed: 401/);
    expect(emu.stats().calls['GET /contact_center/users/{userId}'] ?? 0).toBe(before);
  });

  it('a wrong account id is named as a token failure too', async () => {
    const bad = clientFor(emu, { accountId: 'other-account' });
    await expect(bad.checkToken()).rejects.toThrow(/ZCC token request to .* failed: 400 invalid request \(Invalid account_id\) — check contactCenter\.clientId\/clientSecret\/accountId/);
  });

  it('recovers from a 401 by renewing the token once', async () => {
    const c = clientFor(emu);
    await c.getUser(emailOf(0)); // token 1
    const issued = emu.stats().tokensIssued;
    const unauthorized = emu.stats().statuses['401'] ?? 0;
    emu.expireTokens();
    const u = await c.getUser(emailOf(0));
    expect(u.user_email).toBe(emailOf(0));
    expect(emu.stats().tokensIssued).toBe(issued + 1);
    expect(emu.stats().statuses['401']).toBe(unauthorized + 1);
  });

  it('shares one renewal among concurrent callers after a 401', async () => {
    const c = clientFor(emu);
    await c.getUser(emailOf(0));
    emu.expireTokens();
    const issued = emu.stats().tokensIssued;
    await Promise.all(Array.from({ length: 8 }, () => c.getUser(emailOf(1))));
    expect(emu.stats().tokensIssued).toBe(issued + 1);
  });

  it('renews a token before it expires (no 401)', async () => {
    const short = await startEmulator({ port: 0, rateLimits: false, tokenTtlSeconds: 2, seed: seedWith(3) });
    try {
      const c = clientFor(short);
      await collect(c.listRoles());
      // A 2 s token is renewed after half its life.
      await new Promise((r) => setTimeout(r, 1_200));
      await collect(c.listRoles());
      expect(short.stats().tokensIssued).toBe(2);
      expect(short.stats().statuses['401'] ?? 0).toBe(0);
    } finally {
      await short.close();
    }
  });
});

describe('roles and queues by name', () => {
  it('resolves names to ids', async () => {
    expect([...roleIds.keys()]).toEqual(['Admin', 'Agent', 'Supervisor']);
    const roles = await collect(zcc.listRoles());
    expect(roles.find((r) => r.role_name === 'Agent')?.role_id).toBe(roleIds.get('Agent'));
    const queues = await collect(zcc.listQueues());
    expect(queues.map((q) => q.queue_name).sort()).toEqual(['Billing', 'Sales', 'Support']);
    expect(queueIds.get('Sales')).toBe(queues.find((q) => q.queue_name === 'Sales')?.cc_queue_id);
  });

  it('an unknown role lists the roles that exist', async () => {
    await expect(zcc.resolveRoles(['Agnt'])).rejects.toThrow(new ZoomInputError("unknown role 'Agnt'; roles that exist: Admin, Agent, Supervisor"));
    await expect(zcc.resolveQueues(['Sales', 'Nope'])).rejects.toThrow("unknown queue 'Nope'; queues that exist: Billing, Sales, Support");
  });

  it('the emulator refuses an unknown role id on create with 404 code 2201', async () => {
    const err = (await zcc.createUser({ user_email: emailOf(1299), role_id: 'no-such-role' }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 404, code: 2201, kind: 'bad_request' });
  });
});

describe('users', () => {
  let created: ZoomCcUser;

  it('creates a user (201 + the user) and gets it', async () => {
    created = await zcc.createUser({ user_email: emailOf(10), role_id: roleIds.get('Agent'), package_name: 'premium', country_iso_code: 'US' });
    expect(created).toMatchObject({ user_email: emailOf(10), role_name: 'Agent', package_name: 'premium' });
    expect(created.user_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const got = await zcc.getUser(created.user_id);
    expect(got).toMatchObject({ user_id: created.user_id, user_email: emailOf(10), country_iso_code: 'US', user_access: 'active' });
  });

  it('a duplicate create is 400 code 1007, classified already done', async () => {
    const err = (await zcc.createUser({ user_email: emailOf(10), role_id: roleIds.get('Agent') }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toBeInstanceOf(ZoomApiError);
    expect(err).toMatchObject({ status: 400, code: 1007, kind: 'already_done', method: 'POST', pathTemplate: '/contact_center/users' });
    expect(err.zoomMessage).toContain(emailOf(10));
  });

  it('a user outside the Zoom account is 1004, classified not a Zoom user', async () => {
    const err = (await zcc.createUser({ user_email: 'stranger@elsewhere.com', role_id: roleIds.get('Agent') }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 400, code: 1004, kind: 'not_zoom_user' });
  });

  it('batch-creates up to 20 users', async () => {
    const users = Array.from({ length: 20 }, (_, i) => ({ user_email: emailOf(20 + i), role_id: roleIds.get('Agent') }));
    const out = await zcc.batchCreateUsers(users);
    expect(out.map((u) => u.user_email)).toEqual(users.map((u) => u.user_email));
    expect(emu.stats().byUser[emailOf(25)].create).toBe(1);
  });

  it('21 users in one batch: the client refuses before calling; the emulator refuses with Zoom\'s error', async () => {
    const users = Array.from({ length: 21 }, (_, i) => ({ user_email: emailOf(50 + i), role_id: roleIds.get('Agent') }));
    const before = emu.stats().calls['POST /contact_center/users/batch'] ?? 0;
    await expect(zcc.batchCreateUsers(users)).rejects.toThrow(ZoomInputError);
    expect(emu.stats().calls['POST /contact_center/users/batch'] ?? 0).toBe(before);
    const err = (await zcc.request({ op: OPERATIONS.batchCreateUsers, body: { users } }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 400, code: 300, kind: 'bad_request' });
    expect(err.errors).toEqual([{ field: 'users', message: 'The maximum number of created users is 20.' }]);
    expect((await stateUser(emailOf(50)))).toBeUndefined();
    // the same for batch update, batch delete and the 30-maximum assignments
    const upd = (await zcc.request({ op: OPERATIONS.batchUpdateUsers, body: { users: users.map((u) => ({ user_email: u.user_email, user_access: 'inactive' })) } }).catch((e: unknown) => e)) as ZoomApiError;
    expect(upd).toMatchObject({ status: 400, code: 300 });
    const del = (await zcc.request({ op: OPERATIONS.batchDeleteUsers, query: { user_emails: users.map((u) => u.user_email) } }).catch((e: unknown) => e)) as ZoomApiError;
    expect(del).toMatchObject({ status: 400, code: 300 });
    const ids = Array.from({ length: 31 }, (_, i) => emailOf(20 + (i % 20)));
    const aq = (await zcc.request({ op: OPERATIONS.assignQueueAgents, pathParams: { queueId: queueIds.get('Billing')! }, body: { user_ids: ids } }).catch((e: unknown) => e)) as ZoomApiError;
    expect(aq).toMatchObject({ status: 400, code: 300 });
  });

  it('updates one user (204) and a batch of users', async () => {
    await zcc.updateUser(created.user_id, { user_access: 'inactive', channel_settings: { concurrent_message_capacity: 4 } });
    expect(await zcc.getUser(created.user_id)).toMatchObject({ user_access: 'inactive', channel_settings: { concurrent_message_capacity: 4 } });
    await zcc.batchUpdateUsers([
      { user_email: emailOf(20), package_name: 'Premium' },
      { user_id: (await zcc.getUser(emailOf(21))).user_id, role_id: roleIds.get('Supervisor') },
    ]);
    expect(await stateUser(emailOf(20))).toMatchObject({ package: 'premium' });
    expect(await stateUser(emailOf(21))).toMatchObject({ role: 'Supervisor' });
  });

  it('updating a missing user is 404 code 1001 (not "already done" for an update)', async () => {
    const err = (await zcc.updateUser('AAAAAAAAAAAAAAAAAAAAAA', { user_access: 'active' }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 404, code: 1001, kind: 'bad_request' });
  });

  it('lists the queues of a user', async () => {
    const u = await zcc.getUser(emailOf(1));
    const queues = await collect(zcc.listUserQueues(u.user_id));
    expect(queues.map((q) => q.queue_name).sort()).toEqual(['Sales', 'Support']);
  });

  it('deletes one user; deleting a missing user is 1001, classified already done', async () => {
    const u = await zcc.getUser(emailOf(39));
    await zcc.deleteUser(u.user_id);
    expect(await stateUser(emailOf(39))).toBeUndefined();
    const err = (await zcc.deleteUser(u.user_id).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 404, code: 1001, kind: 'already_done' });
  });

  it('batch-deletes by ids and by emails; missing users are 1012, classified already done', async () => {
    const a = await zcc.getUser(emailOf(37));
    const b = await zcc.getUser(emailOf(38));
    await zcc.batchDeleteUsers({ userIds: [a.user_id, b.user_id] });
    await zcc.batchDeleteUsers({ emails: [emailOf(36)] });
    const st = await emu.state();
    expect(st.users.filter((u) => [emailOf(36), emailOf(37), emailOf(38)].includes(u.email))).toEqual([]);
    const err = (await zcc.batchDeleteUsers({ userIds: [a.user_id] }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 404, code: 1012, kind: 'already_done' });
  });
});

describe('paging', () => {
  beforeAll(async () => {
    const items = Array.from({ length: 1_100 }, (_, i) => ({ user_email: emailOf(100 + i), role_id: roleIds.get('Agent') }));
    const out = await createUsers(zcc, items, { concurrency: 4 });
    expect(out.filter((o) => o.outcome === 'done')).toHaveLength(1_100);
  });

  it('pages over every user, 300 a page, without duplicates', async () => {
    const pages = [];
    for await (const p of zcc.listUsers()) pages.push(p);
    const all = pages.flatMap((p) => p.items);
    const total = (await emu.state()).users.length;
    expect(total).toBeGreaterThan(1_100);
    expect(all).toHaveLength(total);
    expect(new Set(all.map((u) => u.user_id)).size).toBe(total);
    expect(pages.map((p) => p.items.length).slice(0, -1).every((n) => n === 300)).toBe(true);
    expect(pages.length).toBe(Math.ceil(total / 300));
    expect(pages.at(-1)!.nextPageToken).toBeUndefined();
    expect(pages[0].totalRecords).toBe(total);
  });

  it('pages with a smaller page size and a filter', async () => {
    await zcc.updateUser(emailOf(150), { user_access: 'inactive' });
    let n = 0;
    for await (const u of zcc.allUsers({ page_size: 50, user_access: 'active' })) {
      expect(u.user_access).toBe('active');
      n++;
    }
    const st = await emu.state();
    expect(n).toBe(st.users.filter((u) => u.access === 'active').length);
  });

  it('finds a user by email through search_key', async () => {
    expect((await zcc.findUserByEmail(emailOf(777)))?.user_email).toBe(emailOf(777));
    expect(await zcc.findUserByEmail('nobody@example.com')).toBeUndefined();
  });
});

describe('roles', () => {
  it('lists role users, assigns (by id and email) and unassigns', async () => {
    const sup = roleIds.get('Supervisor')!;
    const u1 = await zcc.getUser(emailOf(200));
    const assigned = await zcc.assignRoleUsers(sup, [u1.user_id, emailOf(201)]);
    expect(assigned.map((u) => u.user_email).sort()).toEqual([emailOf(200), emailOf(201)]);
    const members = await collect(zcc.listRoleUsers(sup));
    expect(members.map((m) => m.user_email)).toEqual(expect.arrayContaining([emailOf(200), emailOf(201)]));
    await zcc.unassignRoleUser(sup, u1.user_id);
    expect(await stateUser(emailOf(200))).toMatchObject({ role: 'Agent' });
  });

  it('assigns a role to many users through the helper (30 a call)', async () => {
    const refs = Array.from({ length: 45 }, (_, i) => ({ email: emailOf(300 + i) }));
    const before = emu.stats().calls['POST /contact_center/roles/{roleId}/users'] ?? 0;
    const out = await assignRole(zcc, roleIds.get('Supervisor')!, refs);
    expect(out.every((o) => o.outcome === 'done' && o.userId)).toBe(true);
    expect(emu.stats().calls['POST /contact_center/roles/{roleId}/users']).toBe(before + 2);
    expect((await emu.state()).users.filter((u) => u.role === 'Supervisor').length).toBeGreaterThanOrEqual(45);
  });
});

describe('queues', () => {
  it('lists agents, assigns agents and removes one; removing again is 1201, already done', async () => {
    const q = queueIds.get('Billing')!;
    const agents = await zcc.assignQueueAgents(q, [emailOf(400), emailOf(401)]);
    expect(agents.map((a) => a.user_email).sort()).toEqual([emailOf(400), emailOf(401)]);
    const listed = await collect(zcc.listQueueAgents(q));
    expect(listed.map((a) => a.user_email)).toEqual(expect.arrayContaining([emailOf(400), emailOf(401)]));
    await zcc.removeQueueAgent(q, agents[0].user_id);
    const err = (await zcc.removeQueueAgent(q, agents[0].user_id).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 404, code: 1201, kind: 'already_done' });
  });

  it('pages queue agents 100 a page', async () => {
    const q = queueIds.get('Support')!;
    const refs = Array.from({ length: 250 }, (_, i) => ({ email: emailOf(500 + i) }));
    const out = await assignToQueue(zcc, q, refs);
    expect(out.every((o) => o.outcome === 'done')).toBe(true);
    const pages = [];
    for await (const p of zcc.listQueueAgents(q)) pages.push(p);
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 51]); // + the seeded agent
  });

  it('removes agents through the helper; those not in the queue are "already"', async () => {
    const q = queueIds.get('Support')!;
    const u = await zcc.getUser(emailOf(500));
    const v = await zcc.getUser(emailOf(900));
    const out = await removeFromQueue(zcc, q, [{ email: emailOf(500), userId: u.user_id }, { email: emailOf(900), userId: v.user_id }]);
    expect(out.map((o) => o.outcome)).toEqual(['done', 'already']);
    expect(emu.stats().byUser[emailOf(500)].queueRemove).toBe(1);
  });
});

describe('batching helpers against the emulator', () => {
  it('createUsers: existing → already, outside the account → not_zoom_user, the rest done', async () => {
    const items = [emailOf(10), emailOf(1200), 'ghost@nowhere.org', emailOf(1201)].map((e) => ({ user_email: e, role_id: roleIds.get('Agent') }));
    const out = await createUsers(zcc, items);
    expect(out.map((o) => [o.email, o.outcome])).toEqual([
      [emailOf(10), 'already'],
      [emailOf(1200), 'done'],
      ['ghost@nowhere.org', 'not_zoom_user'],
      [emailOf(1201), 'done'],
    ]);
    expect(out[0].error?.code).toBe(1007);
    expect(out[2].error?.code).toBe(1004);
    // With resolveExistingIds, users that already existed get their id too.
    const again = await createUsers(zcc, [{ user_email: emailOf(10), role_id: roleIds.get('Agent') }], { resolveExistingIds: true });
    expect(again[0]).toMatchObject({ outcome: 'already', userId: (await zcc.getUser(emailOf(10))).user_id });
  });

  it('license exhaustion: creates until the package runs out, the rest license_exhausted', async () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ user_email: emailOf(1210 + i), role_id: roleIds.get('Agent'), package_name: 'elite' as const }));
    items.push({ user_email: emailOf(1220), role_id: roleIds.get('Agent'), package_name: 'premium' as never });
    const out = await createUsers(zcc, items);
    expect(out.filter((o) => o.outcome === 'done').map((o) => o.email)).toEqual([emailOf(1210), emailOf(1211), emailOf(1212), emailOf(1220)]);
    expect(out.filter((o) => o.outcome === 'license_exhausted')).toHaveLength(3);
    const st = await emu.state();
    expect(st.licenses.elite).toEqual({ capacity: 3, used: 3 });
    // 290010 from the emulator directly
    const err = (await zcc.createUser({ user_email: emailOf(1230), role_id: roleIds.get('Agent'), package_name: 'elite' }).catch((e: unknown) => e)) as ZoomApiError;
    expect(err).toMatchObject({ status: 400, code: 290010, kind: 'license_exhausted' });
  });

  it('updateUsers: batch with capitalised packages, single for channel settings, missing user failed', async () => {
    const a = await zcc.getUser(emailOf(1200));
    const b = await zcc.getUser(emailOf(1201));
    const out = await updateUsers(zcc, [
      { email: a.user_email, userId: a.user_id, body: { package_name: 'premium', user_access: 'inactive' } },
      { email: b.user_email, userId: b.user_id, body: { channel_settings: { concurrent_email_capacity: 2 } } },
      { email: 'gone@example.com', userId: 'BBBBBBBBBBBBBBBBBBBBBB', body: { user_access: 'inactive' } },
    ]);
    expect(out.map((o) => o.outcome)).toEqual(['done', 'done', 'failed']);
    expect(out[2].error).toMatchObject({ code: 1001 });
    expect(await stateUser(emailOf(1200))).toMatchObject({ package: 'premium', access: 'inactive' });
    expect((await stateUser(emailOf(1201)))?.settings.channel_settings).toMatchObject({ concurrent_email_capacity: 2 });
  });

  it('deleteUsers: deletes in batches of 20; users already gone are "already"', async () => {
    const refs: Array<{ email: string; userId: string }> = [];
    for (let i = 0; i < 25; i++) refs.push({ email: emailOf(1000 + i), userId: (await zcc.getUser(emailOf(1000 + i))).user_id });
    await zcc.deleteUser(refs[3].userId);
    refs.push({ email: 'never@example.com', userId: 'CCCCCCCCCCCCCCCCCCCCCC' });
    const out = await deleteUsers(zcc, refs);
    const by = Object.fromEntries(out.map((o) => [o.email, o.outcome]));
    expect(by[emailOf(1003)]).toBe('already');
    expect(by['never@example.com']).toBe('already');
    expect(out.filter((o) => o.outcome === 'done')).toHaveLength(24);
    const st = await emu.state();
    expect(st.users.filter((u) => refs.some((r) => r.email === u.email))).toEqual([]);
    for (const r of refs.slice(0, 25)) expect(emu.stats().byUser[r.email].delete).toBe(1);
  });
});

describe('rate limits', () => {
  it('a client at the emulator\'s own limits is never refused', async () => {
    const limited = await startEmulator({ port: 0, plan: 'pro', timeScale: 2, seed: seedWith(60) });
    try {
      const c = clientFor(limited, { plan: 'pro', governor: new RateGovernor({ plan: 'pro', scale: 2 }) });
      const items = Array.from({ length: 60 }, (_, i) => ({ user_email: emailOf(i), role_id: undefined as string | undefined }));
      const agent = (await c.resolveRoles(['Agent'])).get('Agent')!;
      for (const it of items) it.role_id = agent;
      // 60 single creates (LIGHT, 40/s here) and 10 list calls (MEDIUM, 20/s) at once
      await Promise.all([
        ...items.map((it) => c.createUser(it)),
        ...Array.from({ length: 10 }, () => collect(c.listQueues())),
      ]);
      expect(limited.stats().rateLimited).toBe(0);
    } finally {
      await limited.close();
    }
  });

  it('a client sending faster than the limits is slowed by 429s and still completes', async () => {
    const limited = await startEmulator({ port: 0, plan: 'pro', timeScale: 1, seed: seedWith(3) });
    try {
      // A governor that thinks it may send 10× the emulator's rate.
      const c = clientFor(limited, { plan: 'pro', governor: new RateGovernor({ plan: 'pro', scale: 10 }), retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 50, maxRateLimitRetries: 20 } });
      const lists = await Promise.all(Array.from({ length: 30 }, () => collect(c.listRoles())));
      expect(lists.every((roles) => roles.length === 3)).toBe(true);
      const st = limited.stats();
      expect(st.rateLimited).toBeGreaterThan(0);
      expect(c.governor.stats().medium.penalties).toBe(st.rateLimited);
      expect(st.calls['GET /contact_center/roles']).toBe(30 + st.rateLimited);
    } finally {
      await limited.close();
    }
  });
});
