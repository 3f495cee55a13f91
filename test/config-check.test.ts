/**
 * `zcc-sync config check` against real servers: the Temporal dev server and SMTP server of
 * jest's globalSetup, a throwaway slapd, and the ZCC emulator. All pass → exit 0; a wrong
 * password → that one check fails, exit 1, and the password is never printed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CREDENTIALS, startEmulator, type EmulatorHandle } from '../emulator';
import { ensureBuilt, runCli } from './support/cli';
import { testStack, withSlapd } from './support/stack';
import type { SlapdHandle } from '../devstack/slapd';

let dir: string;
let slapd: SlapdHandle;
let emu: EmulatorHandle;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-check-'));
  // Assigned one by one, so afterAll stops whatever did start when another start fails.
  await Promise.all([
    withSlapd({ users: 3, groups: 3 }).then((s) => (slapd = s)),
    startEmulator({ port: 0 }).then((e) => (emu = e)),
    ensureBuilt(),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([slapd?.stop(), emu?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string): string {
  const s = testStack();
  const file = path.join(dir, name);
  fs.writeFileSync(file, [
    `stateDir: ${dir}/state`,
    'temporal:',
    `  address: ${s.temporalAddress}`,
    `  namespace: ${s.namespace}`,
    'directory:',
    `  url: ${slapd.url}`,
    `  bindDN: ${slapd.readerDN}`,
    '  bindPassword: ${ZCC_TEST_BIND_PW}',
    'email:',
    `  host: ${s.smtpHost}`,
    `  port: ${s.smtpPort}`,
    'contactCenter:',
    `  baseUrl: ${emu.baseUrl}`,
    `  tokenUrl: ${emu.tokenUrl}`,
    `  accountId: ${DEFAULT_CREDENTIALS.accountId}`,
    `  clientId: ${DEFAULT_CREDENTIALS.clientId}`,
    '  clientSecret: ${ZCC_TEST_CLIENT_SECRET}',
  ].join('\n'));
  return file;
}

test('every connection passes: one ok line per check, exit 0', async () => {
  const file = writeConfig('good.yaml');
  const r = await runCli(['config', 'check', '--config', file], { env: { ZCC_TEST_BIND_PW: slapd.readerPassword, ZCC_TEST_CLIENT_SECRET: DEFAULT_CREDENTIALS.clientSecret } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines.map((l) => l.slice(0, 16).trimEnd())).toEqual(['ok    config', 'ok    Temporal', 'ok    LDAP', 'ok    SMTP', 'ok    ZCC']);
  expect(lines[1]).toContain(`${testStack().temporalAddress}, namespace default, task queue zcc-sync, server 1.`);
  expect(lines[2]).toContain(`bound as ${slapd.readerDN} to ${slapd.url}`);
  // Delta sync: syncprov's contextCSN is the marker; the reader may not read cn=config, so the index is probed.
  expect(lines[2]).toMatch(/; delta: contextCSN .*; changed-since on entryCSN \((indexed|index not readable), \d+ ms\)/);
  expect(lines[4]).toMatch(/token from .* valid for \d+s/);
  for (const secret of [slapd.readerPassword, DEFAULT_CREDENTIALS.clientSecret]) expect(r.stdout).not.toContain(secret);
});

test('a wrong bind password and client secret fail their checks, exit 1, and are not printed', async () => {
  const file = writeConfig('wrong.yaml');
  const wrongPw = 'wrong-bind-password-123';
  const wrongSecret = 'wrong-client-secret-456';
  const r = await runCli(['config', 'check', '--config', file, '--json'], { env: { ZCC_TEST_BIND_PW: wrongPw, ZCC_TEST_CLIENT_SECRET: wrongSecret } });
  expect(r.code).toBe(1);
  const out = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ check: string; status: string; detail: string }> };
  expect(out.checks.map((c) => [c.check, c.status])).toEqual([['Temporal', 'ok'], ['LDAP', 'fail'], ['SMTP', 'ok'], ['ZCC', 'fail']]);
  expect(out.checks[1].detail).toContain('invalid credentials');
  for (const secret of [wrongPw, wrongSecret]) expect(r.stdout + r.stderr).not.toContain(secret);
});
