/**
 * Start-up benchmark (issue 11): how long `bin/zcc-sync` takes to answer, and how long a worker
 * takes from its start to polling its task queue.
 *
 *   npm run build && node dist/bench/startup.js [--runs N] [--worker-runs M] [--compare DIR]
 *
 * CLI cases, each N times (default 15) after one unmeasured warm-up: `node -e 0` (the floor: Node
 * itself), `--version`, `--help`, and `runs list` against this benchmark's own Temporal dev server
 * (headless, in memory) and a SQLite store. Time = spawn to exit, stdout drained through a pipe.
 *
 * Worker cases, each M times (default 3): `zcc-sync worker` until it logs "worker running" (it
 * polls from then on), then SIGTERM. With the workflow bundle `npm run build` made, and without
 * it: a copy of dist/ minus the bundle, so the worker runs webpack at start.
 *
 * --compare DIR: the same cases for another built checkout, e.g. an older commit:
 *   git worktree add /tmp/zcc-before <commit> && ln -s "$PWD/node_modules" /tmp/zcc-before/ &&
 *   (cd /tmp/zcc-before && npx tsc -p tsconfig.build.json)
 *
 * Prints median, p90 and min in ms. Compare only numbers taken on the same machine at the same time.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { startTemporal, type TemporalHandle } from '../devstack/temporal';

const REPO = path.resolve(__dirname, '..', '..'); // dist/bench → the checkout
const ROOT = path.join(REPO, '.state', 'bench', 'startup', String(process.pid));

interface Args {
  runs: number;
  workerRuns: number;
  compare?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 15, workerRuns: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const count = (flag: string) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a whole number ≥ 1`);
      return n;
    };
    if (argv[i] === '--runs') args.runs = count('--runs');
    else if (argv[i] === '--worker-runs') args.workerRuns = count('--worker-runs');
    else if (argv[i] === '--compare') args.compare = path.resolve(value());
    else throw new Error(`unknown argument ${argv[i]} (usage: node dist/bench/startup.js [--runs N] [--worker-runs M] [--compare DIR])`);
  }
  return args;
}

/** A checkout to measure: its root holds bin/zcc-sync and dist/. */
interface Tree {
  label: string;
  root: string;
}

interface Timed {
  ms: number;
  code: number | null;
  stderr: string;
}

/** Runs a command to its end, stdout and stderr drained through pipes; wall time from spawn to exit. */
function timeCommand(file: string, args: string[], cwd: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stderr }));
  });
}

/** Starts `zcc-sync worker`; resolves with the ms until it logs "worker running", after it has stopped. */
function timeWorker(root: string, configFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(path.join(root, 'bin', 'zcc-sync'), ['worker', '--config', configFile], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_FORMAT: 'json' },
    });
    let output = '';
    let runningMs: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (runningMs === undefined && output.includes('"msg":"worker running"')) {
        runningMs = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (runningMs === undefined) reject(new Error(`worker in ${root} exited (${code}) before polling:\n${output.slice(-2000)}`));
      else resolve(runningMs);
    });
  });
}

interface Stats {
  median: number;
  p90: number;
  min: number;
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, p90: at(0.9), min: s[0] };
}

const fmt = (v: number) => v.toFixed(0).padStart(6);
const row = (label: string, what: string, st: Stats, n: number) =>
  `${label.padEnd(14)} ${what.padEnd(34)} ${fmt(st.median)} ${fmt(st.p90)} ${fmt(st.min)}   (n=${n})`;

async function measureCli(tree: Tree, configFile: string, runs: number): Promise<string[]> {
  const bin = path.join(tree.root, 'bin', 'zcc-sync');
  const cases: Array<[string, string, string[]]> = [
    ['node -e 0 (Node itself)', process.execPath, ['-e', '0']],
    ['zcc-sync --version', bin, ['--version']],
    ['zcc-sync --help', bin, ['--help']],
    ['zcc-sync runs list', bin, ['runs', 'list', '--config', configFile]],
  ];
  const lines: string[] = [];
  for (const [what, file, args] of cases) {
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const r = await timeCommand(file, args, tree.root);
      if (r.code !== 0) throw new Error(`${what} in ${tree.root} exited ${r.code}: ${r.stderr}`);
      if (i > 0) times.push(r.ms); // the first run warms the file cache (and migrates the store)
    }
    lines.push(row(tree.label, what, stats(times), runs));
    process.stdout.write(`${lines[lines.length - 1]}\n`);
  }
  return lines;
}

/** A copy of a tree's build without the prebuilt workflow bundle (node_modules linked, not copied). */
function withoutBundle(tree: Tree): Tree {
  const root = path.join(ROOT, `no-bundle-${path.basename(tree.root)}`);
  mkdirSync(root, { recursive: true });
  for (const f of ['dist', 'bin', 'package.json']) cpSync(path.join(tree.root, f), path.join(root, f), { recursive: true });
  symlinkSync(path.join(tree.root, 'node_modules'), path.join(root, 'node_modules'));
  for (const f of readdirSync(path.join(root, 'dist'))) if (f.startsWith('workflow-bundle')) rmSync(path.join(root, 'dist', f));
  return { label: tree.label, root };
}

async function measureWorker(tree: Tree, configFile: string, runs: number): Promise<string[]> {
  const hasBundle = existsSync(path.join(tree.root, 'dist', 'workflow-bundle.js'));
  const variants: Array<[string, Tree]> = hasBundle
    ? [['worker start, prebuilt bundle', tree], ['worker start, bundling at start', withoutBundle(tree)]]
    : [['worker start, bundling at start', tree]];
  const lines: string[] = [];
  for (const [what, t] of variants) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timeWorker(t.root, configFile));
    lines.push(row(tree.label, what, stats(times), runs));
    process.stdout.write(`${lines[lines.length - 1]}\n`);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const trees: Tree[] = [{ label: 'this checkout', root: REPO }];
  if (args.compare) trees.push({ label: 'compare', root: args.compare });
  for (const t of trees) {
    if (!existsSync(path.join(t.root, 'dist', 'client', 'main.js'))) throw new Error(`${t.root} is not built (npx tsc -p tsconfig.build.json there first)`);
  }
  mkdirSync(ROOT, { recursive: true });
  let temporal: TemporalHandle | undefined;
  try {
    temporal = await startTemporal({ headless: true, useEnvAddress: false, log: (l) => process.stderr.write(`[temporal] ${l}\n`) });
    const { address } = temporal;
    // One store per tree: a newer checkout's migrations make an older one refuse the store.
    const configFiles = trees.map((_, i) => {
      const file = path.join(ROOT, `zcc-sync-${i}.yaml`);
      writeFileSync(file, stringify({
        stateDir: ROOT,
        temporal: { address, namespace: 'default', taskQueue: `bench-startup-${process.pid}-${i}` },
        store: { client: 'sqlite3', connection: path.join(ROOT, `store-${i}.sqlite`) },
        log: { level: 'info' },
      }));
      return file;
    });
    process.stdout.write(`Start-up times in ms; Temporal dev server at ${address}; this checkout ${REPO}${args.compare ? `, compare ${args.compare}` : ''}\n`);
    process.stdout.write(`${'tree'.padEnd(14)} ${'case'.padEnd(34)} ${'median'.padStart(6)} ${'p90'.padStart(6)} ${'min'.padStart(6)}\n`);
    for (const [i, t] of trees.entries()) await measureCli(t, configFiles[i], args.runs);
    for (const [i, t] of trees.entries()) await measureWorker(t, configFiles[i], args.workerRuns);
  } finally {
    await temporal?.stop();
    rmSync(ROOT, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/startup: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
