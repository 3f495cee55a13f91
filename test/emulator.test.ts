/**
 * The ZCC emulator's API, through plain fetch: token flow, every user/role/queue operation's
 * happy path and documented errors, batch limits, paging, and the admin views.
 */
import { startEmulator, type EmulatorHandle } from '../emulator';
import { accountUsers, admin, apiClient, baseSeed, getToken, CREDS, type Answer } from './emulator-support';

let now = Date.parse('2026-03-02T10:00:00Z');
const clock = () => now;

let emu: EmulatorHandle;
let call: ReturnType<typeof apiClient>;
let roles: Record<string, string>;
let queues: Record<string, { queue_id: string; cc_queue_id: string }>;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: baseSeed(), rateLimits: false, clock });
  call = apiClient(emu);
  roles = Object.fromEntries((await call('GET', '/contact_center/roles')).body.roles.map((r: { role_name: string; role_id: string }) => [r.role_name, r.role_id]));
  queues = Object.fromEntries((await call('GET', '/contact_center/queues')).body.queues.map((q: { queue_name: string }) => [q.queue_name, q]));
});

afterAll(async () => {
  await emu?.close();
});

beforeEach(async () => {
  // Some tests seed other data; every test starts from the base seed with zero counters.
  await emu.seed(baseSeed());
  emu.resetStats();
});

const emailsOf = (a: Answer, list = 'users') => (a.body[list] as { user_email: string }[]).map((u) => u.user_email);

describe('token endpoint', () => {
  it('issues a bearer token for the right credentials', async () => {
    const t = await getToken(emu);
    expect(t.status).toBe(200);
    expect(t.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 3600, scope: expect.stringContaining('contact_center_user:write:admin') });
    const ok = await apiClient(emu, t.body.access_token)('GET', '/contact_center/users');
    expect(ok.status).toBe(200);
  });

  it('refuses a wrong secret, a wrong client, a wrong grant and a wrong account', async () => {
    const badSecret = await getToken(emu, { ...CREDS, clientSecret: 'nope' });
    expect(badSecret.status).toBe(401);
    expect(badSecret.body).toEqual({ reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
    expect((await getToken(emu, { ...CREDS, clientId: 'other' })).status).toBe(401);
    expect((await getToken(emu, { ...CREDS, accountId: 'other' })).body).toEqual({ reason: 'Invalid account_id', error: 'invalid_request' });
    const grant = await fetch(emu.tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&account_id=emulator-account',
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toEqual({ reason: 'Grant type is not supported from token endpoint.', error: 'unsupported_grant_type' });
  });

  it('answers 401 code 124 without, with an unknown and with an expired token', async () => {
    const none = await fetch(`${emu.baseUrl}/contact_center/users`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 124, message: 'Invalid access token.' });
    expect((await apiClient(emu, 'made-up')('GET', '/contact_center/users')).body).toEqual({ code: 124, message: 'Invalid access token.' });

    const t = (await getToken(emu)).body.access_token as string;
    now += 3599_000;
    expect((await apiClient(emu, t)('GET', '/contact_center/users')).status).toBe(200);
    now += 2_000;
    const expired = await apiClient(emu, t)('GET', '/contact_center/users');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ code: 124, message: 'Access token is expired.' });

    const fresh = (await getToken(emu)).body.access_token as string;
    emu.expireTokens();
    expect((await apiClient(emu, fresh)('GET', '/contact_center/users')).status).toBe(401);
    call = apiClient(emu); // the shared client's token was expired too
  });
});

