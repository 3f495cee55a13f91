/**
 * The mailer against real SMTP servers on loopback: it sends, verifies, tells "certainly not
 * delivered" from "ambiguous" (the basis of the outbox's exactly-once), and never leaks the
 * SMTP password into errors or logs.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { emailSchema } from '../src/config/schema';
import { readMailbox, startSmtpServer, type RunningSmtpServer } from '../devstack/smtp';
import { createMailer, MailSendError, type Mailer } from '../src/mail/mailer';

let dir: string;
let capture: RunningSmtpServer;
const servers: SMTPServer[] = [];
const mailers: Mailer[] = [];
const PASSWORD = 'Sup3r-secret-smtp-pass';

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zcc-mailer-'));
  capture = await startSmtpServer({ dir });
});

afterAll(async () => {
  for (const m of mailers) m.close();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await capture?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

function mailerFor(port: number, extra: Record<string, unknown> = {}, logger?: pino.Logger): Mailer {
  const m = createMailer(emailSchema.parse({ port, from: 'zcc-sync@example.com', ...extra }), logger, { connectionTimeoutMs: 5000, greetingTimeoutMs: 5000, socketTimeoutMs: 5000 });
  mailers.push(m);
  return m;
}

/** A scripted SMTP server for the failure modes. */
async function scripted(options: Partial<SMTPServerOptions>): Promise<number> {
  const s = new SMTPServer({ logger: false, authOptional: true, allowInsecureAuth: true, disabledCommands: ['STARTTLS'], closeTimeout: 200, ...options });
  servers.push(s);
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.server.address() as { port: number }).port;
}

const message = (to = 'someone@example.com') => ({ to, subject: 'Hello ✓', text: 'text body', html: '<p>html body</p>', messageId: `<${Math.random().toString(36).slice(2)}@zcc-sync>` });

async function sendError(m: Mailer): Promise<MailSendError> {
  try {
    await m.send(message());
  } catch (err) {
    expect(err).toBeInstanceOf(MailSendError);
    return err as MailSendError;
  }
  throw new Error('expected the send to fail');
}

test('sends a composed message with our Message-ID and headers, and verifies the connection', async () => {
  const m = mailerFor(capture.port);
  await m.verify();
  const msg = { ...message('ada@example.com'), headers: { 'X-ZCC-Sync-Event': 'licenseAssigned' } };
  const result = await m.send(msg);
  expect(result.messageId).toBe(msg.messageId);
  expect(result.response).toMatch(/^250/);
  const [stored] = await readMailbox(capture.dir, { to: 'ada@example.com' });
  expect(stored).toMatchObject({ messageId: msg.messageId, from: 'zcc-sync@example.com', subject: 'Hello ✓', html: '<p>html body</p>' });
  expect(stored.text.trim()).toBe('text body');
  expect(stored.headers['x-zcc-sync-event']).toBe('licenseAssigned');
});

test('connection refused: not delivered, transient', async () => {
  const s = await startSmtpServer({ dir: path.join(dir, 'gone') });
  const port = s.port;
  await s.stop();
  const err = await sendError(mailerFor(port));
  expect(err).toMatchObject({ delivery: 'not_delivered', permanent: false, relayProblem: true });
  await expect(mailerFor(port).verify()).rejects.toThrow(/127\.0\.0\.1:\d+/);
});

test('recipient refused with 550: not delivered, permanent', async () => {
  const port = await scripted({
    onRcptTo(_a, _s, cb) {
      cb(Object.assign(new Error('no such user'), { responseCode: 550 }));
    },
  });
  expect(await sendError(mailerFor(port))).toMatchObject({ delivery: 'not_delivered', permanent: true, relayProblem: false, responseCode: 550 });
});

test('message refused with 451 after the data: not delivered, transient', async () => {
  const port = await scripted({
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb(Object.assign(new Error('try later'), { responseCode: 451 })));
    },
  });
  expect(await sendError(mailerFor(port))).toMatchObject({ delivery: 'not_delivered', permanent: false, relayProblem: false, responseCode: 451 });
});

test('connection dropped after the whole message, before the reply: ambiguous', async () => {
  const port = await scripted({
    onData(stream, session, _cb) {
      stream.resume();
      // The server has the message and vanishes without answering.
      stream.on('end', () => {
        for (const s of servers) for (const c of (s as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections) if (c.id === session.id) c._socket.destroy();
      });
    },
  });
  expect(await sendError(mailerFor(port))).toMatchObject({ delivery: 'ambiguous' });
});

test('the SMTP password appears in no error and no log line', async () => {
  const port = await scripted({
    onAuth(auth, _s, cb) {
      // A hostile relay echoing the credentials back in its reply.
      cb(Object.assign(new Error(`bad credentials ${auth.username}/${auth.password}`), { responseCode: 535 }));
    },
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const m = mailerFor(port, { user: 'mailer', password: PASSWORD }, logger);
  const sendErr = await sendError(m);
  const verifyErr = await m.verify().then(
    () => new Error('expected verify to fail'),
    (e: Error) => e,
  );
  // Bad credentials are the relay's problem, not the message's: retried after a fix, never "failed".
  expect(sendErr).toMatchObject({ delivery: 'not_delivered', relayProblem: true, permanent: false });
  expect(verifyErr.message).toMatch(/535/);
  const everything = [sendErr.message, sendErr.stack ?? '', verifyErr.message, verifyErr.stack ?? '', ...lines].join('\n');
  expect(lines.length).toBeGreaterThan(0);
  expect(everything).toContain('[redacted]');
  expect(everything).not.toContain(PASSWORD);
});
