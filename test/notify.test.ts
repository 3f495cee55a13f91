/**
 * The users' emails of a run (activities/notify.ts) against a real store: a chunk queues the
 * email of each of its users whose ops in the run are all settled, never of one with an op still
 * pending; the end of the run queues only the users no chunk settled, each once.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createNotifier, type Notifier } from '../src/mail/notifier';
import { configSchema } from '../src/config/schema';
import { createLogger } from '../src/log/logger';
import { createMailer, enqueue, adminMails, runHeld } from '../src/mail';
import { closeStore, openStore } from '../src/store/db';

const RUN = 'rec-notify1';
let dir: string;
let db: Knex;
let notify: Notifier;
const config = (stateDir: string) =>
  configSchema.parse({ stateDir, store: { connection: { filename: path.join(stateDir, 'store.sqlite') } }, email: { enabled: false, admins: ['it-admin@example.com'] } });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zcc-notify-'));
  const c = config(dir);
  db = await openStore(c);
  notify = createNotifier({ db, config: c, mailer: createMailer(c.email), logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await closeStore(db);
  await fs.rm(dir, { recursive: true, force: true });
});

let seq = 0;
const op = (email: string, kind: string, status: string, before: object | null, after: object | null) => ({
  run_id: RUN, seq: seq++, kind, chunk: 0, email, before: before && JSON.stringify(before), after: after && JSON.stringify(after), status, error: null, updated_at: null,
});
const userMails = () => db('outbox').where({ workflow_id: RUN }).whereNot({ event: 'runHeld' }).orderBy('recipient').select('recipient', 'event', 'text');

test('a chunk mails its settled users only; the end of the run mails the rest, once', async () => {
  await db('ops').insert([
    op('a@example.com', 'create', 'done', null, { role: 'Agent', package: 'premium', queues: ['Support'] }),
    op('a@example.com', 'queueAdd', 'done', null, { queue: 'Support' }),
    op('b@example.com', 'update', 'done', { role: 'Agent' }, { role: 'Supervisor' }),
    op('b@example.com', 'queueAdd', 'pending', null, { queue: 'Escalations' }),
    op('c@example.com', 'create', 'failed', null, { role: 'Agent', package: 'premium', queues: [] }),
    // An admin who is also a user: the admins' mail of the run must not count as theirs.
    op('it-admin@example.com', 'update', 'done', { role: 'Agent' }, { role: 'Admin' }),
  ]);
  await enqueue(db, adminMails({ admins: ['it-admin@example.com'] }, RUN, 'runHeld', runHeld({ kind: 'reconcile', workflowId: 'wf', reasons: ['x'] })));

  // The chunk that settled a, b and c: b still has a queue add pending, c's create failed.
  expect(await notify.usersSettled({ runId: RUN, emails: ['a@example.com', 'b@example.com', 'c@example.com'] })).toBe(1);
  expect(await userMails()).toEqual([expect.objectContaining({ recipient: 'a@example.com', event: 'licenseAssigned' })]);

  // b's queue add settles in a chunk that, say, crashed before mailing; the run ends.
  await db('ops').where({ run_id: RUN, email: 'b@example.com', kind: 'queueAdd' }).update({ status: 'done' });
  expect(await notify.userChanges({ runId: RUN })).toBe(2);
  const mails = await userMails();
  expect(mails.map((m: { recipient: string; event: string }) => [m.recipient, m.event])).toEqual([
    ['a@example.com', 'licenseAssigned'],
    ['b@example.com', 'userChanged'],
    ['it-admin@example.com', 'userChanged'],
  ]);
  // One email with everything that changed for b: the role and the queue.
  expect(mails[1].text).toContain('Supervisor');
  expect(mails[1].text).toContain('Added to queues: Escalations');

  // A retried end of run queues nothing more.
  expect(await notify.userChanges({ runId: RUN })).toBe(0);
  expect(await userMails()).toHaveLength(3);
});
