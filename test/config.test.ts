import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../src/config/errors';
import { loadConfig, loadConfigWithSource, parseConfigText } from '../src/config/load';
import { resolveTemporalAddress, temporalTls } from '../src/temporal/connection';
import { ensureBuilt, ROOT, runCli } from './support/cli';
import { problemsOf } from './support/config-problems';

const SECRET = 'hunter2-very-secret';


const parse = (yaml: string, env: Record<string, string> = {}) => parseConfigText(yaml, { env });

describe('config validation messages', () => {
  test('a missing required field names the path and the fix', () => {
    const msg = problemsOf(() => parse('mappings:\n  - group: cn=agents,ou=groups,dc=example,dc=com\n'));
    expect(msg).toContain('mappings[0].role: got nothing — expected a string (fix: add mappings[0].role (required), e.g. Agent)');
  });

  test('a wrong type shows the value and the expected type', () => {
    const msg = problemsOf(() => parse('email:\n  port: abc\n'));
    expect(msg).toContain('email.port: got "abc" — expected a number (fix: write email.port as a number, e.g. 587)');
  });

  test('a bad URL names the schemes accepted', () => {
    const msg = problemsOf(() => parse('directory:\n  url: http://ldap.example.com\n'));
    expect(msg).toContain('directory.url: got "http://ldap.example.com" — expected a URL with scheme ldap or ldaps (fix: set directory.url to a URL with scheme ldap or ldaps, e.g. ldaps://ldap.example.com:636)');
    const msg2 = problemsOf(() => parse('contactCenter:\n  baseUrl: not a url\n'));
    expect(msg2).toContain('contactCenter.baseUrl: got "not a url" — expected a URL with scheme http or https');
  });

  test('an unknown key says the key, suggests the near one, lists the valid keys and masks a secret value', () => {
    const msg = problemsOf(() => parse(`directory:\n  bindPasword: ${SECRET}\n`));
    expect(msg).toContain('directory.bindPasword: got unknown key "bindPasword" = ****');
    expect(msg).toContain('expected one of the keys of directory: url, bindDN, bindPassword, tlsCaFile');
    expect(msg).toContain('(fix: did you mean "bindPassword"? rename the key, or remove it)');
    expect(msg).not.toContain(SECRET);
  });

  test('an unknown top-level section lists the sections', () => {
    const msg = problemsOf(() => parse('ldap:\n  url: ldap://x\n'));
    expect(msg).toContain('ldap: got unknown key "ldap" = {"url":"ldap://x"} — expected one of the top-level sections: stateDir, temporal, directory');
  });

  test('an unset environment variable names the variable and the field path', () => {
    const msg = problemsOf(() => parse('directory:\n  bindPassword: ${LDAP_BIND_PASSWORD}\n'));
    expect(msg).toContain('directory.bindPassword: got "${LDAP_BIND_PASSWORD}" — expected environment variable LDAP_BIND_PASSWORD to be set');
    expect(msg).toContain('export LDAP_BIND_PASSWORD=');
  });

  test('secret values of the wrong type are masked', () => {
    const msg = problemsOf(() => parse('contactCenter:\n  clientSecret: 987654321\n'));
    expect(msg).toContain('contactCenter.clientSecret: got **** — expected a string');
    expect(msg).not.toContain('987654321');
  });

  test('a secret that reaches an error through another field is scrubbed', () => {
    // The password, pasted by mistake into a neighbouring field, appears only masked.
    const msg = problemsOf(() => parse(`directory:\n  bindPassword: ${SECRET}\n  pageSize: ${SECRET}\n`));
    expect(msg).toContain('directory.pageSize: got "****"');
    expect(msg).not.toContain(SECRET);
  });

  test('every problem is reported at once', () => {
    const err = (() => {
      try {
        parse('email:\n  port: 0\n  from: not-an-email\ntemporal:\n  address: "http://x:7233"\nschedule:\n  every: often\n');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected an error');
    })();
    expect(err.problems.map((p) => p.path.join('.'))).toEqual(['temporal.address', 'email.port', 'email.from', 'schedule.every']);
    expect(err.message).toMatch(/^invalid config \(config text\): 4 problems/);
    expect(err.message).toContain('email.port: got 0 — expected a number at least 1');
    expect(err.message).toContain('email.from: got "not-an-email" — expected an email address');
    expect(err.message).toContain('temporal.address: got "http://x:7233" — expected host:port such as 127.0.0.1:7233, or empty');
    expect(err.message).toContain('schedule.every: got "often" — expected a duration such as 30s, 15m or 1h');
  });

  test('schedule.delta: every is a duration; unknown keys and a zero interval are named with the fix', () => {
    expect(parse('schedule:\n  every: 6h\n  delta:\n    every: 30s\n').schedule).toEqual({ every: '6h', paused: false, delta: { every: '30s' } });
    expect(parse('schedule:\n  every: 6h\n').schedule.delta).toBeUndefined();
    const bad = problemsOf(() => parse('schedule:\n  delta:\n    every: 0s\n'));
    expect(bad).toContain('schedule.delta.every: got "0s" — expected a duration such as 30s, 1m or 5m (fix: set schedule.delta.every to a duration such as 30s, 1m or 5m)');
    const typo = problemsOf(() => parse('schedule:\n  delta:\n    evry: 30s\n'));
    expect(typo).toContain('schedule.delta.evry: got unknown key "evry" = "30s" — expected one of the keys of schedule.delta: every (fix: did you mean "every"? rename the key, or remove it)');
  });

  test('a YAML syntax error gives the position but not the line (which may hold a secret)', () => {
    const msg = problemsOf(() => parse(`directory:\n  bindPassword: ${SECRET}: x: y\n`));
    expect(msg).toMatch(/invalid YAML at line 2, column \d+/);
    expect(msg).not.toContain(SECRET);
  });

  test('a file that is not a mapping', () => {
    expect(problemsOf(() => parse('- a\n- b\n'))).toContain('(config): got a list — expected a YAML mapping of sections');
  });
});

describe('config interpolation and defaults', () => {
  test('an empty config gives the embedded defaults', () => {
    const c = parse('');
    expect(c.temporal.taskQueue).toBe('zcc-sync');
    expect(c.directory.url).toBe('ldap://127.0.0.1:3890');
    expect(c.store.client).toBe('sqlite3');
  });

  test('${VAR}, ${VAR:-default}, $${literal} and type coercion of whole references', () => {
    const c = parse(
      [
        'directory:',
        '  bindPassword: ${PW}',
        '  bindDN: cn=${WHO:-reader},dc=example,dc=com',
        '  userFilter: (cn=$${literal})',
        '  startTls: ${STARTTLS}',
        'email:',
        '  port: ${SMTP_PORT}',
        '  password: "${SMTP_PW}"',
      ].join('\n'),
      { PW: 's3cret', STARTTLS: 'true', SMTP_PORT: '587', SMTP_PW: '12345' },
    );
    expect(c.directory.bindPassword).toBe('s3cret');
    expect(c.directory.bindDN).toBe('cn=reader,dc=example,dc=com');
    expect(c.directory.userFilter).toBe('(cn=${literal})');
    expect(c.directory.startTls).toBe(true);
    expect(c.email.port).toBe(587);
    // A numeric-looking secret stays a string: only number/boolean fields are coerced.
    expect(c.email.password).toBe('12345');
  });

  test('a malformed reference is an error', () => {
    expect(problemsOf(() => parse('directory:\n  bindDN: ${1abc}\n'))).toContain('directory.bindDN: got "${1abc}" — expected an environment variable reference');
    expect(problemsOf(() => parse('directory:\n  bindDN: cn=${oops\n'))).toContain('expected a closed reference');
  });
});

describe('config file resolution', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('--config, then ZCC_SYNC_CONFIG, then ./zcc-sync.yaml, then embedded defaults', () => {
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'temporal:\n  taskQueue: from-flag\n');
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'temporal:\n  taskQueue: from-env\n');
    fs.writeFileSync(path.join(dir, 'zcc-sync.yaml'), 'temporal:\n  taskQueue: from-cwd\n');
    const env = { ZCC_SYNC_CONFIG: path.join(dir, 'b.yaml') };
    expect(loadConfig({ path: 'a.yaml', env, cwd: dir }).temporal.taskQueue).toBe('from-flag');
    expect(loadConfig({ env, cwd: dir }).temporal.taskQueue).toBe('from-env');
    expect(loadConfig({ env: {}, cwd: dir }).temporal.taskQueue).toBe('from-cwd');
    fs.rmSync(path.join(dir, 'zcc-sync.yaml'));
    const embedded = loadConfigWithSource({ env: {}, cwd: dir });
    expect(embedded.source.kind).toBe('embedded');
    expect(embedded.config.temporal.taskQueue).toBe('zcc-sync');
  });

  test('an explicit path that does not exist is an error, also through ZCC_SYNC_CONFIG', () => {
    expect(problemsOf(() => loadConfig({ path: 'nope.yaml', env: {}, cwd: dir }))).toContain(`config file not found: ${path.join(dir, 'nope.yaml')} (from --config)`);
    expect(problemsOf(() => loadConfig({ env: { ZCC_SYNC_CONFIG: '/no/such.yaml' }, cwd: dir }))).toContain('(from ZCC_SYNC_CONFIG)');
  });

  test('stateDir and file paths are relative to the config file', () => {
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc', 'c.yaml'), 'stateDir: ../state\ndirectory:\n  tlsCaFile: ca.pem\nstore:\n  connection: db/z.sqlite\n');
    const c = loadConfig({ path: path.join(dir, 'etc', 'c.yaml'), env: {}, cwd: os.tmpdir() });
    expect(c.stateDir).toBe(path.join(dir, 'state'));
    expect(c.directory.tlsCaFile).toBe(path.join(dir, 'etc', 'ca.pem'));
    expect(c.store.connection).toBe(path.join(dir, 'etc', 'db', 'z.sqlite'));
    // Without a file, relative to the working directory.
    expect(loadConfig({ env: {}, cwd: dir }).stateDir).toBe(path.join(dir, '.state'));
  });

  test('zcc-sync.example.yaml is valid once its variables are set', () => {
    const env = { LDAP_BIND_PASSWORD: 'x', ZOOM_ACCOUNT_ID: 'a', ZOOM_CLIENT_ID: 'b', ZOOM_CLIENT_SECRET: 'c' };
    const c = loadConfig({ path: path.join(ROOT, 'zcc-sync.example.yaml'), env, cwd: dir });
    expect(c.mappings).toHaveLength(2);
    expect(c.temporal.address).toBe('');
    // Every variable it references is reported when none is set.
    const msg = problemsOf(() => loadConfig({ path: path.join(ROOT, 'zcc-sync.example.yaml'), env: {}, cwd: dir }));
    for (const v of Object.keys(env)) expect(msg).toContain(`expected environment variable ${v} to be set`);
  });
});

