/**
 * A loopback TCP proxy that a test can cut and restore: `close()` refuses new connections and
 * drops the open ones (the server behind it looks stopped), `open()` listens on the same port
 * again. Lets a test take Temporal or PostgreSQL away from one worker without stopping the
 * servers every other test shares.
 */
import * as net from 'net';

export interface TcpProxy {
  /** host:port to give the client instead of the target's. */
  address: string;
  port: number;
  close(): Promise<void>;
  open(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  return {
    address: `127.0.0.1:${port}`,
    port,
    async close() {
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    async open() {
      if (!server) await listen();
    },
  };
}

/** host and port of `host:port` or of a URL's authority. */
export function hostPort(text: string): { host: string; port: number } {
  const u = text.includes('://') ? new URL(text) : new URL(`tcp://${text}`);
  return { host: u.hostname, port: Number(u.port) || (u.protocol.startsWith('postgres') ? 5432 : 0) };
}
