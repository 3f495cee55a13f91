/**
 * Audit export benchmark (issue 13 item 6): `zcc-sync audit` must stream, so a year of history
 * for 100k users does not load into memory. Fills a SQLite store with audit rows (the store's
 * own bulk insert, addAuditEntries, one transaction per 20,000 rows), and at each checkpoint
 * exports the whole log as a child process (bin/zcc-sync, as an operator runs it):
 *
 *   - `--format csv > /dev/null` and `--format json > /dev/null`,
 *   - `--format csv` into a pipe this process reads (counts bytes and lines: the output is whole),
 *   - `--user nobody@…` (no row: the CLI's own floor of memory).
 *
 * Measures wall time and the child's peak RSS (`/usr/bin/time -f %M` when present, else VmHWM
 * polled from /proc/<pid>/status). Bounded memory = the peak at 1M rows is the peak at 100k.
 *
 *   npm run build && node dist/bench/audit-export.js [--rows 1000000] [--checkpoints 100000,1000000]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load';
import { closeStore, openStore } from '../src/store/db';
import { addAuditEntries, type AuditEntry } from '../src/store/audit';

const REPO = path.resolve(__dirname, '..', '..'); // dist/bench → the checkout
const BIN = path.join(REPO, 'bin', 'zcc-sync');
const FILL_TX_ROWS = 20_000;
const YEAR_MS = 365 * 86_400_000;
const OPS = ['create', 'queueAdd', 'update', 'queueAdd', 'update', 'queueRemove', 'deactivate', 'remove'];

function parseArgs(argv: string[]): { rows: number; checkpoints: number[] } {
  let rows = 1_000_000;
  let checkpoints: number[] | null = null;
  const count = (flag: string, v: string | undefined) => {
    const n = Number(v?.replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: got "${v}" — expected a whole number ≥ 1`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rows') rows = count('--rows', argv[++i]);
    else if (argv[i] === '--checkpoints') checkpoints = (argv[++i] ?? '').split(',').map((c) => count('--checkpoints', c));
    else throw new Error(`unknown argument ${argv[i]} (usage: node dist/bench/audit-export.js [--rows N] [--checkpoints A,B,…])`);
  }
  const cps = (checkpoints ?? [Math.min(100_000, rows), rows]).filter((c) => c <= rows).sort((a, b) => a - b);
  return { rows, checkpoints: [...new Set([...cps, rows])] };
}

/** Row i of a year of history: 100k users, runs of 1,000 rows, a failure in 50. */
function entry(i: number, start: number, total: number): AuditEntry {
  const op = OPS[i % OPS.length];
  const run = Math.floor(i / 1000);
  const user = `user${String(i % 100_000).padStart(6, '0')}@example.com`;
  const failed = i % 50 === 0;
  return {
    runId: run % 10 === 3 ? `zcc-sync-edit-${String(run).padStart(8, '0')}-0000-4000-8000-000000000000` : `rec-${run.toString(16).padStart(10, '0')}`,
    actor: run % 10 === 3 ? 'cli:alice' : run % 4 === 0 ? 'cli:ops' : 'schedule',
    email: user,
    op,
    before: op === 'create' || op === 'queueAdd' ? null : JSON.stringify({ role: 'Agent', package: 'essentials', access: 'active', queues: ['Support'] }),
    after: op === 'remove' || op === 'queueRemove' ? null : JSON.stringify(op.startsWith('queue') ? { queue: 'Support' } : { role: 'Supervisor', package: 'premium', queues: ['Sales', 'Support'] }),
    result: failed ? 'failed' : 'done',
    error: failed ? 'Zoom: "Too many requests", retried 5 times (code 429)' : null,
    at: new Date(start + Math.floor((i / total) * YEAR_MS)).toISOString(),
  };
}

interface Measured {
  wallS: number;
  peakMb: number;
  code: number | null;
  bytes: number | null;
  lines: number | null;
  stderr: string;
}

const HAS_TIME = existsSync('/usr/bin/time');

