/**
 * Console sign-in against a real slapd loaded with the demo directory (devstack/sample.ts): each
 * demo account gets its roles (one through a nested group), wrong and empty passwords, filter
 * injection, no role, a directory that is down. A counting TCP proxy in front of slapd shows
 * what reached the server: nothing for an empty password, two connections (the service account's
 * and the user's own) for a sign-in.
 */
import * as net from 'node:net';
import { signIn, type SignInResult } from '../console/auth/sign-in';
import { signInFilter } from '../console/auth/find-user';
import { configSchema, type Config } from '../src/config/schema';
import { CONSOLE_DEMO_ACCOUNTS, CONSOLE_DEMO_PASSWORD } from '../devstack/console-accounts';
import { groupDn, USER_PASSWORD } from '../devstack/ldif';
import { freePort } from '../devstack/ports';
import type { SlapdHandle } from '../devstack/slapd';
import { sampleDirectorySpec } from '../devstack/sample';
import { withSlapd } from './support/stack';

/** Forwards to slapd and counts the connections it accepted. */
async function countingProxy(port: number): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let h: SlapdHandle;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let config: Config;

const configFor = (url: string, over: { directory?: object; console?: object } = {}) =>
  configSchema.parse({ directory: { url, bindDN: h.readerDN, bindPassword: h.readerPassword, ...over.directory }, ...(over.console ? { console: over.console } : {}) });

/** Every result's message, whatever it says, must never carry the password typed. */
async function attempt(cfg: Config, name: string, password: string): Promise<SignInResult> {
  const r = await signIn(cfg, name, password);
  if (!r.ok && password.length >= 4) expect(r.message).not.toContain(password);
  return r;
}

beforeAll(async () => {
  h = await withSlapd(sampleDirectorySpec());
  proxy = await countingProxy(h.port);
  config = configFor(`ldap://127.0.0.1:${proxy.port}`);
});
afterAll(async () => {
  await proxy?.close();
  await h?.stop();
});

