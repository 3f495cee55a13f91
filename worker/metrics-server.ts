/**
 * The worker's HTTP listener for operators (`worker.metrics.listen`): `/metrics` (Prometheus text
 * format, from the prom-client registry), `/healthz` (the process lives: always 200) and
 * `/readyz` (200 when Temporal and the store answer and the worker polls; else 503 with a JSON
 * body naming what is down). Plain node:http: three read-only routes need no framework.
 * Importing this module installs the registry as the metrics sink: it is loaded only when the
 * listener is configured.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../src/log/logger';
import { installMetricsSink } from '../src/metrics/events';
import { prometheusSink, registry } from '../src/metrics/registry';
import type { Readiness } from './readiness';

export interface MetricsServerOptions {
  /** host:port, or [v6]:port; port 0 picks a free one (the address is logged and returned). */
  listen: string;
  readiness(): Promise<Readiness>;
  logger: Logger;
}

export interface MetricsServer {
  /** host:port actually bound. */
  address: string;
  close(): Promise<void>;
}

export function parseHostPort(listen: string): { host: string; port: number } {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(listen) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new Error(`worker.metrics.listen: got "${listen}" — expected host:port such as 127.0.0.1:9464`);
  return { host: m[1], port: Number(m[2]) };
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseHostPort(o.listen);
  installMetricsSink(prometheusSink);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    switch (path) {
      case '/metrics':
        return send(res, 200, registry.contentType, await registry.metrics());
      case '/healthz':
        return send(res, 200, 'application/json', '{"status":"ok"}\n');
      case '/readyz': {
        const r = await o.readiness();
        return send(res, r.ready ? 200 : 503, 'application/json', `${JSON.stringify({ status: r.ready ? 'ready' : 'not ready', ...r })}\n`);
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found: /metrics, /healthz, /readyz\n');
    }
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.logger.warn({ err, path: req.url }, 'metrics listener: request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.end();
    });
  });
  // Scrapers keep connections alive; they must not hold the worker's shutdown.
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: Error) => {
    installMetricsSink(null);
    throw new Error(`cannot listen on ${o.listen} for /metrics, /healthz and /readyz: ${err.message} (fix: a free port in worker.metrics.listen)`);
  });
  const a = server.address() as AddressInfo;
  const address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  o.logger.info({ address }, 'metrics and health listener: /metrics, /healthz, /readyz');

  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        installMetricsSink(null);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
