import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildProgram } from '../client/main';
import { DEFAULT_DEV_PORTS, EMULATOR_CREDENTIALS, PACKAGES } from '../client/help-defaults';
import { PACKAGES as SCHEMA_PACKAGES } from '../src/config/schema';
import { DEFAULT_DEV_PORTS as STACK_PORTS } from '../devstack/stack';
import { DEFAULT_CREDENTIALS } from '../emulator/core';
import { CLI, ensureBuilt, ROOT, runCli } from './support/cli';

const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('compiled CLI: top-level behaviour', () => {
  beforeAll(ensureBuilt);

  test('--help lists every command group', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: zcc-sync [options] [command]');
    const groups = buildProgram().commands.map((c) => c.name());
    expect(groups).toEqual(expect.arrayContaining(['worker', 'config']));
    for (const g of groups) expect(r.stdout).toMatch(new RegExp(`^  ${g}\\b`, 'm'));
  });

  test('a group prints its own help', async () => {
    const r = await runCli(['config', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('check [options]');
  });

  test('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  test('an unknown command exits 2 and says so', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  test('an unknown option exits 2', async () => {
    const r = await runCli(['config', 'check', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-option'");
  });

  test('`worker` with no Temporal address and no dev stack exits 2 with the fix', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-cli-'));
    try {
      const r = await runCli(['worker'], { cwd, env: { ZCC_SYNC_CONFIG: undefined } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('(fix: run `zcc-sync dev up`, or set temporal.address');
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('the bin shim runs the compiled CLI, also through a symlink (npm\'s node_modules/.bin)', () => {
    const shim = spawnSync(path.join(ROOT, 'bin', 'zcc-sync'), ['--version'], { encoding: 'utf8' });
    expect(shim.status).toBe(0);
    expect(shim.stdout.trim()).toBe(version);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-bin-'));
    try {
      fs.symlinkSync(path.join(ROOT, 'bin', 'zcc-sync'), path.join(dir, 'zcc-sync'));
      const linked = spawnSync(path.join(dir, 'zcc-sync'), ['--version'], { encoding: 'utf8' });
      expect(linked.stderr).toBe('');
      expect(linked.stdout.trim()).toBe(version);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('defining the commands loads none of what the commands run (Temporal, knex, zod, yaml, LDAP, the dev stack)', () => {
    // What --help and --version cost: commander and the command definitions. Each command's
    // implementation (client/actions/) is loaded when it runs.
    const script = `require(${JSON.stringify(CLI)}).buildProgram(); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const loaded = (JSON.parse(r.stdout) as string[]).map((f) => path.relative(ROOT, f));
    const heavy = loaded.filter((f) => /node_modules[\\/](@temporalio|knex|zod|yaml|ldapts|pino|nodemailer|sqlite3)[\\/]|^dist[\\/](devstack|emulator|worker|workflows|activities)[\\/]|^dist[\\/]client[\\/]actions[\\/]/.test(f));
    expect(heavy).toEqual([]);
  });
});

test('the help texts\' copies of defaults match their sources', () => {
  expect(PACKAGES).toEqual(SCHEMA_PACKAGES);
  expect(DEFAULT_DEV_PORTS).toEqual(STACK_PORTS);
  expect(EMULATOR_CREDENTIALS).toEqual(DEFAULT_CREDENTIALS);
});
