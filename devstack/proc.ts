/**
 * Process helpers for the local stack: liveness by pid, stop by pid, start-time identity.
 * Background servers of `dev up` are not our children after the CLI exits, so everything here
 * works from a pid alone.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether a process runs. A zombie (state Z: exited, not yet reaped by its parent or by PID 1)
 * counts as stopped: in containers PID 1 reaps lazily, and `kill -0` would call it alive.
 */
export function isAlive(pid: number | undefined | null): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readProcStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

interface ProcStat {
  state: string;
  startTicks: string;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // no /proc (not Linux) or already gone
  }
  // "pid (comm) state ppid ..." — comm may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
}

/**
 * An identity for a pid that survives pid reuse: the kernel's start time of the process.
 * `dev down` only signals a pid whose start time still matches what `dev up` recorded.
 */
export function processStartId(pid: number): string | undefined {
  return readProcStat(pid)?.startTicks || undefined;
}

/** True when `pid` is alive and (if known) still the process that `startId` identified. */
export function isSameProcess(pid: number | undefined, startId: string | undefined): boolean {
  if (!pid || !isAlive(pid)) return false;
  if (!startId) return true;
  const now = processStartId(pid);
  return now === undefined || now === startId;
}

/** Wait until the pid is gone (or a zombie). Returns false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * SIGTERM, then SIGKILL if the process has not exited after `graceMs`.
 * `group: true` signals the whole process group (for processes started detached, whose
 * children share the group). Returns how it ended.
 */
export async function stopPid(
  pid: number,
  opts: { graceMs?: number; group?: boolean } = {},
): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isAlive(pid)) return 'not-running';
  const target = opts.group ? -pid : pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(target, sig);
    } catch {
      // Group may not exist (not a group leader): fall back to the pid itself.
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  if (await waitForExit(pid, opts.graceMs ?? 10_000)) return 'terminated';
  signal('SIGKILL');
  await waitForExit(pid, 5_000);
  return 'killed';
}

export type LockAttempt = { release: () => Promise<void> } | { holder: number };

/**
 * Tries to take a lock file: created exclusively, holding this process's pid. Returns its release,
 * or the pid its holder wrote (0 when it has written none yet). Callers decide how to wait and
 * when a holder counts as dead (`isAlive`).
 */
export async function tryLockFile(file: string): Promise<LockAttempt> {
  try {
    const fh = await open(file, 'wx');
    await fh.writeFile(String(process.pid));
    await fh.close();
    return { release: () => unlink(file).catch(() => undefined) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { holder: await lockHolder(file) };
}

/** The pid in a lock file; 0 when it is empty or gone. */
export async function lockHolder(file: string): Promise<number> {
  return Number((await readFile(file, 'utf8').catch(() => '')).trim()) || 0;
}
