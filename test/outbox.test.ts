/**
 * The outbox against a real store (SQLite through knex + migrations) and a real SMTP server
 * (the capture server): enqueue is idempotent, every row is sent once, a crash between the SMTP
 * server's acceptance and the row update never produces a duplicate.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { configSchema, emailSchema } from '../src/config/schema';
import { mailboxProbe, readMailbox, startSmtpServer, waitForMails, type RunningSmtpServer, type StoredMail } from '../devstack/smtp';
import {
  adminMails,
  createMailer,
  dedupeKey,
  deliver,
  enqueue,
  licenseAssigned,
  MailSendError,
  messageIdFor,
  runReport,
  summarize,
  userMail,
  type Mailer,
  type OutboxItem,
  type OutboxRow,
} from '../src/mail';
import { closeStore, openStore } from '../src/store/db';

let dir: string;
let dbFile: string;
let db: Knex;
let smtp: RunningSmtpServer;
let mailer: Mailer;
const mailers: Mailer[] = [];

const emailConfig = (extra: Record<string, unknown> = {}) =>
  emailSchema.parse({ port: smtp.port, from: 'zcc-sync@example.com', admins: ['admin1@example.com', 'admin2@example.com'], ...extra });

function newMailer(extra: Record<string, unknown> = {}): Mailer {
  const m = createMailer(emailConfig(extra));
  mailers.push(m);
  return m;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zcc-outbox-'));
  dbFile = path.join(dir, 'store.sqlite');
  db = await openStore(configSchema.parse({ stateDir: dir, store: { connection: { filename: dbFile } } }));
  smtp = await startSmtpServer({ port: 0, dir: path.join(dir, 'mail') });
  mailer = newMailer();
});

afterAll(async () => {
  for (const m of mailers) m.close();
  await smtp?.stop();
  await closeStore(db);
  await fs.rm(dir, { recursive: true, force: true });
});

const mailbox = () => readMailbox(smtp.dir);
const inWorkflow = (mails: StoredMail[], workflowId: string) => mails.filter((m) => m.headers['x-zcc-sync-workflow'] === workflowId);
const rows = (workflowId: string): Promise<OutboxRow[]> => db('outbox').where({ workflow_id: workflowId }).orderBy('id');

function assigned(workflowId: string, n: number, offset = 0): OutboxItem[] {
  return Array.from({ length: n }, (_, i) => {
    const email = `user${offset + i}@example.com`;
    return userMail(workflowId, email, 'licenseAssigned', licenseAssigned({ name: `User ${offset + i}`, email, role: 'Agent', package: 'premium', queues: ['Support'] }));
  });
}

/** Recipients that received more than one message of the workflow. */
function duplicates(mails: StoredMail[]): string[] {
  const seen = new Map<string, number>();
  for (const m of mails) for (const to of m.to) seen.set(to, (seen.get(to) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([to]) => to);
}

test('enqueueing the same event twice adds one row; delivering twice sends one message', async () => {
  const items = assigned('wf-basic', 1);
  expect(await enqueue(db, items)).toEqual({ inserted: 1, duplicates: 0, suppressed: 0 });
  // A retried activity / replayed workflow enqueues again, also with a differently-cased address.
  expect(await enqueue(db, [...items, { ...items[0], recipient: 'USER0@example.com' }])).toEqual({ inserted: 0, duplicates: 2, suppressed: 0 });
  expect(await rows('wf-basic')).toHaveLength(1);

  const first = await deliver(db, mailer, { workflowId: 'wf-basic' });
  expect(first).toMatchObject({ sent: 1, failed: 0, unknown: 0, retry: 0, inFlight: 0 });
  const second = await deliver(db, mailer, { workflowId: 'wf-basic' });
  expect(second).toMatchObject({ sent: 0, failed: 0, unknown: 0 });

  const mails = inWorkflow(await mailbox(), 'wf-basic');
  expect(mails).toHaveLength(1);
  const [row] = await rows('wf-basic');
  expect(row).toMatchObject({ status: 'sent', attempts: 1, recipient: 'user0@example.com' });
  expect(row.dedupe_key).toBe(dedupeKey('wf-basic', 'user0@example.com', 'licenseAssigned'));
  expect(row.message_id).toBe(messageIdFor(row.dedupe_key));
  expect(mails[0]).toMatchObject({ messageId: row.message_id, subject: 'Your Zoom Contact Center license is ready', from: 'zcc-sync@example.com', to: ['user0@example.com'] });
  expect(mails[0].headers['x-zcc-sync-event']).toBe('licenseAssigned');
  expect(mails[0].headers['auto-submitted']).toBe('auto-generated');
  expect(mails[0].text).toContain('Role:    Agent');
});

test('250 user mails: each exactly once, also with two deliverers racing', async () => {
  await enqueue(db, assigned('wf-250', 250));
  await enqueue(db, assigned('wf-250', 250)); // the retried activity
  const [a, b] = await Promise.all([deliver(db, mailer, { workflowId: 'wf-250' }), deliver(db, newMailer(), { workflowId: 'wf-250' })]);
  expect(a.sent + b.sent).toBe(250);
  const mails = inWorkflow(await mailbox(), 'wf-250');
  expect(mails).toHaveLength(250);
  expect(duplicates(mails)).toEqual([]);
  expect((await summarize(db, 'wf-250')).byStatus).toMatchObject({ sent: 250, pending: 0, sending: 0 });
});

test('a mailer that dies after the server accepted: no duplicate, the row is reported unknown', async () => {
  await enqueue(db, assigned('wf-ambiguous', 3));
  let sends = 0;
  const dying: Mailer = {
    ...mailer,
    async send(mail) {
      await mailer.send(mail);
      if (++sends === 2) throw new Error('worker lost its connection to the store');
      return { messageId: mail.messageId, response: '250' };
    },
  };
  expect(await deliver(db, dying, { workflowId: 'wf-ambiguous', concurrency: 1 })).toMatchObject({ sent: 2, unknown: 1 });
  // A later delivery (the retried activity) resends nothing.
  expect(await deliver(db, mailer, { workflowId: 'wf-ambiguous', staleAfterMs: 0 })).toMatchObject({ sent: 0, unknown: 0 });
  const mails = inWorkflow(await mailbox(), 'wf-ambiguous');
  expect(mails).toHaveLength(3);
  expect(duplicates(mails)).toEqual([]);

  const summary = await summarize(db, 'wf-ambiguous');
  expect(summary.byStatus).toMatchObject({ sent: 2, unknown: 1 });
  expect(summary.problems).toEqual([expect.objectContaining({ recipient: 'user1@example.com', status: 'unknown' })]);
  // ... which the admin report names.
  const report = runReport({ kind: 'assign', workflowId: 'wf-ambiguous', status: 'completed', counts: {}, failures: [], email: { sent: 2, failed: 0, unknown: 1 } });
  expect(report.text).toContain('1 unconfirmed');

  // Where the server can be asked (the capture server), the unknown row resolves to sent.
  expect(await deliver(db, mailer, { workflowId: 'wf-ambiguous', staleAfterMs: 0, confirm: mailboxProbe(smtp.dir) })).toMatchObject({ sent: 1 });
  expect((await summarize(db, 'wf-ambiguous')).byStatus).toMatchObject({ sent: 3, unknown: 0 });
  expect(inWorkflow(await mailbox(), 'wf-ambiguous')).toHaveLength(3);
});

/** Runs the crash child: it delivers the workflow's rows and SIGKILLs itself after `killAfter` accepted sends. */
function runCrashChild(workflowId: string, killAfter: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  // A require hook compiling TypeScript with swc (what jest uses), so the child runs the sources.
  const hook = `
    const { transformSync } = require('@swc/core');
    require.extensions['.ts'] = (module, filename) => {
      const src = require('fs').readFileSync(filename, 'utf8');
      const out = transformSync(src, { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
      module._compile(out.code, filename);
    };
    require(${JSON.stringify(path.join(__dirname, 'fixtures', 'outbox-crash-child.ts'))});
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', hook], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, CRASH_DB: dbFile, CRASH_SMTP_PORT: String(smtp.port), CRASH_WORKFLOW: workflowId, CRASH_KILL_AFTER: String(killAfter) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('a worker process killed right after the SMTP server accepted a message: the restart sends no duplicate', async () => {
  await enqueue(db, assigned('wf-crash', 6));
  const child = await runCrashChild('wf-crash', 3);
  expect(child.stderr).toBe('');
  expect(child.signal).toBe('SIGKILL');

  // The state the dead worker left: two rows sent, the third accepted by the server but still `sending`.
  expect((await rows('wf-crash')).map((r) => r.status)).toEqual(['sent', 'sent', 'sending', 'pending', 'pending', 'pending']);
  expect(inWorkflow(await mailbox(), 'wf-crash')).toHaveLength(3);

  // A restart within the lease leaves the in-flight row alone (its owner might be alive) ...
  expect(await deliver(db, mailer, { workflowId: 'wf-crash' })).toMatchObject({ sent: 3, unknown: 0, inFlight: 1 });
  // ... and once the lease is over, marks it unknown instead of resending it.
  expect(await deliver(db, mailer, { workflowId: 'wf-crash', staleAfterMs: 0 })).toMatchObject({ sent: 0, unknown: 1, inFlight: 0 });

  const mails = inWorkflow(await mailbox(), 'wf-crash');
  expect(mails.map((m) => m.to[0]).sort()).toEqual(['user0', 'user1', 'user2', 'user3', 'user4', 'user5'].map((u) => `${u}@example.com`));
  expect(duplicates(mails)).toEqual([]);
});

test('with a delivery probe, the crash is resolved exactly: every mail once, all rows sent', async () => {
  await enqueue(db, assigned('wf-crash-probe', 5));
  const child = await runCrashChild('wf-crash-probe', 2);
  expect(child.signal).toBe('SIGKILL');
  const result = await deliver(db, mailer, { workflowId: 'wf-crash-probe', staleAfterMs: 0, confirm: mailboxProbe(smtp.dir) });
  expect(result).toMatchObject({ sent: 4, unknown: 0, inFlight: 0 }); // 1 confirmed + 3 sent now
  const mails = inWorkflow(await mailbox(), 'wf-crash-probe');
  expect(mails).toHaveLength(5);
  expect(duplicates(mails)).toEqual([]);
  expect((await summarize(db, 'wf-crash-probe')).byStatus).toMatchObject({ sent: 5, unknown: 0, sending: 0 });
});

test('a probe that says "not delivered" gets the row sent (once)', async () => {
  await enqueue(db, assigned('wf-probe-false', 1));
  // Simulate a deliverer that died after claiming, before anything reached the server.
  await db('outbox').where({ workflow_id: 'wf-probe-false' }).update({ status: 'sending', attempts: 1, claimed_at: new Date(Date.now() - 3_600_000).toISOString(), message_id: '<never-sent@zcc-sync>' });
  expect(await deliver(db, mailer, { workflowId: 'wf-probe-false', confirm: mailboxProbe(smtp.dir) })).toMatchObject({ sent: 1, unknown: 0 });
  expect(inWorkflow(await mailbox(), 'wf-probe-false')).toHaveLength(1);
  expect((await rows('wf-probe-false'))[0]).toMatchObject({ status: 'sent', attempts: 2 });
});

test('email.enabled false: nothing is sent, rows are marked skipped', async () => {
  await enqueue(db, assigned('wf-disabled', 3));
  const before = (await mailbox()).length;
  const disabled = newMailer({ enabled: false });
  expect(await deliver(db, disabled, { workflowId: 'wf-disabled' })).toMatchObject({ sent: 0, skipped: 3 });
  expect((await rows('wf-disabled')).map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
  // Re-enabling later does not flood users with stale notifications.
  expect(await deliver(db, mailer, { workflowId: 'wf-disabled' })).toMatchObject({ sent: 0 });
  expect((await mailbox()).length).toBe(before);
  await expect(disabled.send({ to: 'x@example.com', subject: 's', text: 't', html: 'h', messageId: '<x@zcc-sync>' })).rejects.toBeInstanceOf(MailSendError);
});

test('enqueued while email.enabled is false: rows go in skipped, and a later delivery with email on sends none', async () => {
  expect(await enqueue(db, assigned('wf-off', 2), { enabled: false })).toEqual({ inserted: 2, duplicates: 0, suppressed: 0 });
  expect(await rows('wf-off')).toEqual([
    expect.objectContaining({ status: 'skipped', error: 'email disabled (email.enabled: false)' }),
    expect.objectContaining({ status: 'skipped', error: 'email disabled (email.enabled: false)' }),
  ]);
  // Enqueued again (a retried activity): still two rows, still skipped.
  expect(await enqueue(db, assigned('wf-off', 2), { enabled: false })).toEqual({ inserted: 0, duplicates: 2, suppressed: 0 });
  const before = (await mailbox()).length;
  expect(await deliver(db, mailer, { workflowId: 'wf-off' })).toMatchObject({ sent: 0, skipped: 0 });
  expect((await mailbox()).length).toBe(before);
});

test('notifyUsers false: user mails are not enqueued, admin mails still are and get sent', async () => {
  const email = emailConfig({ notifyUsers: false });
  const report = runReport({ kind: 'assign', workflowId: 'wf-admins', status: 'completed', counts: { create: { done: 2 } }, failures: [] });
  const items = [...assigned('wf-admins', 2), ...adminMails(email, 'wf-admins', 'runReport', report)];
  expect(await enqueue(db, items, email)).toEqual({ inserted: 2, duplicates: 0, suppressed: 2 });
  expect(await deliver(db, mailer, { workflowId: 'wf-admins' })).toMatchObject({ sent: 2 });
  const mails = inWorkflow(await mailbox(), 'wf-admins');
  expect(mails.map((m) => m.to[0]).sort()).toEqual(['admin1@example.com', 'admin2@example.com']);
  expect(mails[0].subject).toBe('[zcc-sync] assign completed: 2 done, 0 already so, 0 failed');
});

test('relay down: the pass stops at the first failure, rows stay pending and are sent once it is back', async () => {
  const closed = await startSmtpServer({ dir: path.join(dir, 'closed') });
  const port = closed.port;
  await closed.stop();
  const down = newMailer({ port });
  await enqueue(db, assigned('wf-down', 5));
  const result = await deliver(db, down, { workflowId: 'wf-down', concurrency: 1, maxAttempts: 1 });
  expect(result).toMatchObject({ sent: 0, retry: 1, failed: 0, unknown: 0 });
  expect(result.relayError).toMatch(/ECONNREFUSED|connect/i);
  // Only one row was tried; a relay problem never fails a row, whatever maxAttempts says.
  expect((await rows('wf-down')).map((r) => [r.status, r.attempts])).toEqual([['pending', 1], ['pending', 0], ['pending', 0], ['pending', 0], ['pending', 0]]);
  expect(await deliver(db, down, { workflowId: 'wf-down', concurrency: 1, maxAttempts: 1 })).toMatchObject({ failed: 0, retry: 1 });

  // The relay is back: every row sent once.
  expect(await deliver(db, mailer, { workflowId: 'wf-down' })).toMatchObject({ sent: 5 });
  const mails = inWorkflow(await mailbox(), 'wf-down');
  expect(mails).toHaveLength(5);
  expect(duplicates(mails)).toEqual([]);
});

test('a message refused for now (4xx) is retried, up to maxAttempts; a 5xx fails at once', async () => {
  const busy: Mailer = { ...mailer, send: async () => Promise.reject(new MailSendError('451 try again later', 'not_delivered', false, 'EMESSAGE', 451)) };
  await enqueue(db, assigned('wf-busy', 2));
  expect(await deliver(db, busy, { workflowId: 'wf-busy', maxAttempts: 2 })).toMatchObject({ retry: 2, failed: 0 });
  expect((await rows('wf-busy')).map((r) => [r.status, r.attempts])).toEqual([['pending', 1], ['pending', 1]]);
  expect(await deliver(db, busy, { workflowId: 'wf-busy', maxAttempts: 2 })).toMatchObject({ retry: 0, failed: 2 });
  expect((await rows('wf-busy')).map((r) => r.status)).toEqual(['failed', 'failed']);
  expect((await rows('wf-busy'))[0].error).toBe('451 try again later (gave up after 2 attempts)');

  const refusing: Mailer = { ...mailer, send: async () => Promise.reject(new MailSendError('550 no such user', 'not_delivered', true, 'EENVELOPE', 550)) };
  await enqueue(db, assigned('wf-refused', 1));
  expect(await deliver(db, refusing, { workflowId: 'wf-refused' })).toMatchObject({ failed: 1 });
  const summary = await summarize(db, 'wf-refused');
  expect(summary.problems).toEqual([expect.objectContaining({ status: 'failed', error: '550 no such user' })]);
});

test('deliver without a workflow id sends every pending row; limit bounds one call', async () => {
  await enqueue(db, [...assigned('wf-all-a', 3), ...assigned('wf-all-b', 3)]);
  const pendingBefore = Number((await db('outbox').where({ status: 'pending' }).count<{ n: number }[]>({ n: '*' }))[0].n);
  expect(pendingBefore).toBe(6);
  expect(await deliver(db, mailer, { limit: 4 })).toMatchObject({ sent: 4 });
  expect(await deliver(db, mailer)).toMatchObject({ sent: 2 });
  expect(inWorkflow(await mailbox(), 'wf-all-a')).toHaveLength(3);
  expect(inWorkflow(await mailbox(), 'wf-all-b')).toHaveLength(3);
});

test('waitForMails sees the messages of a delivery', async () => {
  await enqueue(db, assigned('wf-wait', 2));
  const delivering = deliver(db, mailer, { workflowId: 'wf-wait' });
  const mails = await waitForMails(smtp.dir, (m) => m.headers['x-zcc-sync-workflow'] === 'wf-wait', 2, 10_000);
  expect(mails).toHaveLength(2);
  await delivering;
});
