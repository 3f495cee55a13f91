/**
 * Connections to Temporal from config, shared by the worker (NativeConnection) and the CLI
 * (client Connection): the address (configured, or the running dev stack's), TLS / mTLS, API key.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Client, Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config/schema';

/** Where `zcc-sync dev up` writes the addresses of the stack it started. */
export function devStackFile(config: Config): string {
  return path.join(config.stateDir, 'dev', 'stack.json');
}

export class TemporalAddressError extends Error {
  override readonly name = 'TemporalAddressError';
}

/** temporal.address, else the dev stack's address from <stateDir>/dev/stack.json. */
export function resolveTemporalAddress(config: Config): string {
  if (config.temporal.address) return config.temporal.address;
  const file = devStackFile(config);
  // `dev up` records components.temporal.address (devstack/stack.ts StackFile); a flat
  // temporal.address is accepted too.
  let stack: { components?: { temporal?: { address?: unknown } }; temporal?: { address?: unknown } } | undefined;
  try {
    stack = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof stack;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no dev stack runs' : `it cannot be read: ${(err as Error).message}`;
    throw new TemporalAddressError(
      `temporal.address: got "" — expected host:port of a Temporal frontend, or a running dev stack (${file}: ${why}) ` +
        '(fix: run `zcc-sync dev up`, or set temporal.address, e.g. 127.0.0.1:7233)',
    );
  }
  const address = stack?.components?.temporal?.address ?? stack?.temporal?.address;
  if (typeof address !== 'string' || address === '') {
      throw new TemporalAddressError(`${file} has no components.temporal.address (fix: run \`zcc-sync dev down\` then \`zcc-sync dev up\`, or set temporal.address)`);
  }
  return address;
}

/** TLS settings from temporal.tls (files read now, so a missing file fails at connect time with its path). */
export function temporalTls(config: Config): TLSConfig | undefined {
  const t = config.temporal.tls;
  if (!t) return config.temporal.apiKey ? {} : undefined; // an API key implies TLS (Temporal Cloud)
  const read = (field: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`temporal.tls.${field}: got ${JSON.stringify(file)} — expected a readable PEM file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}) (fix: correct the path)`);
    }
  };
  if (Boolean(t.certFile) !== Boolean(t.keyFile)) {
    throw new Error('temporal.tls: got only one of certFile and keyFile — expected both for mTLS, or neither (fix: set both, or remove the one given)');
  }
  return {
    serverNameOverride: t.serverName,
    serverRootCACertificate: t.caFile ? read('caFile', t.caFile) : undefined,
    clientCertPair: t.certFile && t.keyFile ? { crt: read('certFile', t.certFile), key: read('keyFile', t.keyFile) } : undefined,
  };
}

/** Options common to both kinds of connection. */
export function temporalConnectionOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: resolveTemporalAddress(config), tls: temporalTls(config), apiKey: config.temporal.apiKey || undefined };
}

export interface ConnectOptions {
  /** Client connections only: how long to wait for the server (default 10 s). */
  connectTimeoutMs?: number;
}

export function connectTemporal(config: Config, kind?: 'client', opts?: ConnectOptions): Promise<Connection>;
export function connectTemporal(config: Config, kind: 'worker', opts?: ConnectOptions): Promise<NativeConnection>;
/** A connection to the configured Temporal: a client Connection (CLI) or a NativeConnection (worker). */
export async function connectTemporal(config: Config, kind: 'client' | 'worker' = 'client', opts: ConnectOptions = {}): Promise<Connection | NativeConnection> {
  const common = temporalConnectionOptions(config);
  if (kind === 'worker') {
    const o: NativeConnectionOptions = { address: common.address, tls: common.tls, apiKey: common.apiKey };
    // Loaded only here: @temporalio/worker costs ~290 ms to load, and the CLI never needs it.
    const { NativeConnection: Native } = await import('@temporalio/worker');
    return Native.connect(o);
  }
  const o: ConnectionOptions = { address: common.address, tls: common.tls, apiKey: common.apiKey, connectTimeout: opts.connectTimeoutMs ?? 10_000 };
  return Connection.connect(o);
}

/** A Temporal Client on the configured namespace, with its connection to close. */
export async function createTemporalClient(config: Config, opts: ConnectOptions = {}): Promise<{ client: Client; connection: Connection }> {
  const connection = await connectTemporal(config, 'client', opts);
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection };
}