/** Runs bin/zcc-sync with args; stdout to /dev/null or a pipe read here. */
function measure(args: string[], stdout: 'devnull' | 'pipe'): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const devnull = stdout === 'devnull' ? openSync('/dev/null', 'w') : null;
    const [cmd, cmdArgs] = HAS_TIME ? ['/usr/bin/time', ['-f', 'ZCC_BENCH_MAXRSS_KB=%M', BIN, ...args]] : [BIN, args];
    const started = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', devnull ?? 'pipe', 'pipe'] });
    if (devnull !== null) closeSync(devnull);
    let bytes = 0;
    let lines = 0;
    child.stdout?.on('data', (d: Buffer) => {
      bytes += d.length;
      for (let k = d.indexOf(10); k !== -1; k = d.indexOf(10, k + 1)) lines++;
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Without /usr/bin/time: VmHWM is the kernel's own high-water mark, so the last read before
    // exit holds the peak up to then (polled every 10 ms).
    let hwmKb = 0;
    const poll = HAS_TIME ? null : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // gone already
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /ZCC_BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      const peakKb = m ? Number(m[1]) : hwmKb;
      resolve({ wallS, peakMb: peakKb / 1024, code, bytes: stdout === 'pipe' ? bytes : null, lines: stdout === 'pipe' ? lines : null, stderr: stderr.replace(/ZCC_BENCH_MAXRSS_KB=\d+\n?/, '').trim() });
    });
  });
}

async function main(): Promise<void> {
  const { rows, checkpoints } = parseArgs(process.argv.slice(2));
  const dir = path.join(REPO, '.state', 'bench', 'audit-export', String(process.pid));
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'zcc-sync.yaml');
  writeFileSync(configFile, stringify({ stateDir: dir, store: { client: 'sqlite3', connection: path.join(dir, 'zcc-sync.sqlite') }, log: { level: 'warn' } }));
  const db = await openStore(loadConfig({ path: configFile }));
  const start = Date.now() - YEAR_MS;
  const results: string[] = [];
  console.log(`audit export benchmark: ${rows.toLocaleString('en')} rows, checkpoints ${checkpoints.map((c) => c.toLocaleString('en')).join(', ')}; peak RSS by ${HAS_TIME ? '/usr/bin/time' : '/proc VmHWM polling'}`);
  let filled = 0;
  try {
    for (const cp of checkpoints) {
      const t0 = Date.now();
      while (filled < cp) {
        const n = Math.min(FILL_TX_ROWS, cp - filled);
        const batch: AuditEntry[] = [];
        for (let k = 0; k < n; k++) batch.push(entry(filled + k, start, rows));
        await db.transaction((trx) => addAuditEntries(trx, batch));
        filled += n;
      }
      console.log(`filled to ${filled.toLocaleString('en')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const cases: Array<[string, string[], 'devnull' | 'pipe']> = [
        ['csv > /dev/null', ['--format', 'csv'], 'devnull'],
        ['json > /dev/null', ['--format', 'json'], 'devnull'],
        ['csv | pipe', ['--format', 'csv'], 'pipe'],
        ['no rows (floor)', ['--user', 'nobody@example.com', '--format', 'csv'], 'devnull'],
      ];
      for (const [label, args, out] of cases) {
        const m = await measure(['audit', ...args, '--config', configFile], out);
        if (m.code !== 0) throw new Error(`audit ${args.join(' ')} exited ${m.code}: ${m.stderr}`);
        const exported = label.startsWith('no rows') ? 0 : cp;
        if (m.lines !== null && m.lines !== cp + 1) throw new Error(`${label}: ${m.lines} lines through the pipe, expected ${cp + 1}`);
        const rate = exported ? `${Math.round(exported / m.wallS).toLocaleString('en').padStart(9)} rows/s` : ' '.repeat(16);
        const extra = m.bytes !== null ? `  ${(m.bytes / 1024 / 1024).toFixed(0)} MB read whole, ${m.lines!.toLocaleString('en')} lines` : '';
        const line = `${cp.toLocaleString('en').padStart(9)} rows  ${label.padEnd(17)} ${m.wallS.toFixed(2).padStart(6)} s  ${rate}  peak RSS ${m.peakMb.toFixed(1).padStart(6)} MB${extra}`;
        console.log(line);
        results.push(line);
      }
    }
  } finally {
    await closeStore(db);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nsummary');
  for (const r of results) console.log(r);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
