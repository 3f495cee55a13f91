/** Loopback port helpers for the local stack and the tests. */
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port the kernel says is free on 127.0.0.1 (a small race until the server binds it). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Whether nothing listens on 127.0.0.1:port (we can bind it). */
export async function isPortFree(port: number): Promise<boolean> {
  const srv = net.createServer();
  try {
    srv.listen(port, '127.0.0.1');
    await once(srv, 'listening');
  } catch {
    return false;
  }
  srv.close();
  await once(srv, 'close');
  return true;
}

/**
 * `preferred` when free, else any free port. 0 (or undefined) means "any free port".
 * `taken` lists ports already handed out in this run, so two components never get the same one.
 */
export async function pickPort(preferred: number | undefined, taken: Set<number> = new Set()): Promise<number> {
  if (preferred && !taken.has(preferred) && (await isPortFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

/** Whether a TCP connection to 127.0.0.1:port succeeds. */
export async function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Poll until `check` returns true; throws `describe()` when the deadline passes. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  opts: { timeoutMs: number; intervalMs?: number; describe: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(opts.describe());
    await sleep(opts.intervalMs ?? 100);
  }
}
