/**
 * The prebuilt workflow bundle (worker/workflow-bundle.ts): `npm run build` writes it with the
 * hashes of the compiled files it was made from, and a worker uses it only while they match, so
 * a dist/ recompiled by tsc alone (as the tests' ensureBuilt does) never runs old workflow code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createLogger } from '../src/log/logger';
import { BUNDLE_FILE, INPUTS_FILE, findPrebuiltBundle, writeWorkflowBundle } from '../worker/workflow-bundle';
import { ensureBuilt, ROOT } from './support/cli';
import { TEST_STATE_ROOT } from './support/stack-state';

jest.setTimeout(120_000);

// Inside the repository, so webpack finds @temporalio/workflow in its node_modules.
const dir = path.join(TEST_STATE_ROOT, `bundle-${process.pid}`);

beforeAll(async () => {
  await ensureBuilt();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ['workflows', 'src']) fs.cpSync(path.join(ROOT, 'dist', sub), path.join(dir, sub), { recursive: true });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a bundle is used while the compiled code it was made from is unchanged, and not after', async () => {
  expect(findPrebuiltBundle(dir)).toBeNull(); // none built yet

  const built = await writeWorkflowBundle(dir, createLogger({ level: 'warn' }));
  expect(built.file).toBe(path.join(dir, BUNDLE_FILE));
  const inputs = JSON.parse(fs.readFileSync(path.join(dir, INPUTS_FILE), 'utf8')) as { files: Record<string, string> };
  // The workflows and what they import from src/, none of the SDK's files (its version covers them).
  expect(Object.keys(inputs.files)).toEqual(expect.arrayContaining([path.join('workflows', 'index.js'), path.join('workflows', 'reconcile.js'), path.join('src', 'domain', 'types.js')]));
  expect(Object.keys(inputs.files).some((f) => f.includes('node_modules'))).toBe(false);
  expect(findPrebuiltBundle(dir)).toEqual({ codePath: built.file });

  // Recompiled to the same text (tsc rewrites every file): still current.
  const reconcile = path.join(dir, 'workflows', 'reconcile.js');
  const text = fs.readFileSync(reconcile, 'utf8');
  fs.writeFileSync(reconcile, text);
  expect(findPrebuiltBundle(dir)).toEqual({ codePath: built.file });

  // Changed workflow code: out of date, with the reason.
  fs.writeFileSync(reconcile, `${text}\n// changed\n`);
  expect(findPrebuiltBundle(dir)).toEqual({ stale: `${path.join('workflows', 'reconcile.js')} changed since the bundle was made` });
  fs.writeFileSync(reconcile, text);

  // A list of inputs that is missing cannot vouch for the bundle.
  fs.rmSync(path.join(dir, INPUTS_FILE));
  expect(findPrebuiltBundle(dir)).toEqual({ stale: `${INPUTS_FILE} is missing or unreadable` });
});
