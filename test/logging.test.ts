import { Writable } from 'stream';
import { Runtime } from '@temporalio/worker';
import { parseConfigText } from '../src/config/load';
import { createConfigLogger, createLogger, redactSecrets, resolveLevel, type Logger } from '../src/log/logger';
import { installTemporalRuntimeLogger } from '../src/log/temporal-runtime';

const BIND_PASSWORD = 'ldap-bind-pa55word';
const CLIENT_SECRET = 'zoom-client-secret-xyz';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.bearer-token-value';
const ACCESS_TOKEN = 'access-token-0123456789';
const SMTP_PASSWORD = 'smtp"pass\\word';
const API_KEY = 'temporal-api-key-abcdef';
const ALL_SECRETS = [BIND_PASSWORD, CLIENT_SECRET, BEARER, ACCESS_TOKEN, SMTP_PASSWORD, API_KEY];

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const config = parseConfigText(
  [
    'directory:',
    '  bindPassword: ${BIND}',
    'contactCenter:',
    '  accountId: acct',
    '  clientId: cid',
    '  clientSecret: ${SECRET}',
    'email:',
    '  user: mailer',
    '  password: ${SMTP}',
    'temporal:',
    '  apiKey: ${APIKEY}',
  ].join('\n'),
  { env: { BIND: BIND_PASSWORD, SECRET: CLIENT_SECRET, SMTP: SMTP_PASSWORD, APIKEY: API_KEY } },
);

/** Logs every shape a secret reaches a logger in: fields, nested config, headers, token bodies, error text. */
function logEverything(log: Logger): void {
  log.info({ config }, 'config loaded');
  log.info({ directory: config.directory }, 'directory section');
  log.info({ bindPassword: BIND_PASSWORD, clientSecret: CLIENT_SECRET }, 'top-level secret fields');
  log.info({ req: { method: 'GET', url: '/v2/contact_center/users', headers: { authorization: `Bearer ${BEARER}`, accept: 'application/json' } } }, 'request');
  log.info({ request: { options: { headers: { Authorization: `Bearer ${BEARER}` } } } }, 'deeper request');
  log.info({ response: { body: { access_token: ACCESS_TOKEN, token_type: 'bearer', expires_in: 3599 } } }, 'token response');
  log.info({ token: ACCESS_TOKEN, apiKey: API_KEY }, 'token fields');
  log.error({ err: new Error(`bind failed for cn=reader with password ${BIND_PASSWORD}`) }, 'a library echoed the password');
  log.warn(`free text with the client secret ${CLIENT_SECRET} and ${SMTP_PASSWORD}`);
  log.info({ smtp: { auth: { user: 'mailer', pass: SMTP_PASSWORD } } }, 'smtp options');
}

describe('logging keeps configured secrets out', () => {
  afterAll(async () => {
    // The native runtime keeps the process alive until it is shut down.
    await Runtime._instance?.shutdown();
  });

  test('JSON output: no secret appears, redacted fields say [redacted]', () => {
    const out = capture();
    const log = createConfigLogger(config, { destination: out.stream, pretty: false, env: {} });
    logEverything(log);
    const text = out.text();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(10);
    for (const s of ALL_SECRETS) expect(text).not.toContain(s);
    // The JSON-escaped form of a secret with quotes and backslashes is scrubbed too.
    expect(text).not.toContain(JSON.stringify(SMTP_PASSWORD).slice(1, -1));
    const cfg = (lines[0].config as { directory: { bindPassword: string; url: string }; contactCenter: { clientSecret: string; clientId: string } });
    expect(cfg.directory.bindPassword).toBe('[redacted]');
    expect(cfg.contactCenter.clientSecret).toBe('[redacted]');
    // Non-secret fields stay readable.
    expect(cfg.directory.url).toBe('ldap://127.0.0.1:3890');
    expect(cfg.contactCenter.clientId).toBe('cid');
    expect((lines[3].req as { headers: Record<string, string> }).headers).toEqual({ authorization: '[redacted]', accept: 'application/json' });
    expect((lines[5].response as { body: Record<string, unknown> }).body).toEqual({ access_token: '[redacted]', token_type: 'bearer', expires_in: 3599 });
    expect((lines[7].err as { message: string }).message).toBe('bind failed for cn=reader with password [redacted]');
  });

  test('pretty output: no secret appears', () => {
    const out = capture();
    const log = createConfigLogger(config, { destination: out.stream, pretty: true, env: {} });
    logEverything(log);
    const text = out.text();
    expect(text).toContain('config loaded');
    for (const s of ALL_SECRETS) expect(text).not.toContain(s);
  });

  test('path redaction works without the value scrubber (a logger not given the secrets)', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, pretty: false, env: {} });
    log.info({ config, headers: { Authorization: `Bearer ${BEARER}` }, body: { access_token: ACCESS_TOKEN } }, 'no scrubber');
    const text = out.text();
    for (const s of [BIND_PASSWORD, CLIENT_SECRET, BEARER, ACCESS_TOKEN, API_KEY]) expect(text).not.toContain(s);
  });

  test('the Temporal runtime logger writes through pino, with redaction', () => {
    const out = capture();
    const log = createConfigLogger(config, { destination: out.stream, pretty: false, env: {} });
    expect(installTemporalRuntimeLogger(log)).toBe(true);
    expect(installTemporalRuntimeLogger(log)).toBe(false); // once per process
    Runtime.instance().logger.info('sdk message', { sdkComponent: 'worker', token: ACCESS_TOKEN });
    Runtime.instance().logger.warn(`activity failed: ${CLIENT_SECRET}`);
    // Forwarded logs are buffered (the SDK sorts them by time); flush before reading.
    Runtime.instance().flushLogs();
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const sdk = lines.find((l) => l.msg === 'sdk message');
    expect(sdk).toMatchObject({ component: 'temporal', sdkComponent: 'worker', token: '[redacted]', level: 30 });
    expect(lines.find((l) => l.level === 40)?.msg).toBe('activity failed: [redacted]');
    for (const s of ALL_SECRETS) expect(out.text()).not.toContain(s);
  });
});

describe('logger settings', () => {
  test('LOG_LEVEL overrides the configured level; an invalid one is ignored', () => {
    expect(resolveLevel('info', { LOG_LEVEL: 'debug' })).toBe('debug');
    expect(resolveLevel('warn', { LOG_LEVEL: 'loud' })).toBe('warn');
    expect(resolveLevel(undefined, {})).toBe('info');
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream, pretty: false, env: { LOG_LEVEL: 'warn' } });
    log.info('hidden');
    log.warn('shown');
    expect(out.text()).not.toContain('hidden');
    expect(out.text()).toContain('shown');
  });

  test('redactSecrets scrubs every occurrence, longest secret first, and ignores very short ones', () => {
    expect(redactSecrets('a s3cr3t b s3cr3t', ['s3cr3t'])).toBe('a [redacted] b [redacted]');
    expect(redactSecrets('pw=abcdef', ['abc', 'abcdef'])).toBe('pw=[redacted]');
    expect(redactSecrets('user=p%40ss%20word', ['p@ss word'])).toBe('user=[redacted]');
    expect(redactSecrets('abc', ['abc', undefined, null])).toBe('abc');
  });
});
