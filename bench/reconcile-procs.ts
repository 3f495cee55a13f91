/**
 * Child processes of the reconcile benchmark — the ZCC emulator and the zcc-sync worker, each
 * started from the compiled CLI exactly as an operator would — and their memory: peak RSS from
 * /proc/<pid>/status (VmHWM, reset per scenario through clear_refs) and a sampled VmRSS maximum
 * as a cross-check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopPid } from '../devstack/proc';
import { NODE_FLAGS, withMallocDefaults } from '../devstack/process-defaults';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI_MAIN = path.join(REPO, 'dist', 'client', 'main.js');

export interface ChildHandle {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** The last few KB of its output (for error messages). */
  tail(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/** `node [NODE_ARGS] dist/client/main.js ARGS`, output to `logFile`. */
export function startCli(name: string, args: string[], logFile: string, onLine?: (line: string) => void, nodeArgs: string[] = []): ChildHandle {
  // As bin/zcc-sync runs it: with its malloc defaults and node flags.
  const proc = spawn(process.execPath, [...NODE_FLAGS, ...nodeArgs, CLI_MAIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: withMallocDefaults() });
  if (!proc.pid) throw new Error(`could not start ${name}`);
  const log = createWriteStream(logFile, { flags: 'a' });
  let tail = '';
  let partial = '';
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  const keep = (d: Buffer) => {
    log.write(d);
    tail = (tail + d.toString()).slice(-6000);
    if (onLine) {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    }
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const pid = proc.pid;
  return {
    name,
    pid,
    proc,
    tail: () => tail,
    exited: () => exited,
    async stop() {
      await stopPid(pid, { graceMs: 35_000 });
      log.end();
    },
  };
}

/** The emulator as its own process; resolves with its URLs once it printed them. */
export async function startEmulatorProcess(args: string[], logFile: string): Promise<ChildHandle & { url: string; baseUrl: string; tokenUrl: string }> {
  let info: { url: string; baseUrl: string; tokenUrl: string } | undefined;
  const child = startCli('emulator', ['emulator', '--port', '0', '--json', ...args], logFile, (line) => {
    if (line.startsWith('{') && line.includes('"baseUrl"')) info = JSON.parse(line);
  });
  const deadline = Date.now() + 300_000;
  while (!info) {
    if (child.exited()) throw new Error(`the emulator exited before printing its address:\n${child.tail()}`);
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`the emulator printed no address within 300 s:\n${child.tail()}`);
    }
    await sleep(50);
  }
  return Object.assign(child, info);
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export const peakRssMb = (pid: number) => statusField(pid, 'VmHWM');
export const rssMb = (pid: number) => statusField(pid, 'VmRSS');

/** CPU seconds (user + system) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) in clock ticks; 100 per second on Linux.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Resets the kernel's peak-RSS mark of `pid` to its current RSS (Linux ≥ 4.0). False when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS of some pids every `everyMs`; max() gives the highest seen per pid. */
export class RssSampler {
  private readonly max = new Map<number, number>();
  /** The first pid's maximum per label (e.g. the run's phase at the time of the sample). */
  readonly maxByLabel = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: number[], everyMs = 200, private readonly label?: () => string | undefined) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    for (const pid of this.pids) {
      const v = statusField(pid, 'VmRSS');
      if (!Number.isFinite(v)) continue;
      this.max.set(pid, Math.max(this.max.get(pid) ?? 0, v));
      const label = pid === this.pids[0] ? this.label?.() : undefined;
      if (label !== undefined) this.maxByLabel.set(label, Math.max(this.maxByLabel.get(label) ?? 0, v));
    }
  }

  stop(): Map<number, number> {
    clearInterval(this.timer);
    this.sample();
    return this.max;
  }
}
