/**
 * Schedules (issue 4, acceptance 9): `schedule set --every 30s` runs reconciles on its own, and
 * `schedule pause` stops them. Real Temporal Schedule on the dev server.
 */
import { startSyncEnv, type SyncEnv } from './support/sync-env';
import { until } from './support/worker-process';

let env: SyncEnv;
const scheduledRuns = async () => env.db('runs').where({ kind: 'reconcile', trigger: 'schedule' }).orderBy('created_at');

beforeAll(async () => {
  env = await startSyncEnv({
    directory: { users: [{ uid: 's001' }, { uid: 's002' }], groups: [{ cn: 'cc-agents', members: ['s001', 's002'] }] },
    seed: { accountUsers: [{ email: 's001@example.com', name: 'S1' }, { email: 's002@example.com', name: 'S2' }], roles: [{ name: 'Agent' }], queues: [], ccUsers: [] },
    config: { mappings: [{ group: 'cn=cc-agents,ou=groups,dc=example,dc=com', role: 'Agent', package: 'essentials' }] },
  });
}, 120_000);

afterAll(async () => {
  await env?.cli(['schedule', 'delete']).catch(() => undefined);
  await env?.stop();
});

test('bad schedule input is refused with exit 2 before anything is created', async () => {
  const r = await env.cli(['schedule', 'set', '--every', '15x']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--every: got "15x"');
  const both = await env.cli(['schedule', 'set', '--every', '15m', '--cron', '* * * * *']);
  expect(both.code).toBe(2);
  const show = await env.cli(['schedule', 'show']);
  expect(show.code).toBe(1);
  expect(show.stderr).toContain('no schedule yet');
});

test('schedule set --every 30s runs reconciles on its own; pause stops them', async () => {
  const set = await env.cli(['schedule', 'set', '--every', '30s']);
  expect(set.code).toBe(0);
  await until('a scheduled reconcile', async () => (await scheduledRuns()).some((r) => r.status === 'completed'), 75_000);
  const state = await env.emu.state();
  expect(state.users.map((u) => u.email).sort()).toEqual(['s001@example.com', 's002@example.com']);

  const show = JSON.parse((await env.cli(['schedule', 'show', '--json'])).stdout);
  expect(show).toMatchObject({ paused: false, every: [expect.stringMatching(/30/)] });

  expect((await env.cli(['schedule', 'pause'])).code).toBe(0);
  expect(JSON.parse((await env.cli(['schedule', 'show', '--json'])).stdout).paused).toBe(true);
  await new Promise((r) => setTimeout(r, 2_000)); // let a run that had just started register
  const count = (await scheduledRuns()).length;
  await new Promise((r) => setTimeout(r, 35_000));
  expect((await scheduledRuns()).length).toBe(count);
}, 150_000);
