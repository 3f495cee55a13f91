/**
 * Runs the compiled CLI (`node dist/client/main.js …`) the way a user does. Builds dist first
 * when it is missing or older than the sources, so a single test file run alone tests current code.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'client', 'main.js');
const SOURCE_DIRS = ['client', 'src', 'devstack', 'worker', 'activities', 'workflows', 'emulator'];
const LOCK = path.join(ROOT, 'dist', '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!fs.existsSync(CLI)) return false;
  const built = fs.statSync(CLI).mtimeMs;
  return SOURCE_DIRS.every((d) => newestSource(path.join(ROOT, d)) <= built);
}

/** Builds dist with tsc when stale. Type errors elsewhere do not stop the emit (noEmitOnError is off). */
export async function ensureBuilt(): Promise<void> {
  if (isFresh()) return;
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK); // atomic: one test file builds, the others wait for it
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
      if (isFresh()) return;
      // A lock left by a killed run: older than any build could take.
      if (fs.existsSync(LOCK) && Date.now() - fs.statSync(LOCK).mtimeMs > 300_000) fs.rmSync(LOCK, { recursive: true, force: true });
    }
  }
  try {
    if (isFresh()) return;
    spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    if (!fs.existsSync(CLI)) throw new Error(`build did not produce ${CLI}: run npx tsc -p tsconfig.build.json`);
    // tsc leaves an unchanged output file's mtime alone when it emits the same text; touch it so
    // the freshness check holds.
    const now = new Date();
    fs.utimesSync(CLI, now, now);
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with args; env replaces the environment's variables given (undefined removes one). */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_FORMAT: 'json' };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
