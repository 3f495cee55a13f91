/**
 * `zcc-sync emulator` as a process (the compiled CLI, as `dev up` runs it): it prints its
 * addresses, answers, and stops on SIGTERM; bad input exits 2 naming the option.
 * Skips, saying why, when the CLI has not been compiled (`npm run build`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { describeIf } from './support/ci';
import os from 'node:os';
import path from 'node:path';
import { baseSeed } from './emulator-support';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'client', 'main.js');
const built = existsSync(CLI) && existsSync(path.join(ROOT, 'dist', 'emulator', 'index.js'));
const maybe = describeIf(built, 'emulator-cli.test.ts', `the compiled CLI is missing (${CLI})`, 'npm run build');

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: 'pipe' });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Collects stdout until `pattern` matches. */
function waitFor(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${pattern}: ${out}${err}`)));
  });
}

maybe('zcc-sync emulator', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zcc-emu-cli-'));
  const seedFile = path.join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify(baseSeed()));
  const children: ChildProcessWithoutNullStreams[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on a free port, prints its URLs, answers, and stops on SIGTERM', async () => {
    const child = run(['emulator', '--port', '0', '--seed', seedFile, '--plan', 'business', '--client-secret', 's3cret-value']);
    children.push(child);
    const done = exited(child);
    let printed = '';
    child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    const [, baseUrl, tokenUrl] = await waitFor(child, /baseUrl: (\S+)\ntokenUrl: (\S+)\n/);
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    const token = await fetch(tokenUrl!, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('emulator-client:s3cret-value').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=account_credentials&account_id=emulator-account',
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const users = await fetch(`${baseUrl}/contact_center/users`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(users.status).toBe(200);
    expect(users.headers.get('x-ratelimit-limit')).toBe('20'); // business Medium
    expect(((await users.json()) as { total_records: number }).total_records).toBe(2);
    child.kill('SIGTERM');
    expect(await done).toBe(0);
    expect(printed).not.toContain('s3cret-value');
  });

  it('exits 2 naming the option on bad input', async () => {
    for (const [args, words] of [
      [['--plan', 'gold'], '--plan'],
      [['--seed', path.join(dir, 'missing.json')], '--seed'],
      [['--faults', '*:errorRate=3'], '--faults'],
      [['--time-scale', '0'], '--time-scale'],
    ] as const) {
      const child = run(['emulator', '--port', '0', ...args]);
      children.push(child);
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      expect(await exited(child)).toBe(2);
      expect(err).toContain(words);
    }
  });
});
