/**
 * The staleness alarm (issue 13): reconciles scheduled every 30 s, `alerts.staleAfter: 90s`. A
 * directory that fails (a mapped group deleted) makes every run fail: once no reconcile has
 * completed for 90 s the admins get exactly one email, however many checks and failed runs
 * follow; once the group is back and a scheduled run completes, exactly one "recovered" email.
 * The worker checks every second here (30 s in production), so the test waits only for the
 * 90 s of silence and the next scheduled run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { runWorker } from '../worker/main';
import { RECOVERED_EVENT, STALE_EVENT, alarmId, checkStaleness, type StalenessAlarmDeps } from '../worker/staleness-alarm';
import { parseConfigText } from '../src/config/load';
import { createLogger } from '../src/log/logger';
import type { Mailer, OutgoingMail } from '../src/mail/mailer';
import { closeStore, openStore } from '../src/store/db';
import { addGroup, deleteGroup } from './support/ldap-admin';
import { testStack } from './support/stack';
import { mailsOfRun, startSyncEnv, type SyncEnv } from './support/sync-env';
import { until } from './support/worker-process';

const users = ['ann', 'bob', 'cat', 'dan', 'eve'];
const group = { cn: 'cc-agents', members: users };
const directory: DirectorySpec = { users: users.map((uid) => ({ uid, displayName: uid.toUpperCase() })), groups: [group] };
const seed: Seed = {
  accountUsers: users.map((u) => ({ email: `${u}@example.com`, name: u.toUpperCase() })),
  roles: [{ name: 'Agent' }],
  queues: [{ name: 'Support' }],
  licenses: { essentials: 100 },
};

describe('end to end: a real schedule, worker and directory', () => {
  let env: SyncEnv;
  const abort = new AbortController();
  let worker: Promise<void> | undefined;
  const ldap = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });
  const byEvent = async (workflowId: string, event: string) => (await mailsOfRun(workflowId)).filter((m) => m.headers['x-zcc-sync-event'] === event);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    env = await startSyncEnv({
      directory,
      seed,
      noWorker: true,
      config: {
        mappings: [{ group: 'cn=cc-agents,ou=groups,dc=example,dc=com', role: 'Agent', package: 'essentials', queues: ['Support'] }],
        schedule: { every: '30s' },
        alerts: { staleAfter: '90s' },
      },
    });
    worker = runWorker({
      config: env.config,
      workflowBundlePath: testStack().workflowBundlePath,
      signal: abort.signal,
      handleSignals: false,
      logger: createLogger({ level: 'error', env: {} }),
      stalenessCheckMs: 1000,
    });
  }, 120_000);

  afterAll(async () => {
    await env?.cli(['schedule', 'delete']).catch(() => undefined);
    abort.abort();
    await worker?.catch(() => undefined);
    await env?.stop();
  }, 60_000);

  test('a failing directory: one staleness email after 90 s without a completed reconcile; one "recovered" email when runs complete again', async () => {
    const first = JSON.parse((await env.cli(['apply', '--yes', '--json'])).stdout) as { runId: string; status: string };
    expect(first.status).toBe('completed');
    const alarm = alarmId(first.runId);
    const succeededAt = Date.parse((await env.db('runs').where({ id: first.runId }).first()).finished_at);

    await deleteGroup(ldap(), group.cn);
    expect((await env.cli(['schedule', 'set', '--every', '30s'])).code).toBe(0);
    await until('a scheduled reconcile to fail', async () => (await env.db('runs').where({ kind: 'reconcile', trigger: 'schedule', status: 'failed' }).first()) !== undefined, 75_000, 500);

    await until('the staleness email', async () => (await byEvent(alarm, STALE_EVENT)).length > 0, 150_000, 500);
    await sleep(5_000); // five more checks, and maybe another failed run: still one email
    const stale = await byEvent(alarm, STALE_EVENT);
    expect(Date.parse(stale[0].receivedAt) - succeededAt).toBeGreaterThan(90_000);
    expect(stale.map((m) => m.to)).toEqual([['it-admin@example.com']]);
    expect(stale[0].subject).toMatch(/^\[zcc-sync\] No reconcile completed for \d+/);
    expect(stale[0].text).toContain(first.runId);
    expect(await byEvent(alarm, RECOVERED_EVENT)).toEqual([]);

    await addGroup(ldap(), group);
    await until('the "recovered" email', async () => (await byEvent(alarm, RECOVERED_EVENT)).length > 0, 120_000, 500);
    await sleep(5_000);
    const recovered = await byEvent(alarm, RECOVERED_EVENT);
    expect(recovered.map((m) => m.to)).toEqual([['it-admin@example.com']]);
    expect(recovered[0].subject).toMatch(/^\[zcc-sync\] Reconciling works again: /);
    const last = await env.db('runs').where({ kind: 'reconcile', status: 'completed' }).orderBy('finished_at', 'desc').first();
    expect(last.id).not.toBe(first.runId);
    expect(recovered[0].text).toContain(last.id);
    expect(await byEvent(alarm, STALE_EVENT)).toHaveLength(1);
    // No alarm was raised for the new success: it is fresh.
    expect(await byEvent(alarmId(last.id), STALE_EVENT)).toEqual([]);
  }, 330_000);
});

describe('the alarm on its own store: once per silence, across checks, restarts and two workers', () => {
  let dir: string;
  let deps: StalenessAlarmDeps;
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = {
    enabled: true, from: 'zcc-sync@example.com', maxConnections: 2,
    send: async (m) => {
      sent.push(m);
      return { messageId: m.messageId, response: '250 OK' };
    },
    verify: async () => undefined,
    close: () => undefined,
  };
  const at = (minutes: number) => new Date(T0 + minutes * 60_000);
  const T0 = Date.parse('2026-01-05T09:00:00Z');
  const completed = (id: string, minutes: number) =>
    deps.db('runs').insert({ id, workflow_id: `wf-${id}`, temporal_run_id: null, kind: 'reconcile', trigger: 'schedule', status: 'completed', created_at: at(minutes - 1).toISOString(), updated_at: at(minutes).toISOString(), finished_at: at(minutes).toISOString() });
  const events = () => sent.map((m) => `${m.headers?.['X-ZCC-Sync-Event']} ${m.headers?.['X-ZCC-Sync-Workflow']} ${m.to}`);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-stale-'));
    const config = parseConfigText(`stateDir: ${dir}\nalerts:\n  staleAfter: 90s\nemail:\n  from: zcc-sync@example.com\n  admins: [a@example.com, b@example.com]\n`, { env: {} });
    deps = { db: await openStore(config), config, mailer, logger: createLogger({ level: 'silent', env: {} }) };
  });
  afterAll(async () => {
    await closeStore(deps?.db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('no reconcile ever: nothing to say', async () => {
    expect(await checkStaleness(deps, at(0))).toBe('ok');
    expect(sent).toEqual([]);
  });

  test('stale: one email per admin, whatever the number of checks and workers', async () => {
    await completed('r1', 0);
    expect(await checkStaleness(deps, at(1))).toBe('ok');
    const twoWorkers = await Promise.all([checkStaleness(deps, at(2)), checkStaleness({ ...deps }, at(2))]);
    expect(twoWorkers).toEqual(['stale', 'stale']);
    for (const m of [3, 10, 60]) expect(await checkStaleness(deps, at(m))).toBe('stale');
    expect(events().sort()).toEqual([`${STALE_EVENT} ${alarmId('r1')} a@example.com`, `${STALE_EVENT} ${alarmId('r1')} b@example.com`]);
    expect(sent[0].subject).toBe('[zcc-sync] No reconcile completed for 2 min');
  });

  test('a reconcile completes: one "recovered" per admin, once', async () => {
    await completed('r2', 61);
    expect(await Promise.all([checkStaleness(deps, at(61.5)), checkStaleness({ ...deps }, at(61.5))])).toContain('recovered');
    expect(await checkStaleness(deps, at(62))).toBe('ok');
    await completed('r3', 62);
    expect(await checkStaleness(deps, at(62.5))).toBe('ok');
    expect(events().filter((e) => e.startsWith(RECOVERED_EVENT)).sort()).toEqual([`${RECOVERED_EVENT} ${alarmId('r1')} a@example.com`, `${RECOVERED_EVENT} ${alarmId('r1')} b@example.com`]);
    expect(sent.at(-1)?.text).toContain('r2');
    expect(sent).toHaveLength(4);
  });

  test('silent again: a new alarm (keyed by the new last success), and its own recovery', async () => {
    expect(await checkStaleness(deps, at(65))).toBe('stale');
    expect(await checkStaleness(deps, at(66))).toBe('stale');
    await completed('r4', 67);
    expect(await checkStaleness(deps, at(67.5))).toBe('recovered');
    expect(await checkStaleness(deps, at(68))).toBe('ok');
    expect(events().slice(4).sort()).toEqual([
      `${RECOVERED_EVENT} ${alarmId('r3')} a@example.com`, `${RECOVERED_EVENT} ${alarmId('r3')} b@example.com`,
      `${STALE_EVENT} ${alarmId('r3')} a@example.com`, `${STALE_EVENT} ${alarmId('r3')} b@example.com`,
    ]);
  });
});
