/**
 * Emails of an admin job are sent at most once per user even when the worker process is killed
 * (SIGKILL) in the middle of delivering them: a new worker sends the rest and no user gets two.
 *
 * The worker runs as a real process (`zcc-sync worker`). Mail goes through a slow TCP proxy in
 * front of the SMTP capture server, so delivery of 250 mails takes long enough to be interrupted.
 */
import * as net from 'net';
import { Client, Connection } from '@temporalio/client';
import { ensureBuilt, runCli } from './support/cli';
import { killWorkerProcesses, startWorkerProcess, until } from './support/worker-process';
import { testStack } from './support/stack';
import type { JobResult } from '../src/admin/types';
import { DOMAIN, emailOf, mailsOf, startUsersEnv, writeCsv, type UsersTestEnv } from './users-harness';

const N = 250;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);

let env: UsersTestEnv;
let proxy: net.Server;
const sockets = new Set<net.Socket>();

/** A TCP proxy that delays every chunk the SMTP client sends by `delayMs`. */
function slowProxy(targetPort: number, delayMs: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.pipe(client);
    client.on('data', (chunk) => {
      client.pause();
      setTimeout(() => {
        if (!upstream.destroyed) upstream.write(chunk);
        client.resume();
      }, delayMs);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  await ensureBuilt();
  proxy = await slowProxy(testStack().smtpPort, 40);
  const port = (proxy.address() as net.AddressInfo).port;
  env = await startUsersEnv(
    { accountUsers: range(1, N).map((i) => ({ email: emailOf(i) })), roles: [{ name: 'Agent' }], queues: [{ name: 'Support' }] },
    { noWorker: true, smtpPort: port },
  );
}, 120_000);

afterAll(async () => {
  killWorkerProcesses();
  await env?.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy?.close(r));
});

test('a worker killed while sending a job\'s emails is replaced and no user gets two', async () => {
  const first = startWorkerProcess(env.configFile, env.dir, '1');
  const csv = writeCsv(env.dir, 'kill.csv', ['email', ...range(1, N).map(emailOf)]);
  const started = await runCli(['users', 'assign', '--file', csv, '--role', 'Agent', '--queue', 'Support', '--yes', '--no-wait', '--json', '--config', env.configFile]);
  expect(started.stderr).toBe('');
  const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

  // Kill -9 once some of the users' emails arrived, but far from all.
  const userMails = async () => (await mailsOf(workflowId)).filter((m) => !m.to.includes(`admin@${DOMAIN}`));
  await until('the first emails', async () => (await userMails()).length >= 30, 180_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const atKill = (await userMails()).length;
  expect(atKill).toBeLessThan(N);

  startWorkerProcess(env.configFile, env.dir, '2');
  const connection = await Connection.connect({ address: testStack().temporalAddress });
  try {
    const client = new Client({ connection, namespace: testStack().namespace });
    const result = (await client.workflow.getHandle(workflowId).result()) as JobResult;
    expect(result).toMatchObject({ status: 'completed', counts: { done: N, already: 0, not_zoom_user: 0, failed: 0 } });
  } finally {
    await connection.close();
  }

  const mails = await userMails();
  const perUser = new Map<string, number>();
  for (const m of mails) for (const to of m.to) perUser.set(to, (perUser.get(to) ?? 0) + 1);
  // No duplicates: nobody got two.
  expect([...perUser.entries()].filter(([, n]) => n > 1)).toEqual([]);
  // The new worker sent the rest. The only users without a mail are those whose send was cut by
  // the kill (outbox row left `sending`: delivery unknown, never resent blindly), at most the
  // mailer's 4 connections.
  expect(mails.length).toBeGreaterThan(atKill);
  const missing = range(1, N).map(emailOf).filter((e) => !perUser.has(e));
  const rows = await env.db('outbox').where({ workflow_id: workflowId, event: 'licenseAssigned' }).select('recipient', 'status');
  expect(rows).toHaveLength(N);
  const unsettled = rows.filter((r: { status: string }) => r.status !== 'sent').map((r: { recipient: string }) => r.recipient).sort();
  expect(missing.every((e) => unsettled.includes(e))).toBe(true);
  expect(unsettled.length).toBeLessThanOrEqual(4);
  console.log(`emails: ${atKill} before the kill, ${mails.length} in all, ${missing.length} cut by the kill (not resent), 0 duplicates`);
}, 480_000);
