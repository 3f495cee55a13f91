/**
 * `zcc-sync status [--json]` (issue 13 item 4) on the real stack: exit 0 when all is well; 1 with
 * a held run waiting (and it says so, with how to approve), 0 again once it is approved and
 * completes; a paused schedule, an unreachable Temporal and a failed last reconcile each make it
 * 1 and are named. The compiled CLI against the test Temporal, slapd, the ZCC emulator and a
 * worker in this process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { removeGroupMember } from './support/ldap-admin';
import { ensureBuilt, ROOT, runCli } from './support/cli';
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import type { DirectorySpec } from '../devstack/ldif';
import { attentionOf, humanAge, type RunsStatus, type ScheduleStatus, type TemporalStatus } from '../src/runs/status';

jest.setTimeout(300_000);

const uid = (i: number) => `s${String(i).padStart(3, '0')}`;
const mail = (i: number) => `${uid(i)}@example.com`;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const directory: DirectorySpec = { users: range(1, 6).map((i) => ({ uid: uid(i) })), groups: [{ cn: 'cc-agents', members: range(1, 6).map(uid) }] };

describe('attention (no stack)', () => {
  const temporal: TemporalStatus = { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'tq', reachable: true, error: null, serverVersion: '1.29.0', workerPollers: 1 };
  const staleness = { lastSuccessAt: null, lastSuccessRunId: null, ageMs: null, staleAfterMs: 3 * 3_600_000, stale: false };
  const none = { reconcile: null, delta: null, sync: null, plan: null, assign: null, edit: null, remove: null };
  const runs = (over: Partial<RunsStatus> = {}): RunsStatus => ({ lastRuns: none, held: [], lastFinishedReconcile: null, lastReconcileFailures: null, staleness, ...over });
  const schedule = (over: Partial<ScheduleStatus> = {}): ScheduleStatus => ({ id: 'tq-reconcile', exists: true, expected: false, paused: false, every: ['900000'], cron: [], nextRunAt: null, ...over });
  const brief = (status: string, error: string | null = null) => ({ runId: 'rec-1', workflowId: 'w', kind: 'reconcile', status, trigger: 'schedule', startedAt: '', finishedAt: '', durationMs: 1, failures: 0, error });

  it('all well: nothing', () => {
    expect(attentionOf({ runs: runs(), storeError: null, temporal, schedule: schedule() })).toEqual([]);
    // No schedule and none configured: reconciles are started by hand, which is a choice.
    expect(attentionOf({ runs: runs(), storeError: null, temporal, schedule: schedule({ exists: false }) })).toEqual([]);
    // Rejected or cancelled: someone decided; skipped: another run was busy.
    for (const st of ['rejected', 'cancelled', 'completed']) expect(attentionOf({ runs: runs({ lastFinishedReconcile: brief(st) }), storeError: null, temporal, schedule: schedule() })).toEqual([]);
  });

  it('the delta schedule: missing while configured, or paused, is a finding; absent and not configured is a choice', () => {
    const delta = (over: Partial<ScheduleStatus>) => ({ ...schedule(), id: 'tq-reconcile-delta', ...over });
    expect(attentionOf({ runs: runs(), storeError: null, temporal, schedule: schedule(), deltaSchedule: delta({ exists: false }) })).toEqual([]);
    expect(attentionOf({ runs: runs(), storeError: null, temporal, schedule: schedule(), deltaSchedule: delta({ exists: false, expected: true }) })).toEqual([
      'the delta schedule tq-reconcile-delta does not exist although the config sets schedule.delta.every: directory changes wait for the next full reconcile (fix: zcc-sync schedule set)',
    ]);
    expect(attentionOf({ runs: runs(), storeError: null, temporal, schedule: schedule(), deltaSchedule: delta({ paused: true }) })).toEqual([
      'the delta schedule tq-reconcile-delta is paused: directory changes wait for the next full reconcile (fix: zcc-sync schedule resume)',
    ]);
  });

  it('names each problem with what to do', () => {
    const found = attentionOf({
      runs: runs({
        held: [{ runId: 'rec-h', workflowId: 'w', heldSince: '', ageMs: 3_720_000, reasons: [] }],
        lastFinishedReconcile: brief('failed', 'directory unreachable'),
        staleness: { ...staleness, lastSuccessAt: 'x', ageMs: 4 * 3_600_000, stale: true },
      }),
      storeError: null,
      temporal: { ...temporal, workerPollers: 0 },
      schedule: schedule({ paused: true }),
    });
    expect(found).toEqual([
      'no worker polls task queue tq (fix: start `zcc-sync worker`)',
      'run rec-h is held for approval since 1 h 2 min (approve: zcc-sync runs approve rec-h; reject: zcc-sync runs reject rec-h)',
      'the last reconcile rec-1 failed: directory unreachable (details: zcc-sync runs show rec-1)',
      'stale: no reconcile completed within 3 h — the last one completed 4 h ago',
      'the schedule tq-reconcile is paused: no reconcile runs on its own (fix: zcc-sync schedule resume)',
    ]);
    expect(attentionOf({ runs: runs({ lastFinishedReconcile: brief('expired') }), storeError: null, temporal, schedule: schedule({ exists: false, expected: true }) })).toEqual([
      'the last reconcile rec-1 expired: nobody approved or rejected it in time (details: zcc-sync runs show rec-1)',
      'the schedule tq-reconcile does not exist although the config sets one: no reconcile runs on its own (fix: zcc-sync schedule set)',
    ]);
    expect(attentionOf({ runs: null, storeError: 'SQLITE_CANTOPEN', temporal: { ...temporal, reachable: false, error: 'connection refused', workerPollers: null }, schedule: null })).toEqual([
      'the store cannot be read: SQLITE_CANTOPEN (fix: check store.connection)',
      'Temporal is unreachable at 127.0.0.1:7233: connection refused (no run can start or finish; fix: start it, or correct temporal.address)',
    ]);
  });

  it('ages for people', () => {
    expect([humanAge(4_000), humanAge(59_000), humanAge(61_000), humanAge(3_600_000), humanAge(3_660_000), humanAge(49 * 3_600_000), humanAge(72 * 3_600_000)])
      .toEqual(['4 s', '59 s', '1 min', '1 h', '1 h 1 min', '2 d 1 h', '3 d']);
  });
});

describe('end to end', () => {
  let env: SyncEnv;
  const ldap = () => ({ url: env.ldap!.url, adminDN: env.ldap!.adminDN, adminPassword: env.ldap!.adminPassword });

  interface StatusJson {
    ok: boolean;
    attention: string[];
    versions: { zccSync: string; temporalServer: string | null };
    temporal: { reachable: boolean; workerPollers: number | null; address: string; error: string | null };
    schedule: { exists: boolean; paused: boolean; every: string[]; nextRunAt: string | null } | null;
    staleness: { lastSuccessRunId: string | null; stale: boolean; lastSuccessAt: string | null } | null;
    lastRuns: Record<string, { runId: string; status: string; trigger: string; failures: number | null; durationMs: number; startedAt: string } | null>;
    held: Array<{ runId: string; ageMs: number; reasons: string[]; heldSince: string }>;
    lastReconcile: { runId: string; status: string } | null;
    lastReconcileFailures: { total: number; shown: unknown[] } | null;
  }

  async function status(configFile?: string): Promise<{ code: number | null; json: StatusJson; text: string }> {
    const extra = configFile ? ['--config', configFile] : [];
    const j = configFile ? await runCli(['status', '--json', ...extra], { timeoutMs: 60_000 }) : await env.cli(['status', '--json']);
    const t = configFile ? await runCli(['status', ...extra], { timeoutMs: 60_000 }) : await env.cli(['status']);
    let json: StatusJson;
    try {
      json = JSON.parse(j.stdout) as StatusJson;
    } catch {
      throw new Error(`status --json printed no JSON (exit ${j.code}): ${j.stdout}\n${j.stderr}`);
    }
    expect(t.code).toBe(j.code); // the screen and the JSON agree on the verdict
    return { code: j.code, json, text: t.stdout };
  }

  async function apply(as: string) {
    const r = await env.cli(['apply', '--yes', '--json', '--as', as]);
    return { code: r.code, json: JSON.parse(r.stdout || '{}') as { runId: string; status: string }, stderr: r.stderr };
  }

  async function waitForStatus(runId: string, want: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await env.db('runs').where({ id: runId }).first();
      if (row?.status === want) return;
      if (Date.now() > deadline) throw new Error(`run ${runId} is ${row?.status}, expected ${want}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    await ensureBuilt();
    env = await startSyncEnv({
      directory,
      seed: { accountUsers: range(1, 6).map((i) => ({ email: mail(i), name: uid(i) })), roles: [{ name: 'Agent' }], queues: [{ name: 'Support' }], ccUsers: [] },
      config: {
        mappings: [{ group: 'cn=cc-agents,ou=groups,dc=example,dc=com', role: 'Agent', package: 'essentials', queues: ['Support'] }],
        // Any leaver holds the run: one removal from the group is enough to wait for approval.
        policy: { leaver: 'deactivate', guards: { maxRemovals: 0, maxRemovalPercent: 100, minDirectoryUsers: 1, maxShrinkPercent: 100 } },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  });

  const pkgVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  test('a fresh deployment with a worker and no runs is all well: exit 0', async () => {
    const s = await status();
    expect({ code: s.code, ok: s.json.ok, attention: s.json.attention }).toEqual({ code: 0, ok: true, attention: [] });
    expect(s.json.versions.zccSync).toBe(pkgVersion);
    expect(s.json.versions.temporalServer).toMatch(/^\d+\.\d+/);
    expect(s.json.temporal).toMatchObject({ reachable: true, error: null });
    expect(s.json.temporal.workerPollers).toBeGreaterThanOrEqual(1);
    expect(s.json.schedule).toMatchObject({ exists: false, paused: false });
    expect(s.json.lastRuns).toEqual({ reconcile: null, delta: null, sync: null, plan: null, assign: null, edit: null, remove: null });
    expect(s.json.staleness).toMatchObject({ stale: false, lastSuccessAt: null });
    expect(s.text).toContain(`zcc-sync ${pkgVersion}`);
    expect(s.text).toContain('OK: nothing needs attention.');
  });

  test('exit 1 with a held run waiting, and it says which and how to decide; 0 once approved and completed', async () => {
    const first = await apply('alice');
    expect(first.json.status).toBe('completed');
    const ok = await status();
    expect(ok.code).toBe(0);
    expect(ok.json.lastRuns.reconcile).toMatchObject({ runId: first.json.runId, status: 'completed', trigger: 'cli:alice', failures: 0 });
    expect(ok.json.lastRuns.reconcile!.durationMs).toBeGreaterThan(0);
    expect(ok.json.staleness).toMatchObject({ stale: false, lastSuccessRunId: first.json.runId });

    await removeGroupMember(ldap(), 'cc-agents', uid(6));
    const held = await apply('erin');
    expect({ code: held.code, status: held.json.status }).toEqual({ code: 3, status: 'held' });

    const waiting = await status();
    expect(waiting.code).toBe(1);
    expect(waiting.json.ok).toBe(false);
    expect(waiting.json.held).toEqual([expect.objectContaining({ runId: held.json.runId, reasons: [expect.stringMatching(/limit 0 \(policy\.guards\.maxRemovals\)/)] })]);
    expect(waiting.json.held[0].ageMs).toBeGreaterThanOrEqual(0);
    expect(waiting.json.held[0].ageMs).toBeLessThan(120_000);
    expect(waiting.json.attention).toEqual([expect.stringMatching(new RegExp(`run ${held.json.runId} is held for approval since \\d+ (s|min).*zcc-sync runs approve ${held.json.runId}`))]);
    expect(waiting.json.lastRuns.reconcile).toMatchObject({ runId: held.json.runId, status: 'held', failures: null });
    expect(waiting.text).toMatch(/ATTENTION \(1\):/);
    expect(waiting.text).toContain(`approve: zcc-sync runs approve ${held.json.runId}`);
    expect(waiting.text).toMatch(new RegExp(`Held for approval \\(1\\):\\n  ${held.json.runId} held \\d+ (s|min)`));

    expect((await env.cli(['runs', 'approve', held.json.runId, '--as', 'dave'])).code).toBe(0);
    await waitForStatus(held.json.runId, 'completed');
    const after = await status();
    expect({ code: after.code, attention: after.json.attention, held: after.json.held }).toEqual({ code: 0, attention: [], held: [] });
    expect(after.json.lastRuns.reconcile).toMatchObject({ runId: held.json.runId, status: 'completed', trigger: 'cli:erin', failures: 0 });
    expect(after.json.lastReconcile).toMatchObject({ runId: held.json.runId, status: 'completed' });
    expect(after.json.staleness).toMatchObject({ stale: false, lastSuccessRunId: held.json.runId });
    expect(after.text).toContain('OK: nothing needs attention.');
  });

  test('the schedule: next run and interval shown; paused is a finding', async () => {
    // Every day at 00:00 UTC: the test never sees it fire.
    expect((await env.cli(['schedule', 'set', '--every', '1d'])).code).toBe(0);
    try {
      const active = await status();
      expect(active.code).toBe(0);
      expect(active.json.schedule).toMatchObject({ exists: true, paused: false });
      expect(active.json.schedule!.every).toEqual(['1d']);
      expect(Date.parse(active.json.schedule!.nextRunAt!)).toBeGreaterThan(Date.now());
      expect(active.text).toMatch(/Schedule: +\S+ active, every 1d; next run \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in /);

      expect((await env.cli(['schedule', 'pause'])).code).toBe(0);
      const paused = await status();
      expect(paused.code).toBe(1);
      expect(paused.json.attention).toEqual([expect.stringMatching(/schedule \S+ is paused: no reconcile runs on its own \(fix: zcc-sync schedule resume\)/)]);
      expect(paused.text).toMatch(/Schedule: +\S+ PAUSED/);
    } finally {
      await env.cli(['schedule', 'delete']);
    }
  });

  test('Temporal unreachable: exit 1, named, and the runs are still shown from the store', async () => {
    const cfg = parse(fs.readFileSync(env.configFile, 'utf8')) as { temporal: Record<string, unknown> };
    cfg.temporal.address = '127.0.0.1:1';
    const file = path.join(env.dir, 'unreachable.yaml');
    fs.writeFileSync(file, stringify(cfg));
    const s = await status(file);
    expect(s.code).toBe(1);
    expect(s.json.temporal).toMatchObject({ reachable: false, address: '127.0.0.1:1' });
    expect(s.json.versions.temporalServer).toBeNull();
    expect(s.json.schedule).toBeNull();
    expect(s.json.attention).toEqual([expect.stringMatching(/^Temporal is unreachable at 127\.0\.0\.1:1: /)]);
    expect(s.json.lastRuns.reconcile).toMatchObject({ status: 'completed' });
    expect(s.text).toMatch(/UNREACHABLE/);
  });

  test('the last reconcile failed (directory down): exit 1, named with where to look', async () => {
    await env.ldap!.stop();
    const failed = await apply('frank');
    expect(failed.json.status).toBe('failed');
    const s = await status();
    expect(s.code).toBe(1);
    expect(s.json.lastReconcile).toMatchObject({ runId: failed.json.runId, status: 'failed' });
    expect(s.json.attention).toEqual([expect.stringMatching(new RegExp(`the last reconcile ${failed.json.runId} failed: .*\\(details: zcc-sync runs show ${failed.json.runId}\\)`))]);
    // Staleness counts from the last success, which is recent: not stale.
    expect(s.json.staleness).toMatchObject({ stale: false });
  });
});
