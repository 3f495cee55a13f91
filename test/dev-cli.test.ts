/**
 * `zcc-sync dev up|status|mail|down` through the compiled CLI, as a user runs it: a temporary
 * state dir and free ports (port 0), so it never collides with a developer's own `dev up`.
 * Then a restart: what a reconcile provisioned in the emulated account is still there after
 * `dev down` / `dev up`, and `dev up --reset` brings back the sample seed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import nodemailer from 'nodemailer';
import { parseConfigText } from '../src/config/load';
import { isAlive } from '../devstack/proc';
import { waitForTemporal } from '../devstack/temporal';
import { SAMPLE_HAND_MADE, sampleDirectorySpec } from '../devstack/sample';
import { PEOPLE_BASE } from '../devstack/ldif';
import type { StackFile } from '../devstack/stack';
import { ensureBuilt, runCli } from './support/cli';

let stateDir: string;
const FREE_PORTS = ['--temporal-port', '0', '--ui-port', '0', '--ldap-port', '0', '--smtp-port', '0', '--emulator-port', '0'];
// The child must not pick up a developer's Temporal or config.
const env = { TEMPORAL_ADDRESS: undefined, ZCC_SYNC_CONFIG: undefined };
const dev = (...args: string[]) => runCli(['dev', ...args, '--state-dir', stateDir], { env, timeoutMs: 240_000 });

beforeAll(async () => {
  await ensureBuilt();
  // Short path: the slapd ldapi socket lives under it.
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'zcc-dev-'));
});

afterAll(async () => {
  if (stateDir && existsSync(path.join(stateDir, 'dev', 'stack.json'))) await dev('down');
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

test('dev up, up again, status, mail, down', async () => {
  // up: everything starts, in the background
  const up = await dev('up', ...FREE_PORTS, '--json');
  expect(up.stderr).not.toMatch(/Error/);
  expect(up.code).toBe(0);
  const first = JSON.parse(up.stdout) as StackFile & { alreadyRunning: boolean };
  expect(first.alreadyRunning).toBe(false);
  const { temporal, ldap, smtp, emulator } = first.components;
  for (const c of [temporal, ldap, smtp]) expect(isAlive(c!.pid)).toBe(true);
  expect(temporal!.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  // each component answers: Temporal, LDAP with the sample directory, SMTP
  await waitForTemporal(temporal!.address, { timeoutMs: 10_000 });
  const ldapClient = new Client({ url: ldap!.url });
  const config = parseConfigText(readFileSync(first.configFile, 'utf8'), { env: {} });
  await ldapClient.bind(config.directory.bindDN, config.directory.bindPassword);
  const people = await ldapClient.search(PEOPLE_BASE, { filter: '(objectClass=inetOrgPerson)', attributes: ['1.1'], paged: { pageSize: 500 } });
  await ldapClient.unbind();
  expect(people.searchEntries).toHaveLength(sampleDirectorySpec().users.length);
  expect(config.temporal.address).toBe(temporal!.address);
  expect(config.email.port).toBe(smtp!.port);
  expect(config.mappings.length).toBeGreaterThan(0);
  if (!emulator?.skipped) {
    expect(isAlive(emulator!.pid)).toBe(true);
    expect(config.contactCenter.baseUrl).toBe(`${emulator!.url}/v2`);
  }

  // up again: reports the running stack, starts nothing
  const again = await dev('up', ...FREE_PORTS);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/already runs/);
  const second = await dev('up', '--json');
  expect((JSON.parse(second.stdout) as { alreadyRunning: boolean }).alreadyRunning).toBe(true);
  expect((JSON.parse(second.stdout) as StackFile).components.temporal!.pid).toBe(temporal!.pid);

  // status: every component running
  const status = await dev('status', '--json');
  expect(status.code).toBe(0);
  const st = JSON.parse(status.stdout) as { running: boolean; components: { name: string; state: string }[] };
  expect(st.running).toBe(true);
  expect(st.components.filter((c) => c.state === 'running').map((c) => c.name)).toEqual(
    ['temporal', 'ldap', 'smtp', 'emulator', 'worker'],
  );

  // mail: a message sent to the capture server is listed
  await nodemailer.createTransport({ host: '127.0.0.1', port: smtp!.port, secure: false }).sendMail({
    from: 'zcc-sync@example.com',
    to: 'ada.adams@example.com',
    subject: 'dev mail check',
    text: 'hello',
  });
  const mail = await dev('mail', '--json');
  expect(mail.code).toBe(0);
  expect((JSON.parse(mail.stdout) as { subject: string }[]).map((m) => m.subject)).toContain('dev mail check');

  // down: exactly the recorded processes stop, stack.json goes
  const down = await dev('down');
  expect(down.code).toBe(0);
  const worker = (JSON.parse(second.stdout) as StackFile).components.worker;
  expect(worker?.pid).toBeDefined();
  for (const c of [temporal, ldap, smtp, emulator, worker]) if (c?.pid) expect(isAlive(c.pid)).toBe(false);
  expect(existsSync(path.join(stateDir, 'dev', 'stack.json'))).toBe(false);

  const after = await dev('status');
  expect(after.code).toBe(1);
  expect(after.stdout).toMatch(/No dev stack/);
});

test('the emulated account survives dev down / dev up; dev up --reset brings back the seed', async () => {
  // Its own state dir: this test starts from a fresh stack whatever the test above left.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zcc-dev-re-'));
  const devIn = (...args: string[]) => runCli(['dev', ...args, '--state-dir', dir], { env, timeoutMs: 240_000 });
  const config = path.join(dir, 'dev', 'zcc-sync.yaml');
  const up = async (...args: string[]) => {
    const r = await devIn('up', ...FREE_PORTS, ...args);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
  };
  const emails = async () => {
    const r = await runCli(['users', 'list', '--json', '--config', config], { env });
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { email: string }[]).map((u) => u.email).sort();
  };
  const apply = async () => {
    const r = await runCli(['apply', '--yes', '--json', '--config', config], { env, timeoutMs: 240_000 });
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { status: string; summary: { create: number; update: number } };
  };
  const seed = SAMPLE_HAND_MADE.map((u) => u.email).sort();
  try {
    await up();
    expect(await emails()).toEqual(seed);

    // A reconcile provisions the sample directory's Zoom users (297 of 300; 3 are not Zoom users).
    expect(await apply()).toMatchObject({ status: 'completed' });
    const provisioned = await emails();
    expect(provisioned).toHaveLength(seed.length + 297);

    // Restart: the account is as the reconcile left it, so the store and ZCC still agree and
    // the next reconcile has nothing to create.
    expect((await devIn('down')).code).toBe(0);
    await up();
    expect(await emails()).toEqual(provisioned);
    expect(await apply()).toMatchObject({ status: 'completed', summary: { create: 0, update: 0 } });

    // --reset: the sample seed again.
    expect((await devIn('down')).code).toBe(0);
    await up('--reset');
    expect(await emails()).toEqual(seed);
  } finally {
    if (existsSync(path.join(dir, 'dev', 'stack.json'))) await devIn('down');
    await rm(dir, { recursive: true, force: true });
  }
}, 600_000);
