/**
 * The SMTP capture server: real SMTP on loopback through nodemailer, messages read back parsed.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { readMailbox, readRawMail, startSmtpServer, waitForMail, waitForMails, type RunningSmtpServer } from '../devstack/smtp';

let dir: string;
let server: RunningSmtpServer;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zcc-smtp-'));
  server = await startSmtpServer({ port: 0, dir });
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

function transport(extra: Record<string, unknown> = {}) {
  return nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ...extra });
}

test('listens on a free loopback port', () => {
  expect(server.port).toBeGreaterThan(0);
  expect(server.host).toBe('127.0.0.1');
});

test('a message sent through nodemailer is stored and read back parsed', async () => {
  const t = transport();
  const subject = 'Lizenz für Jürgen ✓ — 日本語のテスト';
  const info = await t.sendMail({
    from: '"zcc-sync" <zcc-sync@example.com>',
    to: ['ada@example.com', 'Grace <grace@example.com>'],
    bcc: 'audit@example.com',
    subject,
    text: 'Hello Jürgen,\nplain text body.',
    html: '<p>Hello <b>Jürgen</b></p>',
    messageId: '<smtp-test-1@zcc-sync>',
  });
  t.close();
  expect(info.response).toMatch(/^250/);

  const mail = await waitForMail(dir, (m) => m.messageId === '<smtp-test-1@zcc-sync>', 10_000);
  expect(mail.from).toBe('zcc-sync@example.com');
  expect(mail.envelope.from).toBe('zcc-sync@example.com');
  // Envelope recipients: Bcc included, as delivered.
  expect(mail.to.sort()).toEqual(['ada@example.com', 'audit@example.com', 'grace@example.com']);
  expect(mail.headerTo.sort()).toEqual(['ada@example.com', 'grace@example.com']);
  expect(mail.subject).toBe(subject);
  expect(mail.text.trim()).toBe('Hello Jürgen,\nplain text body.');
  expect(mail.html).toContain('<p>Hello <b>Jürgen</b></p>');
  expect(mail.date).not.toBeNull();
  expect(mail.headers['message-id']).toBe('<smtp-test-1@zcc-sync>');

  const raw = (await readRawMail(dir, mail)).toString('utf8');
  expect(raw).toMatch(/^Message-ID: <smtp-test-1@zcc-sync>/im);
  // Atomic writes: no temp file is left, and every .json has its .eml.
  const names = await fs.readdir(dir);
  expect(names.filter((n) => n.includes('.tmp-'))).toEqual([]);
  for (const n of names.filter((x) => x.endsWith('.json'))) expect(names).toContain(n.replace(/\.json$/, '.eml'));
});

test('accepts AUTH with any credentials over plain text', async () => {
  const t = transport({ auth: { user: 'someone', pass: 'whatever-password' } });
  await t.verify();
  await t.sendMail({ from: 'a@example.com', to: 'auth-check@example.com', subject: 'with auth', text: 'x' });
  t.close();
  await waitForMail(dir, (m) => m.to.includes('auth-check@example.com'), 10_000);
});

test('readMailbox keeps arrival order and filters by recipient, time and count', async () => {
  const since = new Date();
  const t = transport();
  for (let i = 0; i < 5; i++) {
    await t.sendMail({ from: 'a@example.com', to: i % 2 ? 'odd@example.com' : 'even@example.com', subject: `order ${i}`, text: String(i) });
  }
  t.close();
  await waitForMails(dir, (m) => m.subject.startsWith('order '), 5, 10_000);

  const recent = await readMailbox(dir, { since });
  expect(recent.map((m) => m.subject)).toEqual(['order 0', 'order 1', 'order 2', 'order 3', 'order 4']);
  expect((await readMailbox(dir, { since, to: 'ODD@example.com' })).map((m) => m.subject)).toEqual(['order 1', 'order 3']);
  expect((await readMailbox(dir, { since, limit: 2 })).map((m) => m.subject)).toEqual(['order 3', 'order 4']);
  expect(await readMailbox(dir, { since: Date.now() + 60_000 })).toEqual([]);
  expect(await readMailbox(path.join(dir, 'does-not-exist'))).toEqual([]);
});

test('rejects a message over the size limit and stores nothing', async () => {
  const smallDir = await fs.mkdtemp(path.join(os.tmpdir(), 'zcc-smtp-small-'));
  const small = await startSmtpServer({ dir: smallDir, maxMessageBytes: 2000 });
  try {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: small.port });
    await expect(t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'big', text: 'x'.repeat(10_000) })).rejects.toMatchObject({ responseCode: 552 });
    await t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'small', text: 'ok' });
    t.close();
    const mails = await readMailbox(smallDir);
    expect(mails.map((m) => m.subject)).toEqual(['small']);
  } finally {
    await small.stop();
    await fs.rm(smallDir, { recursive: true, force: true });
  }
});

test('stop() returns while a pooled client still holds its connection open', async () => {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'zcc-smtp-stop-'));
  const s = await startSmtpServer({ dir: d });
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: s.port, pool: true });
  await t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'pooled', text: 'x' });
  await s.stop(); // the pooled session is closed by the server (closeTimeout), not left hanging
  await s.stop(); // idempotent
  t.close();
  expect((await readMailbox(d)).length).toBe(1);
  await fs.rm(d, { recursive: true, force: true });
});

test('a port in use is reported as an error', async () => {
  const other = new SMTPServer({ logger: false, authOptional: true });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const port = (other.server.address() as { port: number }).port;
  try {
    await expect(startSmtpServer({ port, dir })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await new Promise<void>((r) => other.close(() => r()));
  }
});