describe('compiled CLI: config check', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-cli-config-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a broken config prints every problem and exits 2', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, ['directory:', '  url: http://ldap.example.com', `  bindPassword: ${SECRET}`, '  pageSize: many', 'email:', '  port: "25"', 'mappings:', '  - group: g'].join('\n'));
    const r = await runCli(['config', 'check', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`zcc-sync: invalid config (${bad}): 4 problems`);
    expect(r.stderr).toContain('directory.url: got "http://ldap.example.com" — expected a URL with scheme ldap or ldaps');
    expect(r.stderr).toContain('directory.pageSize: got "many" — expected a number');
    expect(r.stderr).toContain('email.port: got "25" — expected a number');
    expect(r.stderr).toContain('mappings[0].role: got nothing — expected a string');
    expect(r.stderr).not.toContain(SECRET);
  });

  test('an unset variable exits 2 naming it; a missing --config file exits 2', async () => {
    const f = path.join(dir, 'env.yaml');
    fs.writeFileSync(f, 'contactCenter:\n  clientSecret: ${ZCC_TEST_UNSET_SECRET}\n');
    const r = await runCli(['config', 'check', '--config', f], { env: { ZCC_TEST_UNSET_SECRET: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('contactCenter.clientSecret: got "${ZCC_TEST_UNSET_SECRET}" — expected environment variable ZCC_TEST_UNSET_SECRET to be set');
    const missing = await runCli(['config', 'check', '--config', path.join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('config file not found');
  });

  test('a valid config whose servers are unreachable: one FAIL line per check, exit 1, no secret printed', async () => {
    const port = await closedPort();
    const f = path.join(dir, 'unreachable.yaml');
    fs.writeFileSync(f, [
      `stateDir: ${dir}/state`,
      'temporal:',
      `  address: 127.0.0.1:${port}`,
      'directory:',
      `  url: ldap://127.0.0.1:${port}`,
      '  bindPassword: ${ZCC_TEST_BIND_PW}',
      'email:',
      '  host: 127.0.0.1',
      `  port: ${port}`,
      'contactCenter:',
      `  baseUrl: http://127.0.0.1:${port}/v2`,
      `  tokenUrl: http://127.0.0.1:${port}/oauth/token`,
      '  accountId: acct',
      '  clientId: cid',
      '  clientSecret: ${ZCC_TEST_CLIENT_SECRET}',
    ].join('\n'));
    const r = await runCli(['config', 'check', '--config', f, '--json'], { env: { ZCC_TEST_BIND_PW: SECRET, ZCC_TEST_CLIENT_SECRET: `${SECRET}-2` }, timeoutMs: 90_000 });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; ok: boolean; checks: Array<{ check: string; status: string; detail: string }> };
    expect(out.valid).toBe(true);
    expect(out.ok).toBe(false);
    expect(out.checks.map((c) => [c.check, c.status])).toEqual([['Temporal', 'fail'], ['LDAP', 'fail'], ['SMTP', 'fail'], ['ZCC', 'fail']]);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

/** A loopback port nothing listens on: bind to port 0, note it, close. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

test('a misspelt secret key that the name pattern misses is masked through its nearest valid key', () => {
  const msg = problemsOf(() => parse(`contactCenter:\n  clientSecert: ${SECRET}\n`));
  expect(msg).toContain('contactCenter.clientSecert: got unknown key "clientSecert" = ****');
  expect(msg).not.toContain(SECRET);
});

describe('Temporal connection settings from config', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-temporal-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an empty temporal.address uses the running dev stack, else says how to get one', () => {
    const config = parse(`stateDir: ${dir}`);
    expect(() => resolveTemporalAddress(config)).toThrow('(fix: run `zcc-sync dev up`, or set temporal.address, e.g. 127.0.0.1:7233)');
    fs.mkdirSync(path.join(dir, 'dev'));
    fs.writeFileSync(path.join(dir, 'dev', 'stack.json'), JSON.stringify({ version: 1, components: { temporal: { address: '127.0.0.1:17233' } } }));
    expect(resolveTemporalAddress(config)).toBe('127.0.0.1:17233');
    expect(resolveTemporalAddress(parse(`stateDir: ${dir}\ntemporal:\n  address: temporal.example.com:7233`))).toBe('temporal.example.com:7233');
  });

  test('TLS files are read, an API key implies TLS, half an mTLS pair is an error', () => {
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA');
    const tls = temporalTls(loadConfigFrom(dir, 'temporal:\n  address: t.example.com:7233\n  tls:\n    caFile: ca.pem\n    serverName: t.example.com\n'));
    expect(tls?.serverRootCACertificate?.toString()).toBe('CA');
    expect(tls?.serverNameOverride).toBe('t.example.com');
    expect(temporalTls(parse('temporal:\n  apiKey: k-123456'))).toEqual({});
    expect(temporalTls(parse(''))).toBeUndefined();
    expect(() => temporalTls(parse('temporal:\n  tls:\n    certFile: c.pem\n'))).toThrow('temporal.tls: got only one of certFile and keyFile');
    expect(() => temporalTls(loadConfigFrom(dir, 'temporal:\n  tls:\n    caFile: missing.pem\n'))).toThrow(`temporal.tls.caFile: got ${JSON.stringify(path.join(dir, 'missing.pem'))} — expected a readable PEM file`);
  });
});

function loadConfigFrom(dir: string, yaml: string) {
  const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, yaml);
  return loadConfig({ path: file, env: {} });
}