describe('users', () => {
  it('lists users with Zoom fields, total_records and filters', async () => {
    const all = await call('GET', '/contact_center/users');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ next_page_token: '', page_size: 30, total_records: 2 });
    expect(all.body.users[0]).toEqual({
      user_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      display_name: 'Ann Agent',
      user_email: 'ann@example.com',
      role_id: roles.Agent,
      role_name: 'Agent',
      status_id: '0',
      status_name: 'Offline',
      user_access: 'active',
      modified_by: expect.any(String),
      last_modified_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region_id: expect.any(String),
      region_name: 'Main Region',
      channel_settings: {},
      package_name: 'essentials',
      add_ons_plan: [],
    });
    expect(roles.Agent).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(emailsOf(await call('GET', '/contact_center/users?user_access=inactive'))).toEqual(['bob@example.com']);
    expect(emailsOf(await call('GET', '/contact_center/users?search_key=BUILD'))).toEqual(['bob@example.com']);
    expect(emailsOf(await call('GET', `/contact_center/users?search_key=${encodeURIComponent('ann@example.com')}`))).toEqual(['ann@example.com']);
    expect((await call('GET', '/contact_center/users?search_key=nobody')).body).toMatchObject({ total_records: 0, users: [] });
  });

  it('refuses page_size above 300 and a bad user_access', async () => {
    const big = await call('GET', '/contact_center/users?page_size=301');
    expect(big.status).toBe(400);
    expect(big.body).toEqual({ code: 300, message: 'Validation Failed.', errors: [{ field: 'page_size', message: expect.any(String) }] });
    expect((await call('GET', '/contact_center/users?page_size=0')).status).toBe(400);
    expect((await call('GET', '/contact_center/users?user_access=maybe')).body.code).toBe(300);
  });

  it('gets one user by id or email; a missing one is 404', async () => {
    const list = await call('GET', '/contact_center/users');
    const ann = list.body.users[0];
    const byId = await call('GET', `/contact_center/users/${ann.user_id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ user_id: ann.user_id, user_email: 'ann@example.com', role_name: 'Agent', package_name: 'essentials' });
    expect(byId.body.last_modified_time).toBeUndefined();
    expect((await call('GET', '/contact_center/users/ann@example.com')).body.user_id).toBe(ann.user_id);
    const missing = await call('GET', '/contact_center/users/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 300, message: 'Invalid user ID.' });
  });

  it('creates a user: 201 with the user object; by user_id too', async () => {
    const created = await call('POST', '/contact_center/users', {
      user_email: 'Cat@Example.com',
      role_id: roles.Supervisor,
      package_name: 'premium',
      user_access: 'inactive',
      country_iso_code: 'gb',
      client_integration: 'Salesforce',
      channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 3 }, concurrent_message_capacity: 4 },
    });
    expect(created.status).toBe(400); // premium: 1 license, held by bob
    expect(created.body).toEqual({ code: 290010, message: 'The selected package or add-ons is not enough.' });

    const ok = await call('POST', '/contact_center/users', {
      user_email: 'Cat@Example.com',
      role_id: roles.Supervisor,
      package_name: 'elite',
      user_access: 'inactive',
      country_iso_code: 'gb',
      client_integration: 'Salesforce',
      channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 3 }, concurrent_message_capacity: 4 },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      user_email: 'cat@example.com',
      display_name: 'Cat Stevens',
      role_id: roles.Supervisor,
      role_name: 'Supervisor',
      package_name: 'elite',
      user_access: 'inactive',
      country_iso_code: 'GB',
      client_integration: 'Salesforce',
      channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 3 }, concurrent_message_capacity: 4 },
      status_id: '0',
    });
    const accountDan = await call('POST', '/contact_center/users', { user_email: 'dan@example.com', role_id: roles.Agent });
    expect(accountDan.status).toBe(201);
    expect(accountDan.body.package_name).toBe('essentials'); // the default package
    await call('DELETE', `/contact_center/users/${accountDan.body.user_id}`);
    const byId = await call('POST', '/contact_center/users', { user_id: accountDan.body.user_id, role_id: roles.Agent });
    expect(byId.status).toBe(201);
    expect(byId.body.user_email).toBe('dan@example.com');
    expect(emu.stats().byUser['dan@example.com']).toEqual({ create: 2, update: 0, delete: 1, queueAdd: 0, queueRemove: 0 });
  });

  it('create errors: duplicate 1007, non-Zoom user 1004, no identity 1009, unknown role 2201, no role 300, template 8003', async () => {
    const dup = await call('POST', '/contact_center/users', { user_email: 'ann@example.com', role_id: roles.Agent });
    expect([dup.status, dup.body]).toEqual([400, { code: 1007, message: 'User already exists: ann@example.com.' }]);
    const stranger = await call('POST', '/contact_center/users', { user_email: 'zed@elsewhere.org', role_id: roles.Agent });
    expect([stranger.status, stranger.body]).toEqual([400, { code: 1004, message: 'Invalid user ID or user email: zed@elsewhere.org.' }]);
    const nobody = await call('POST', '/contact_center/users', { role_id: roles.Agent });
    expect([nobody.status, nobody.body.code]).toEqual([400, 1009]);
    const role = await call('POST', '/contact_center/users', { user_email: 'cat@example.com', role_id: 'no-such-role' });
    expect([role.status, role.body]).toEqual([404, { code: 2201, message: 'Role does not exist: no-such-role.' }]);
    const noRole = await call('POST', '/contact_center/users', { user_email: 'cat@example.com' });
    expect([noRole.status, noRole.body.code, noRole.body.errors[0].field]).toEqual([400, 300, 'role_id']);
    const tpl = await call('POST', '/contact_center/users', { user_email: 'cat@example.com', template_id: 'T1' });
    expect([tpl.status, tpl.body.code]).toEqual([400, 8003]);
    const bad = await call('POST', '/contact_center/users', { user_email: 'cat@example.com', role_id: roles.Agent, package_name: 'gold', channel_settings: { concurrent_message_capacity: 99 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      code: 300,
      message: 'Validation Failed.',
      errors: [
        { field: 'package_name', message: expect.any(String) },
        { field: 'channel_settings.concurrent_message_capacity', message: 'Must be an integer between 0 and 20.' },
      ],
    });
    const json = await call('POST', '/contact_center/users', undefined, '{"user_email": ');
    expect([json.status, json.body]).toEqual([400, { code: 300, message: 'Request Body should be a valid JSON object.' }]);
    expect((await emu.state()).users.map((u) => u.email)).toEqual(['ann@example.com', 'bob@example.com']);
  });

  it('batch create: 201 with every user; 21 users refused; atomic on any failing item', async () => {
    const items = (emails: string[]) => ({ users: emails.map((user_email) => ({ user_email, role_id: roles.Agent, package_name: 'essentials' })) });
    const twenty = accountUsers(20).map((u) => u.email);
    const ok = await call('POST', '/contact_center/users/batch', items(twenty));
    expect(ok.status).toBe(201);
    expect(ok.body.users).toHaveLength(20);
    expect(ok.body.users[0]).toMatchObject({ user_email: 'user0000@example.com', role_name: 'Agent', package_name: 'essentials' });
    expect(ok.body.users[0].region_id).toBeUndefined();

    const tooMany = await call('POST', '/contact_center/users/batch', items(accountUsers(41).slice(20).map((u) => u.email)));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ code: 300, message: 'Validation Failed.', errors: [{ field: 'users', message: 'The maximum number of created users is 20.' }] });

    const mixed = await call('POST', '/contact_center/users/batch', items(['user0030@example.com', 'ann@example.com', 'stranger@x.org', 'user0031@example.com']));
    expect(mixed.status).toBe(400);
    expect(mixed.body.code).toBe(1007);
    expect(mixed.body.message).toBe('User already exists: ann@example.com.');
    expect(mixed.body.errors).toEqual([
      { field: 'users[1]', message: 'ann@example.com: User already exists: ann@example.com. (code 1007)' },
      { field: 'users[2]', message: 'stranger@x.org: Invalid user ID or user email: stranger@x.org. (code 1004)' },
    ]);
    const state = await emu.state();
    expect(state.users.some((u) => u.email === 'user0030@example.com')).toBe(false);

    const twice = await call('POST', '/contact_center/users/batch', items(['cat@example.com', 'CAT@example.com']));
    expect([twice.status, twice.body.code, twice.body.errors[0].field]).toEqual([400, 300, 'users[1]']);

    // essentials capacity is 30: ann + 20 hold 21; 10 more would make 31.
    const over = await call('POST', '/contact_center/users/batch', items(accountUsers(40).slice(20, 30).map((u) => u.email)));
    expect([over.status, over.body.code]).toEqual([400, 290010]);
    const fits = await call('POST', '/contact_center/users/batch', items(accountUsers(40).slice(20, 29).map((u) => u.email)));
    expect(fits.status).toBe(201);
    expect((await emu.state()).licenses.essentials).toEqual({ capacity: 30, used: 30 });

  });

  it('updates one user (204) and counts only real changes; errors 1001, 2201, 290010', async () => {
    const upd = await call('PATCH', '/contact_center/users/ann@example.com', {
      role_id: roles.Supervisor,
      user_access: 'inactive',
      country_iso_code: 'DE',
      channel_settings: { concurrent_email_capacity: 2, multi_channel_engagements: { enable: true } },
      add_ons_plan: ['ai_expert_assist'],
    });
    expect(upd.status).toBe(204);
    expect(upd.body).toBeUndefined();
    await call('PATCH', '/contact_center/users/ann@example.com', { channel_settings: { multi_channel_engagements: { max_agent_load: 5 } } });
    const ann = (await call('GET', '/contact_center/users/ann@example.com')).body;
    expect(ann).toMatchObject({
      role_name: 'Supervisor',
      user_access: 'inactive',
      country_iso_code: 'DE',
      add_ons_plan: ['ai_expert_assist'],
      channel_settings: { concurrent_email_capacity: 2, multi_channel_engagements: { enable: true, max_agent_load: 5 } },
    });
    expect((await call('PATCH', '/contact_center/users/ann@example.com', { user_access: 'inactive' })).status).toBe(204); // no change
    expect(emu.stats().byUser['ann@example.com']!.update).toBe(2);

    expect((await call('PATCH', '/contact_center/users/nope', { user_access: 'active' })).body).toEqual({ code: 1001, message: 'User does not exist: nope.' });
    expect((await call('PATCH', '/contact_center/users/ann@example.com', { role_id: 'x' })).body.code).toBe(2201);
    const pkg = await call('PATCH', '/contact_center/users/ann@example.com', { package_name: 'premium' });
    expect([pkg.status, pkg.body.code]).toEqual([400, 290010]);
    expect((await call('PATCH', '/contact_center/users/bob@example.com', { package_name: 'elite' })).status).toBe(204);
    expect((await call('PATCH', '/contact_center/users/ann@example.com', { package_name: 'premium' })).status).toBe(204);
    const lic = (await emu.state()).licenses;
    expect([lic.premium.used, lic.elite.used, lic.essentials.used]).toEqual([1, 1, 0]);
    const sub = await call('PATCH', '/contact_center/users/ann@example.com', { sub_status_id: '21' });
    expect([sub.status, sub.body.code]).toEqual([400, 300]);
    expect((await call('PATCH', '/contact_center/users/ann@example.com', { status_id: '2', sub_status_id: '21' })).status).toBe(204);
    expect((await call('GET', '/contact_center/users/ann@example.com')).body).toMatchObject({ status_name: 'Not Ready', sub_status_name: 'Meal' });
  });

  it('batch update: user_id wins over user_email, capitalised package names, ≤ 20, atomic', async () => {
    const list = (await call('GET', '/contact_center/users')).body.users;
    const bobId = list[1].user_id;
    const res = await call('PATCH', '/contact_center/users', {
      users: [
        { user_id: bobId, user_email: 'ann@example.com', user_access: 'active' },
        { user_email: 'ann@example.com', package_name: 'Elite', channel_settings: { concurrent_message_capacity: 3 } },
      ],
    });
    expect(res.status).toBe(204);
    const s = await emu.state();
    expect(s.users.map((u) => [u.email, u.access, u.package])).toEqual([
      ['ann@example.com', 'active', 'elite'],
      ['bob@example.com', 'active', 'premium'],
    ]);
    expect(s.users[0]!.settings.channel_settings).toEqual({}); // not part of the batch-update item: ignored

    const missing = await call('PATCH', '/contact_center/users', { users: [{ user_email: 'ann@example.com', user_access: 'inactive' }, { user_email: 'ghost@example.com', user_access: 'inactive' }] });
    expect([missing.status, missing.body.code, missing.body.message]).toEqual([404, 1001, 'User does not exist: ghost@example.com.']);
    expect((await emu.state()).users[0]!.access).toBe('active');

    const many = await call('PATCH', '/contact_center/users', { users: Array.from({ length: 21 }, () => ({ user_email: 'ann@example.com' })) });
    expect(many.body).toEqual({ code: 300, message: 'Validation Failed.', errors: [{ field: 'users', message: 'The maximum number of updated users is 20.' }] });
  });

  it('deletes one user (204, license and queues freed); missing is 404 code 1001', async () => {
    const list = (await call('GET', '/contact_center/users')).body.users;
    const del = await call('DELETE', `/contact_center/users/${list[1].user_id}`);
    expect(del.status).toBe(204);
    const s = await emu.state();
    expect(s.users.map((u) => u.email)).toEqual(['ann@example.com']);
    expect(s.licenses.premium.used).toBe(0);
    expect(s.queues.find((q) => q.name === 'Support')!.agents).toBe(0);
    expect((await call('DELETE', `/contact_center/users/${list[1].user_id}`)).body).toEqual({ code: 1001, message: `User does not exist: ${list[1].user_id}.` });
    expect(emu.stats().byUser['bob@example.com']).toEqual({ create: 0, update: 0, delete: 1, queueAdd: 0, queueRemove: 0 });
  });

  it('batch delete by ids or emails; missing ones → 404 code 1012 after deleting the rest; > 20 refused', async () => {
    await call('POST', '/contact_center/users/batch', { users: ['cat', 'dan'].map((n) => ({ user_email: `${n}@example.com`, role_id: roles.Agent })) });
    const ids = (await call('GET', '/contact_center/users')).body.users.map((u: { user_id: string }) => u.user_id);
    expect((await call('DELETE', `/contact_center/users?user_ids=${ids[0]},${ids[1]}&user_emails=cat@example.com`)).status).toBe(204);
    expect((await emu.state()).users.map((u) => u.email)).toEqual(['cat@example.com', 'dan@example.com']);
    const partly = await call('DELETE', `/contact_center/users?user_emails=${encodeURIComponent('cat@example.com,ghost@example.com')}`);
    expect(partly.status).toBe(404);
    expect(partly.body).toEqual({ code: 1012, message: 'User does not exist: [ghost@example.com].' });
    expect((await emu.state()).users.map((u) => u.email)).toEqual(['dan@example.com']);
    const many = await call('DELETE', `/contact_center/users?user_emails=${accountUsers(21).map((u) => u.email).join(',')}`);
    expect([many.status, many.body.code]).toEqual([400, 300]);
    expect((await call('DELETE', '/contact_center/users')).status).toBe(400);
  });

  it("lists a user's queues", async () => {
    const q = await call('GET', '/contact_center/users/bob@example.com/queues');
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ next_page_token: '', total_records: 2 });
    expect(q.body.queues).toEqual([
      { queue_id: queues.Sales!.queue_id, cc_queue_id: queues.Sales!.cc_queue_id, queue_name: 'Sales', channel: 'voice', user_assignment_type: 'agent' },
      { queue_id: queues.Support!.queue_id, cc_queue_id: queues.Support!.cc_queue_id, queue_name: 'Support', channel: 'voice', user_assignment_type: 'agent' },
    ]);
    const paged = await call('GET', '/contact_center/users/bob@example.com/queues?page_size=1');
    expect(paged.body.queues).toHaveLength(1);
    const next = await call('GET', `/contact_center/users/bob@example.com/queues?page_size=1&next_page_token=${paged.body.next_page_token}`);
    expect(next.body.queues[0].queue_name).toBe('Support');
    expect(next.body.next_page_token).toBe('');
    expect((await call('GET', '/contact_center/users/ghost/queues')).body.code).toBe(1001);
  });
});

describe('paging', () => {
  it('pages 1,000 users at 300 a page: 4 pages, no duplicates, empty token at the end', async () => {
    const many = accountUsers(1000, 'p');
    await emu.seed({ accountUsers: many, ccUsers: many.map((u) => ({ email: u.email })) });
    const seen: string[] = [];
    const sizes: number[] = [];
    let token = '';
    do {
      const page = await call('GET', `/contact_center/users?page_size=300${token ? `&next_page_token=${token}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.total_records).toBe(1000);
      sizes.push(page.body.users.length);
      seen.push(...emailsOf(page));
      token = page.body.next_page_token;
    } while (token);
    expect(sizes).toEqual([300, 300, 300, 100]);
    expect(new Set(seen).size).toBe(1000);
    expect(seen[0]).toBe('p0000@example.com');
  });

  it('refuses a forged, foreign-filter or expired token (400 code 300)', async () => {
    const first = await call('GET', '/contact_center/users?page_size=1');
    const token = first.body.next_page_token as string;
    expect(token.length).toBeLessThanOrEqual(100);
    const invalid = { code: 300, message: 'The next page token is invalid or expired.' };
    expect((await call('GET', `/contact_center/users?page_size=1&next_page_token=${token}x`)).body).toEqual(invalid);
    expect((await call('GET', `/contact_center/users?page_size=1&user_access=active&next_page_token=${token}`)).body).toEqual(invalid);
    expect((await call('GET', `/contact_center/users?page_size=5&next_page_token=${token}`)).status).toBe(200); // page_size may change
    now += 15 * 60_000 + 1000;
    expect((await call('GET', `/contact_center/users?page_size=1&next_page_token=${token}`)).body).toEqual(invalid);
  });
});

describe('roles', () => {
  it('lists roles with user counts, lists role users', async () => {
    const list = await call('GET', '/contact_center/roles');
    expect(list.body).toMatchObject({ next_page_token: '', page_size: 30, total_records: 3 });
    expect(list.body.roles.map((r: { role_name: string; total_users: number }) => [r.role_name, r.total_users])).toEqual([
      ['Admin', 0],
      ['Supervisor', 1],
      ['Agent', 1],
    ]);
    const users = await call('GET', `/contact_center/roles/${roles.Supervisor}/users`);
    expect(users.body).toEqual({ next_page_token: '', page_size: 30, total_records: 1, users: [{ user_id: expect.any(String), display_name: 'Bob Builder', user_email: 'bob@example.com' }] });
    expect((await call('GET', '/contact_center/roles/nope/users')).body).toEqual({ code: 2201, message: 'Role does not exist: nope.' });
  });

  it('assigns users by id or email (201, moves them), ≤ 30, unknown users refused', async () => {
    const ann = (await call('GET', '/contact_center/users/ann@example.com')).body.user_id;
    const res = await call('POST', `/contact_center/roles/${roles.Admin}/users`, { user_ids: [ann, 'bob@example.com'] });
    expect(res.status).toBe(201);
    expect(res.body.users.map((u: { user_email: string }) => u.user_email)).toEqual(['ann@example.com', 'bob@example.com']);
    expect((await emu.state()).users.map((u) => u.role)).toEqual(['Admin', 'Admin']);
    await call('POST', `/contact_center/roles/${roles.Admin}/users`, { user_ids: [ann] }); // already: no change
    expect(emu.stats().byUser['ann@example.com']!.update).toBe(1);
    const ghost = await call('POST', `/contact_center/roles/${roles.Agent}/users`, { user_ids: [ann, 'ghost@example.com'] });
    expect([ghost.status, ghost.body.code]).toEqual([404, 1001]);
    expect((await emu.state()).users[0]!.role).toBe('Admin');
    const many = await call('POST', `/contact_center/roles/${roles.Agent}/users`, { user_ids: Array.from({ length: 31 }, () => ann) });
    expect([many.status, many.body.code]).toEqual([400, 300]);
  });

  it('unassigns a user (204, back to the default role); errors 2201, 1001', async () => {
    expect((await call('DELETE', `/contact_center/roles/${roles.Supervisor}/users/bob@example.com`)).status).toBe(204);
    expect((await emu.state()).users[1]!.role).toBe('Agent');
    expect((await call('DELETE', `/contact_center/roles/${roles.Supervisor}/users/bob@example.com`)).body.code).toBe(1001);
    expect((await call('DELETE', `/contact_center/roles/nope/users/bob@example.com`)).body.code).toBe(2201);
    const dflt = await call('DELETE', `/contact_center/roles/${roles.Agent}/users/ann@example.com`);
    expect([dflt.status, dflt.body.code]).toEqual([400, 300]);
  });
});

describe('queues', () => {
  it('lists queues with both ids and counts; filters by channel', async () => {
    const list = await call('GET', '/contact_center/queues');
    expect(list.body.total_records).toBe(3);
    expect(list.body.queues[0]).toEqual({
      queue_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      cc_queue_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      queue_name: 'Sales',
      agents_count: 2,
      supervisors_count: 0,
      channel_types: ['voice'],
      channel: 'voice',
      modified_by: expect.any(String),
      last_modified_time: expect.any(String),
    });
    expect((await call('GET', '/contact_center/queues?channel=email')).body.queues.map((q: { queue_name: string }) => q.queue_name)).toEqual(['Mail']);
  });

  it('lists agents by queue_id or cc_queue_id; page_size capped at 100; unknown queue 1201', async () => {
    for (const id of [queues.Sales!.queue_id, queues.Sales!.cc_queue_id]) {
      const a = await call('GET', `/contact_center/queues/${id}/agents`);
      expect(a.status).toBe(200);
      expect(emailsOf(a, 'agents')).toEqual(['ann@example.com', 'bob@example.com']);
      expect(a.body.agents[1]).toEqual({
        user_id: expect.any(String),
        display_name: 'Bob Builder',
        user_email: 'bob@example.com',
        role_id: roles.Supervisor,
        role_name: 'Supervisor',
        status_id: '0',
        status_name: 'Offline',
        user_access: 'inactive',
        opt_in_out_status: 0,
      });
    }
    expect((await call('GET', `/contact_center/queues/${queues.Sales!.cc_queue_id}/agents?page_size=300`)).body.page_size).toBe(100);
    expect((await call('GET', '/contact_center/queues/nope/agents')).body).toEqual({ code: 1201, message: 'Queue does not exist: nope.' });
  });

  it('assigns agents (201; already an agent is fine) and removes one (204; not an agent 1201)', async () => {
    const q = queues.Support!.cc_queue_id;
    const res = await call('POST', `/contact_center/queues/${q}/agents`, { user_ids: ['ann@example.com', 'bob@example.com'] });
    expect(res.status).toBe(201);
    expect(emailsOf(res, 'agents')).toEqual(['ann@example.com', 'bob@example.com']);
    expect((await emu.state()).users[0]!.queues).toEqual(['Sales', 'Support']);
    expect(emu.stats().byUser['ann@example.com']!.queueAdd).toBe(1);
    expect(emu.stats().byUser['bob@example.com']).toBeUndefined();
    expect((await call('POST', `/contact_center/queues/${q}/agents`, { user_ids: ['ghost@example.com'] })).body.code).toBe(1001);
    expect((await call('POST', `/contact_center/queues/nope/agents`, { user_ids: ['ann@example.com'] })).body.code).toBe(1201);

    expect((await call('DELETE', `/contact_center/queues/${queues.Sales!.queue_id}/agents/ann@example.com`)).status).toBe(204);
    const again = await call('DELETE', `/contact_center/queues/${queues.Sales!.queue_id}/agents/ann@example.com`);
    expect([again.status, again.body]).toEqual([404, { code: 1201, message: 'Queue agent does not exist: ann@example.com.' }]);
    expect((await emu.state()).users[0]!.queues).toEqual(['Support']);
    expect(emu.stats().byUser['ann@example.com']).toEqual({ create: 0, update: 0, delete: 0, queueAdd: 1, queueRemove: 1 });
  });
});

describe('admin', () => {
  it('stats count every call by template, including refused ones', async () => {
    emu.resetStats();
    await call('GET', '/contact_center/users/ann@example.com');
    await call('GET', '/contact_center/users/ghost');
    await call('POST', '/contact_center/users/batch', { users: [] });
    await fetch(`${emu.baseUrl}/contact_center/users`); // no token: still counted
    const stats = (await admin(emu, 'GET', 'stats')).body;
    expect(stats).toEqual({
      calls: { 'GET /contact_center/users/{userId}': 2, 'POST /contact_center/users/batch': 1, 'GET /contact_center/users': 1 },
      byUser: {},
      rateLimited: 0,
      statuses: { 200: 1, 404: 1, 400: 1, 401: 1 },
      faults: {},
      tokensIssued: 0,
    });
    expect((await admin(emu, 'POST', 'stats/reset')).status).toBe(204);
    expect(emu.stats().calls).toEqual({});
  });

  it('state has the documented shape', async () => {
    const state = (await admin(emu, 'GET', 'state')).body;
    expect(state.users[1]).toEqual({
      email: 'bob@example.com',
      userId: expect.any(String),
      role: 'Supervisor',
      package: 'premium',
      access: 'inactive',
      queues: ['Sales', 'Support'],
      name: 'Bob Builder',
      settings: { channel_settings: {}, add_ons_plan: [], status_id: '0' },
    });
    expect(state.licenses).toEqual({ essentials: { capacity: 30, used: 1 }, premium: { capacity: 1, used: 1 }, elite: { capacity: null, used: 0 } });
    expect(state.accountUsers).toBe(44);
  });

  it('seed replaces the state, with the same ids for the same seed; bad seeds list their problems', async () => {
    const before = (await emu.state()).users[0]!.userId;
    const res = await admin(emu, 'POST', 'seed', { ccUsers: [{ email: 'new@example.com', role: 'Agent' }] });
    expect(res.body).toEqual({ accountUsers: 1, ccUsers: 1, roles: 3, queues: 0 });
    expect((await emu.state()).users.map((u) => u.role)).toEqual(['Agent']);
    await admin(emu, 'POST', 'seed', baseSeed());
    expect((await emu.state()).users[0]!.userId).toBe(before);
    const bad = await admin(emu, 'POST', 'seed', { roles: [{ name: 'Agent' }], queues: [], ccUsers: [{ email: 'x@example.com', role: 'Boss', queues: ['Nowhere'] }], licenses: { gold: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(300);
    expect(bad.body.errors).toEqual([{ field: 'licenses', message: expect.stringContaining('gold') }]);
    const bad2 = await admin(emu, 'POST', 'seed', { roles: [{ name: 'Agent' }], ccUsers: [{ email: 'x@example.com', role: 'Boss', queues: ['Nowhere'] }] });
    expect(bad2.body.errors).toEqual([
      { field: 'ccUsers.0.role', message: 'unknown role "Boss"; roles: Agent' },
      { field: 'ccUsers.0.queues.0', message: 'unknown queue "Nowhere"; queues: (none)' },
    ]);
  });

  it('reset goes back to the last seed and zeroes the counters', async () => {
    await call('DELETE', '/contact_center/users/ann@example.com');
    expect((await admin(emu, 'POST', 'reset')).status).toBe(204);
    expect((await emu.state()).users).toHaveLength(2);
    expect(emu.stats().calls).toEqual({});
  });

  it('expire-tokens makes every token fail', async () => {
    const t = (await getToken(emu)).body.access_token as string;
    expect((await admin(emu, 'POST', 'expire-tokens')).status).toBe(204);
    expect((await apiClient(emu, t)('GET', '/contact_center/roles')).status).toBe(401);
    call = apiClient(emu);
  });
});
