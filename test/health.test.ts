/**
 * The worker's /readyz (issue 13): not ready while Temporal or the store cannot be reached, with
 * a JSON body naming what is down, and ready again once they are back; /healthz stays 200.
 * The shared test Temporal and PostgreSQL keep running: the worker reaches them through loopback
 * TCP proxies that the test cuts and restores. The store is PostgreSQL (ZCC_TEST_PG_URL, a fresh
 * database); a SQLite file cannot be taken away from an open connection, so without PostgreSQL
 * the store half is reported as not run (a failure under CI=true).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import knex, { type Knex } from 'knex';
import { stringify } from 'yaml';
import { parseConfigText } from '../src/config/load';
import { createLogger } from '../src/log/logger';
import { runWorker } from '../worker/main';
import { testPgUrl } from './support/ci';
import { freePort } from './support/prometheus';
import { testStack, uniqueId } from './support/stack';
import { hostPort, startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { until } from './support/worker-process';

const PG_URL = testPgUrl('health.test.ts', 'the store half of the readiness test (PostgreSQL behind a proxy)');

let dir: string;
let temporalProxy: TcpProxy;
let pgProxy: TcpProxy | undefined;
let pgAdmin: Knex | undefined;
let database: string | undefined;
let listen: string;
const abort = new AbortController();
let running: Promise<void>;

interface ReadyBody {
  status: string;
  ready: boolean;
  down: string[];
  checks: Record<string, { ok: boolean; detail: string }>;
}

async function readyz(): Promise<{ status: number; body: ReadyBody } | null> {
  try {
    const res = await fetch(`http://${listen}/readyz`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as ReadyBody };
  } catch {
    return null;
  }
}

/** Polls /readyz until `ok` holds for its answer; returns that answer. */
async function readyzUntil(what: string, ok: (r: { status: number; body: ReadyBody }) => boolean, timeoutMs: number) {
  let last: { status: number; body: ReadyBody } | null = null;
  await until(what, async () => {
    last = await readyz();
    return last !== null && ok(last);
  }, timeoutMs, 250).catch((err: Error) => {
    throw new Error(`${err.message}; last /readyz: ${JSON.stringify(last)}`);
  });
  return last!;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-health-'));
  temporalProxy = await startTcpProxy(hostPort(testStack().temporalAddress));
  let store = `store:\n  client: sqlite3\n  connection: ${path.join(dir, 'zcc-sync.sqlite')}\n`;
  if (PG_URL) {
    database = `zcc_sync_health_${process.pid}_${Date.now()}`;
    pgAdmin = knex({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
    await pgAdmin.raw('CREATE DATABASE ??', [database]);
    pgProxy = await startTcpProxy(hostPort(PG_URL));
    const u = new URL(PG_URL);
    u.hostname = '127.0.0.1';
    u.port = String(pgProxy.port);
    u.pathname = `/${database}`;
    store = stringify({ store: { client: 'pg', connection: u.toString() } });
  }
  listen = `127.0.0.1:${await freePort()}`;
  const config = parseConfigText(
    `stateDir: ${dir}\ntemporal:\n  address: ${temporalProxy.address}\n  namespace: ${testStack().namespace}\n  taskQueue: ${uniqueId('health')}\n${store}worker:\n  metrics:\n    listen: ${listen}\nlog:\n  level: warn\n`,
    { env: {} },
  );
  running = runWorker({ config, workflowBundlePath: testStack().workflowBundlePath, signal: abort.signal, handleSignals: false, logger: createLogger({ level: 'error', env: {} }) });
  running.catch(() => undefined); // a start failure shows in the readiness wait below
  await readyzUntil('the worker to be ready', (r) => r.status === 200, 60_000);
}, 120_000);

afterAll(async () => {
  await temporalProxy?.open();
  await pgProxy?.open();
  abort.abort();
  await running?.catch(() => undefined);
  await temporalProxy?.close();
  await pgProxy?.close();
  if (pgAdmin && database) {
    await pgAdmin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [database]);
    await pgAdmin.destroy();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('ready: 200 with every check ok; /healthz 200', async () => {
  const r = await readyz();
  expect(r).toMatchObject({ status: 200, body: { status: 'ready', ready: true, down: [], checks: { temporal: { ok: true }, store: { ok: true }, worker: { ok: true, detail: 'polling' } } } });
  expect((await fetch(`http://${listen}/healthz`)).status).toBe(200);
});

test('Temporal unreachable: 503 naming temporal; reachable again: 200', async () => {
  await temporalProxy.close();
  const down = await readyzUntil('/readyz to say Temporal is down', (r) => r.status === 503 && r.body.down.includes('temporal'), 30_000);
  expect(down.body).toMatchObject({ status: 'not ready', ready: false, checks: { temporal: { ok: false }, store: { ok: true } } });
  expect(down.body.checks.temporal.detail.length).toBeGreaterThan(0);
  expect((await fetch(`http://${listen}/healthz`)).status).toBe(200); // the process lives

  await temporalProxy.open();
  const up = await readyzUntil('/readyz to be ready again', (r) => r.status === 200, 90_000);
  expect(up.body.down).toEqual([]);
}, 150_000);

(PG_URL ? test : test.skip)('store unreachable: 503 naming the store; reachable again: 200', async () => {
  await pgProxy!.close();
  const down = await readyzUntil('/readyz to say the store is down', (r) => r.status === 503 && r.body.down.includes('store'), 30_000);
  expect(down.body).toMatchObject({ ready: false, down: ['store'], checks: { store: { ok: false }, temporal: { ok: true } } });
  // The connection string's password never shows.
  const password = new URL(PG_URL!).password;
  if (password) expect(JSON.stringify(down.body)).not.toContain(password);
  expect((await fetch(`http://${listen}/healthz`)).status).toBe(200);

  await pgProxy!.open();
  const up = await readyzUntil('/readyz to be ready again', (r) => r.status === 200, 60_000);
  expect(up.body.down).toEqual([]);
}, 120_000);
