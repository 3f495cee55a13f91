/**
 * `zcc-sync demo` end to end, as the README's first quick-start command runs it: the embedded
 * stack starts, the plan is shown, the apply completes, emails arrive; then `dev down`.
 */
import { existsSync } from 'fs';
import { mkdtemp, rm } from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { ensureBuilt, runCli } from './support/cli';

let stateDir: string;
// The demo must not pick up the test run's Temporal: it starts its own, as on a fresh machine.
const env = { TEMPORAL_ADDRESS: undefined, ZCC_SYNC_CONFIG: undefined };

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'zcc-demo-'));
});

afterAll(async () => {
  if (stateDir && existsSync(path.join(stateDir, 'dev', 'stack.json'))) await runCli(['dev', 'down', '--state-dir', stateDir], { env });
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

test('zcc-sync demo starts the stack, plans, applies, shows the emails and leaves the stack running', async () => {
  const demo = await runCli(['demo', '--state-dir', stateDir], { env, timeoutMs: 300_000 });
  expect(demo.stderr).not.toMatch(/error/i);
  expect(demo.code).toBe(0);
  const out = demo.stdout;
  expect(out).toContain('Temporal UI');
  expect(out).toMatch(/Plan: 300 to create, 0 to update, \d+ queue adds/);
  expect(out).toMatch(/Run rec-\w+ completed/);
  expect(out).toMatch(/create: 297 done, 3 not zoom user/);
  expect(out).toMatch(/298 emails: 297 licenseAssigned, 1 runReport/);
  expect(out).toContain('dev down');

  // The stack is left running, with a worker: a second apply is a no-op.
  const status = await runCli(['dev', 'status', '--state-dir', stateDir], { env });
  expect(status.code).toBe(0);
  const again = await runCli(['apply', '--yes', '--json', '--config', path.join(stateDir, 'dev', 'zcc-sync.yaml')], { env });
  expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', summary: { create: 0, update: 0 } });

  const down = await runCli(['dev', 'down', '--state-dir', stateDir], { env });
  expect(down.code).toBe(0);
}, 360_000);
