/**
 * The console section of the config: defaults that make the demo work without a config file,
 * and messages that name the field and the fix (test/config.test.ts style).
 */
import { parseConfigText } from '../src/config/load';
import { maskSecrets } from '../src/config/secrets';
import { groupDn } from '../devstack/ldif';
import { CONSOLE_ROLE_GROUPS } from '../devstack/console-accounts';
import { problemsOf } from './support/config-problems';

const parse = (yaml: string) => parseConfigText(yaml, { env: {} });


test('no console section: loopback, 8h sessions, no secret (random per start), the demo role groups', () => {
  const c = parse('').console;
  expect(c).toEqual({
    listen: '127.0.0.1:8080',
    sessionTtl: '8h',
    roles: {
      viewer: [groupDn(CONSOLE_ROLE_GROUPS.viewer)],
      operator: [groupDn(CONSOLE_ROLE_GROUPS.operator)],
      approver: [groupDn(CONSOLE_ROLE_GROUPS.approver)],
    },
  });
  expect(c.tls).toBeUndefined();
  expect(c.sessionSecret).toBeUndefined();
});

test('a full console section is read as written', () => {
  const secret = 'x'.repeat(40);
  const c = parse(
    `console:\n  listen: 0.0.0.0:8443\n  tls:\n    certFile: /etc/c.crt\n    keyFile: /etc/c.key\n  sessionSecret: ${secret}\n  sessionTtl: 30m\n` +
      '  publicUrl: https://zcc.example.com\n  roles:\n    viewer: ["cn=a,dc=x"]\n    operator: []\n    approver:\n      - cn=b,dc=x\n      - cn=c,dc=x\n',
  ).console;
  expect(c).toEqual({
    listen: '0.0.0.0:8443',
    tls: { certFile: '/etc/c.crt', keyFile: '/etc/c.key' },
    sessionSecret: secret,
    sessionTtl: '30m',
    publicUrl: 'https://zcc.example.com',
    roles: { viewer: ['cn=a,dc=x'], operator: [], approver: ['cn=b,dc=x', 'cn=c,dc=x'] },
  });
});

test('a bad listen address names the field and the form', () => {
  expect(problemsOf(() => parse('console:\n  listen: localhost\n'))).toContain(
    'console.listen: got "localhost" — expected host:port such as 127.0.0.1:8080 (fix: set console.listen to host:port such as 127.0.0.1:8080, e.g. 127.0.0.1:8080)',
  );
  expect(problemsOf(() => parse('console:\n  listen: 127.0.0.1:99999\n'))).toContain('console.listen: got "127.0.0.1:99999" — expected host:port with a port from 1 to 65535');
});

test('a short session secret names the field and the fix, and is masked', () => {
  const msg = problemsOf(() => parse('console:\n  sessionSecret: too-short-secret\n'));
  expect(msg).toContain('console.sessionSecret: got **** — expected a string of at least 32 characters');
  expect(msg).toContain('fix: set console.sessionSecret to a string of at least 32 characters, e.g. ${ZCC_CONSOLE_SESSION_SECRET} (make one with: openssl rand -base64 48)');
  expect(msg).not.toContain('too-short-secret');
});

test('the session secret is a secret: masked wherever config is shown', () => {
  const c = parse(`console:\n  sessionSecret: ${'s'.repeat(32)}\n`);
  expect((maskSecrets(c) as { console: { sessionSecret: string } }).console.sessionSecret).toBe('****');
});

test('tls needs both files: the missing one is named', () => {
  expect(problemsOf(() => parse('console:\n  tls:\n    certFile: /etc/c.crt\n'))).toContain(
    'console.tls.keyFile: got nothing — expected a string (fix: add console.tls.keyFile (required), e.g. /etc/zcc-sync/console.key)',
  );
  expect(problemsOf(() => parse('console:\n  tls:\n    keyFile: /etc/c.key\n'))).toContain('console.tls.certFile: got nothing — expected a string (fix: add console.tls.certFile (required)');
});

test('sessionTtl is a duration, publicUrl an http(s) URL, roles lists, unknown keys named', () => {
  expect(problemsOf(() => parse('console:\n  sessionTtl: 8 hours\n'))).toContain('console.sessionTtl: got "8 hours" — expected a duration such as 30s, 15m or 1h');
  expect(problemsOf(() => parse('console:\n  publicUrl: ftp://x\n'))).toContain('console.publicUrl: got "ftp://x" — expected a URL with scheme http or https');
  expect(problemsOf(() => parse('console:\n  roles:\n    viewer: cn=x\n'))).toContain('console.roles.viewer: got "cn=x" — expected a list');
  expect(problemsOf(() => parse('console:\n  roles:\n    admin: [cn=x]\n'))).toContain('console.roles.admin: got unknown key "admin"');
});