describe('the demo accounts', () => {
  const withRoles = CONSOLE_DEMO_ACCOUNTS.filter((a) => a.roles.length > 0);

  test.each(withRoles.map((a) => [a.name, a] as const))('%s signs in with the roles of its groups, on two connections', async (_name, a) => {
    const before = proxy.connections();
    const r = await attempt(config, a.name, a.password);
    expect(r).toEqual({ ok: true, user: { name: a.name, dn: `uid=${a.name},ou=people,dc=example,dc=com`, displayName: a.displayName, roles: a.roles } });
    // The service account's connection, then the user's own bind on a new one.
    expect(proxy.connections() - before).toBe(2);
  });

  test('there is one account per role, one through a nested group, and one with none', () => {
    expect(new Set(withRoles.flatMap((a) => a.roles))).toEqual(new Set(['viewer', 'operator', 'approver']));
    expect(CONSOLE_DEMO_ACCOUNTS.filter((a) => a.roles.length === 0)).toHaveLength(1);
    expect(CONSOLE_DEMO_ACCOUNTS.every((a) => a.password === CONSOLE_DEMO_PASSWORD)).toBe(true);
  });

  test('the mail address signs in too, surrounding spaces ignored', async () => {
    const r = await attempt(config, '  kara.moore@example.com ', CONSOLE_DEMO_PASSWORD);
    expect(r).toMatchObject({ ok: true, user: { name: 'kara.moore@example.com', roles: ['viewer'] } });
  });

  test('a person in no role group signs in, then is refused: no_role', async () => {
    const nobody = CONSOLE_DEMO_ACCOUNTS.find((a) => a.roles.length === 0)!;
    const r = await attempt(config, nobody.name, nobody.password);
    expect(r).toMatchObject({ ok: false, reason: 'no_role' });
    expect(r.ok === false && r.message).toMatch(/not in any of the console's role groups/);
  });

  test("a nested group's member has the role only while nestedGroups is expand", async () => {
    const nested = CONSOLE_DEMO_ACCOUNTS.find((a) => a.why.includes('nested'))!;
    expect(await attempt(configFor(config.directory.url, { directory: { nestedGroups: 'ignore' } }), nested.name, nested.password)).toMatchObject({ ok: false, reason: 'no_role' });
  });

  test('a group holding several roles gives them all; a missing role group grants nothing and is named', async () => {
    const viewers = groupDn('console-viewers');
    const both = configFor(config.directory.url, { console: { roles: { viewer: [viewers], operator: [viewers], approver: [] } } });
    expect(await attempt(both, 'kara.moore', CONSOLE_DEMO_PASSWORD)).toMatchObject({ ok: true, user: { roles: ['viewer', 'operator'] } });

    const typo = groupDn('console-viewerz');
    const missing = configFor(config.directory.url, { console: { roles: { viewer: [typo], operator: [], approver: [] } } });
    const r = await attempt(missing, 'kara.moore', CONSOLE_DEMO_PASSWORD);
    expect(r).toMatchObject({ ok: false, reason: 'no_role' });
    expect(r.ok === false && r.message).toContain(`"${typo}" do not exist or are not groups`);
  });
});

describe('refusals', () => {
  test('a wrong password: bad_password, the same message as an unknown name', async () => {
    const wrong = await attempt(config, 'finn.ortiz', 'not-the-password');
    expect(wrong).toMatchObject({ ok: false, reason: 'bad_password' });
    // The other sample people's password is not the demo accounts' one.
    expect(await attempt(config, 'finn.ortiz', USER_PASSWORD)).toMatchObject({ ok: false, reason: 'bad_password' });
    const unknown = await attempt(config, 'no.such.person', 'whatever-it-is');
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    expect(wrong.ok === false && unknown.ok === false && wrong.message === unknown.message).toBe(true);
  });

  test('an empty password or name is refused without contacting the directory', async () => {
    const before = proxy.connections();
    expect(await attempt(config, 'kara.moore', '')).toMatchObject({ ok: false, reason: 'empty' });
    expect(await attempt(config, '', CONSOLE_DEMO_PASSWORD)).toMatchObject({ ok: false, reason: 'empty' });
    expect(await attempt(config, '   ', CONSOLE_DEMO_PASSWORD)).toMatchObject({ ok: false, reason: 'empty' });
    expect(proxy.connections()).toBe(before);
    // Nothing listens here: still "empty", never "directory_unavailable".
    const closed = configFor(`ldap://127.0.0.1:${await freePort()}`);
    expect(await attempt(closed, 'kara.moore', '')).toMatchObject({ ok: false, reason: 'empty' });
  });

  test.each(['*)(uid=*', '*', 'kara*', '*)(|(uid=*', 'kara.moore)(uid=*', '\\2a'])('filter metacharacters match nothing: %s → unknown', async (name) => {
    expect(await attempt(config, name, CONSOLE_DEMO_PASSWORD)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  test('the name is an escaped value in the filter', () => {
    expect(signInFilter(config.directory, '*)(uid=*').toString()).toBe('(&(objectClass=inetOrgPerson)(|(uid=\\2a\\29\\28uid=\\2a)(mail=\\2a\\29\\28uid=\\2a)))');
    const ad = configSchema.parse({ directory: { type: 'activeDirectory' } }).directory;
    expect(signInFilter(ad, 'CORP\\jo*').toString()).toBe(
      '(&(&(objectClass=user)(objectCategory=person))(|(sAMAccountName=jo\\2a)(userPrincipalName=CORP\\5cjo\\2a)(mail=CORP\\5cjo\\2a)))',
    );
  });

  test('a directory that is down: directory_unavailable, saying why, without secrets', async () => {
    const closed = configFor(`ldap://127.0.0.1:${await freePort()}`);
    const r = await attempt(closed, 'kara.moore', CONSOLE_DEMO_PASSWORD);
    expect(r).toMatchObject({ ok: false, reason: 'directory_unavailable' });
    expect(r.ok === false && r.message).toMatch(/connection refused/);
    expect(r.ok === false && r.message).not.toContain(h.readerPassword);
  });

  test("a wrong service account password: directory_unavailable, the config's secret not shown", async () => {
    const bad = configFor(config.directory.url, { directory: { bindPassword: 'wrong-reader-secret' } });
    const r = await attempt(bad, 'kara.moore', CONSOLE_DEMO_PASSWORD);
    expect(r).toMatchObject({ ok: false, reason: 'directory_unavailable' });
    expect(r.ok === false && r.message).toMatch(/invalid credentials/);
    expect(r.ok === false && r.message).not.toContain('wrong-reader-secret');
  });
});
