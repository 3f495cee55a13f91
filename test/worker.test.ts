/**
 * The worker against the real Temporal dev server of jest's globalSetup: it registers workflows
 * and activities, opens the store (migrations), and shuts down gracefully — an activity that is
 * running when shutdown starts finishes, and is not run a second time.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { Client, Connection } from '@temporalio/client';
import { healthCheckWorkflow } from '../workflows';
import type { HealthPingResult } from '../activities/health';
import { parseConfigText } from '../src/config/load';
import type { Config } from '../src/config/schema';
import { createLogger } from '../src/log/logger';
import { SQLITE_FILE } from '../src/store/db';
import { runWorker } from '../worker/main';
import { CLI, ensureBuilt } from './support/cli';
import { testStack, uniqueId } from './support/stack';

let dir: string;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-worker-'));
  connection = await Connection.connect({ address: testStack().temporalAddress });
  client = new Client({ connection, namespace: testStack().namespace });
});

afterAll(async () => {
  await connection?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function workerConfig(taskQueue: string): Config {
  return parseConfigText(
    `stateDir: ${dir}/${taskQueue}\ntemporal:\n  address: ${testStack().temporalAddress}\n  namespace: ${testStack().namespace}\n  taskQueue: ${taskQueue}\nlog:\n  level: info\n`,
    { env: {} },
  );
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function logCapture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, lines: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('an activity in flight when shutdown starts finishes; the next worker completes the workflow without re-running it', async () => {
  const taskQueue = uniqueId('worker-shutdown');
  const config = workerConfig(taskQueue);
  const logs = logCapture();
  const logger = createLogger({ destination: logs.stream, pretty: false, env: {} });
  let calls = 0;
  const started = deferred();
  const release = deferred();
  const running = deferred();
  const abort = new AbortController();

  const first = runWorker({
    config,
    logger,
    workflowBundlePath: testStack().workflowBundlePath,
    signal: abort.signal,
    handleSignals: false,
    onRunning: () => running.resolve(),
    activityOverrides: {
      healthPing: async (name: string): Promise<HealthPingResult> => {
        calls++;
        started.resolve();
        await release.promise;
        return { reply: `pong ${name} from the first worker`, host: os.hostname(), pid: process.pid };
      },
    },
  });
  await running.promise;
  // The worker opened the store and ran the migrations before polling.
  expect(fs.existsSync(path.join(config.stateDir, SQLITE_FILE))).toBe(true);

  const handle = await client.workflow.start(healthCheckWorkflow, { taskQueue, workflowId: uniqueId('health'), args: ['shutdown'], workflowExecutionTimeout: '2 minutes' });
  await started.promise;
  abort.abort(); // shutdown begins while the activity runs
  // The worker stays up for the in-flight activity: its run has not ended yet.
  const ended = await Promise.race([first.then(() => 'ended'), new Promise((r) => setImmediate(() => r('running')))]);
  expect(ended).toBe('running');
  release.resolve();
  await first; // the worker stops once the activity has reported its result

  // A second worker picks up the workflow task that the finished activity scheduled.
  const second = new AbortController();
  const secondRun = runWorker({ config, logger, workflowBundlePath: testStack().workflowBundlePath, signal: second.signal, handleSignals: false });
  const result = await handle.result();
  second.abort();
  await secondRun;

  expect(result.reply).toBe('pong shutdown from the first worker');
  expect(calls).toBe(1);
  const history = await handle.fetchHistory();
  expect((history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(1);
  const messages = logs.lines().map((l) => l.msg);
  expect(messages).toEqual(expect.arrayContaining(['store ready (migrations applied)', 'worker running', 'worker shutting down: finishing in-flight tasks', 'worker stopped']));
});

test('without an address or a dev stack, the worker says how to get one', async () => {
  const config = parseConfigText(`stateDir: ${dir}/none\n`, { env: {} });
  await expect(runWorker({ config, logger: createLogger({ level: 'silent', env: {} }), handleSignals: false })).rejects.toThrow(
    /temporal\.address: got "" — expected host:port of a Temporal frontend, or a running dev stack .*\(fix: run `zcc-sync dev up`, or set temporal\.address/,
  );
});

test('`zcc-sync worker` serves the task queue and exits 0 on SIGTERM', async () => {
  await ensureBuilt();
  const taskQueue = uniqueId('worker-cli');
  const file = path.join(dir, `${taskQueue}.yaml`);
  fs.writeFileSync(file, `stateDir: ${dir}/${taskQueue}\ntemporal:\n  address: ${testStack().temporalAddress}\n  taskQueue: ${taskQueue}\n`);
  const child = spawn(process.execPath, [CLI, 'worker', '--config', file, '--workflow-bundle', testStack().workflowBundlePath], {
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"msg":"worker running"')) resolve();
      });
      void exited.then((code) => reject(new Error(`worker exited early (${code}): ${out}${err}`)));
    });

    const result = await client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: uniqueId('health-cli'), args: ['cli'], workflowExecutionTimeout: '60 seconds' });
    expect(result).toMatchObject({ reply: 'pong cli', pid: child.pid });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const messages = out.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string; reason?: string }));
    expect(messages).toContainEqual(expect.objectContaining({ msg: 'worker shutting down: finishing in-flight tasks', reason: 'SIGTERM' }));
    expect(messages.map((m) => m.msg)).toContain('worker stopped');
  } finally {
    stopChild(child);
  }
});

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
