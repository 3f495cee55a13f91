/**
 * `zcc-sync console`: opens the store, a Temporal client and a read-only ZCC client, builds the app
 * and listens (HTTPS with console.tls) until SIGINT/SIGTERM. The session key comes from
 * console.sessionSecret, else a random one per start (everyone signs in again after a restart).
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../src/config/schema';
import { closeStore, openStore } from '../src/store/db';
import { createTemporalClient } from '../src/temporal/connection';
import { createZoomClient } from '../src/zoom';
import { buildConsole } from './app';
import { signIn } from './auth/sign-in';

export interface RunningConsole {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startConsole(config: Config, opts: { listen?: string; trustProxy?: boolean } = {}): Promise<RunningConsole> {
  const listen = opts.listen ?? config.console.listen;
  const cut = listen.lastIndexOf(':');
  const host = listen.slice(0, cut).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(cut + 1));
  const tls = config.console.tls;
  const https = tls ? { cert: readPem('console.tls.certFile', tls.certFile), key: readPem('console.tls.keyFile', tls.keyFile) } : undefined;

  const db = await openStore(config);
  const temporal = await createTemporalClient(config).catch(async (err: Error) => {
    await closeStore(db);
    throw new Error(`cannot reach Temporal: ${err.message}`);
  });
  const sessionKey = config.console.sessionSecret ? createHash('sha256').update(config.console.sessionSecret).digest() : randomBytes(32);
  const app = await buildConsole({
    config, db, temporal: temporal.client, zoom: createZoomClient(config.contactCenter), sessionKey,
    signIn: (name, password) => signIn(config, name, password),
  }, { https, trustProxy: opts.trustProxy });
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    app,
    url: `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    async close() {
      await app.close();
      await temporal.connection.close();
      await closeStore(db);
    },
  };
}

function readPem(field: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${field}: cannot read "${file}": ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message} (fix: give the path of a PEM file)`);
  }
}
