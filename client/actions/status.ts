/**
 * What `zcc-sync status [--json]` does (its options: client/commands/status.ts): reads the runs
 * from the store (src/runs/status.ts) and the schedule, server version and task queue from
 * Temporal, prints one screen, and exits 1 when something needs attention. Nothing it cannot
 * reach (Temporal, the store) ends it early: that is itself a finding, printed with the rest.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ScheduleNotFoundError, type Client, type Connection } from '@temporalio/client';
import type { Config } from '../../src/config/schema';
import { collectSecretValues } from '../../src/config/secrets';
import { redactSecrets } from '../../src/log/redact';
import { closeStore, openStore, type Store } from '../../src/store/db';
import { createTemporalClient, resolveTemporalAddress } from '../../src/temporal/connection';
import { deltaScheduleId, scheduleId } from '../../src/temporal/ids';
import { attentionOf, humanAge, readRunsStatus, RUN_KINDS, type RunBrief, type RunsStatus, type ScheduleStatus, type TemporalStatus } from '../../src/runs/status';
import { EXIT_FAILED, EXIT_OK, loadConfigOrExit, printJson, printLine, setExitCode, type ConfigOptions, type JsonOptions } from '../common';

export type StatusOptions = ConfigOptions & JsonOptions;

/** A monitoring check must answer: a server that accepts the connection and then says nothing fails after this. */
const TEMPORAL_TIMEOUT_MS = 5_000;

/** This package's version (package.json above client/ in the sources, above dist/client/ when built). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'zcc-sync') return pkg.version ?? 'unknown';
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** A schedule's interval as the config writes it (15m, 1d): the client describes it in milliseconds. */
export function durationText(every: string | number): string {
  if (typeof every === 'string') return every;
  for (const [unit, ms] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (every >= ms && every % ms === 0) return `${every / ms}${unit}`;
  }
  return `${every}ms`;
}

function timeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${TEMPORAL_TIMEOUT_MS / 1000} s`)), TEMPORAL_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface TemporalFindings {
  temporal: TemporalStatus;
  schedule: ScheduleStatus | null;
  /** The delta sync's schedule (issue 14). */
  deltaSchedule?: ScheduleStatus | null;
}

async function readTemporal(config: Config): Promise<TemporalFindings> {
  const { namespace, taskQueue } = config.temporal;
  const temporal: TemporalStatus = { address: '', namespace, taskQueue, reachable: false, error: null, serverVersion: null, workerPollers: null };
  let conn: { client: Client; connection: Connection } | null = null;
  try {
    temporal.address = resolveTemporalAddress(config);
    conn = await createTemporalClient(config, { connectTimeoutMs: TEMPORAL_TIMEOUT_MS });
    const info = await timeout(conn.connection.workflowService.getSystemInfo({}), 'GetSystemInfo');
    temporal.reachable = true;
    temporal.serverVersion = info.serverVersion || null;
  } catch (err) {
    temporal.error = (err as Error).message;
    await conn?.connection.close().catch(() => undefined);
    return { temporal, schedule: null };
  }
  try {
    // 1 = TASK_QUEUE_TYPE_WORKFLOW: a worker polls workflow tasks whenever it runs.
    const tq = await timeout(conn.connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 }), 'DescribeTaskQueue');
    temporal.workerPollers = tq.pollers?.length ?? 0;
  } catch {
    temporal.workerPollers = null; // unknown, not a finding: the schedule and runs still tell
  }
  try {
    const schedule = await describeSchedule(conn.client, scheduleId(config), Boolean(config.schedule.every || config.schedule.cron));
    const deltaSchedule = await describeSchedule(conn.client, deltaScheduleId(config), Boolean(config.schedule.delta?.every));
    return { temporal, schedule, deltaSchedule };
  } catch (err) {
    temporal.error = (err as Error).message;
    return { temporal, schedule: null };
  } finally {
    await conn.connection.close().catch(() => undefined);
  }
}

/** A schedule as status shows it; `exists: false` when there is none. */
async function describeSchedule(client: Client, id: string, expected: boolean): Promise<ScheduleStatus> {
  const schedule: ScheduleStatus = { id, exists: false, expected, paused: false, every: [], cron: [], nextRunAt: null };
  try {
    const d = await timeout(client.schedule.getHandle(id).describe(), 'DescribeSchedule');
    schedule.exists = true;
    schedule.paused = d.state.paused;
    schedule.every = d.spec.intervals?.map((i) => durationText(i.every)) ?? [];
    schedule.cron = (d.spec.calendars ?? []).map((c) => c.comment ?? JSON.stringify(c));
    schedule.nextRunAt = d.info.nextActionTimes[0]?.toISOString() ?? null;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw new Error(`the schedule ${id} cannot be read: ${(err as Error).message}`);
  }
  return schedule;
}

async function readStore(config: Config, now: Date): Promise<{ runs: RunsStatus | null; storeError: string | null }> {
  let db: Store | undefined;
  try {
    db = await openStore(config);
    return { runs: await readRunsStatus(db, config, now), storeError: null };
  } catch (err) {
    return { runs: null, storeError: (err as Error).message };
  } finally {
    if (db) await closeStore(db);
  }
}

export async function status(opts: StatusOptions): Promise<void> {
  const { config } = loadConfigOrExit(opts);
  const now = new Date();
  const [{ temporal, schedule, deltaSchedule = null }, { runs, storeError }] = await Promise.all([readTemporal(config), readStore(config, now)]);
  // Connection errors may quote the config (a PostgreSQL URL): scrub its secret values, as every error is.
  const secrets = collectSecretValues(config);
  if (temporal.error) temporal.error = redactSecrets(temporal.error, secrets);
  const attention = attentionOf({ runs, storeError: storeError && redactSecrets(storeError, secrets), temporal, schedule, deltaSchedule });
  const report = {
    ok: attention.length === 0,
    attention,
    checkedAt: now.toISOString(),
    versions: { zccSync: packageVersion(), temporalServer: temporal.serverVersion },
    temporal,
    schedule,
    deltaSchedule,
    staleness: runs?.staleness ?? null,
    lastRuns: runs?.lastRuns ?? null,
    held: runs?.held ?? null,
    lastReconcile: runs?.lastFinishedReconcile ?? null,
    lastReconcileFailures: runs?.lastReconcileFailures ?? null,
  };
  setExitCode(report.ok ? EXIT_OK : EXIT_FAILED);
  if (opts.json) return printJson(report);
  printScreen(report, runs, temporal, schedule, now, deltaSchedule);
}

function when(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const ms = now.getTime() - Date.parse(iso);
  return `${iso.replace('T', ' ').slice(0, 19)}Z (${ms >= 0 ? `${humanAge(ms)} ago` : `in ${humanAge(-ms)}`})`;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : humanAge(ms);
}

function printScreen(
  report: { ok: boolean; attention: string[]; versions: { zccSync: string; temporalServer: string | null } },
  runs: RunsStatus | null,
  temporal: TemporalStatus,
  schedule: ScheduleStatus | null,
  now: Date,
  deltaSchedule: ScheduleStatus | null,
): void {
  const server = temporal.reachable ? `Temporal server ${temporal.serverVersion ?? '(version unknown)'} at ${temporal.address}` : `Temporal at ${temporal.address || '(no address)'} UNREACHABLE`;
  printLine(`zcc-sync ${report.versions.zccSync} · ${server} · namespace ${temporal.namespace}, task queue ${temporal.taskQueue}`);
  const pollers = temporal.workerPollers === null ? 'unknown' : temporal.workerPollers === 0 ? 'NONE polling' : `${temporal.workerPollers} polling`;
  if (temporal.reachable) printLine(`Workers:   ${pollers}`);
  if (!schedule) printLine(`Schedule:  unknown${temporal.reachable ? '' : ' (Temporal unreachable)'}`);
  else if (!schedule.exists) printLine(`Schedule:  none${schedule.expected ? ' (the config sets one: zcc-sync schedule set)' : ' (reconciles run only when started: zcc-sync apply)'}`);
  else {
    const spec = [...schedule.every.map((e) => `every ${e}`), ...schedule.cron.map((c) => `cron "${c}"`)].join(', ') || 'no times';
    printLine(`Schedule:  ${schedule.id} ${schedule.paused ? 'PAUSED' : 'active'}, ${spec}; next run ${schedule.paused ? '-' : when(schedule.nextRunAt, now)}`);
  }
  if (deltaSchedule?.exists) {
    printLine(`Delta:     ${deltaSchedule.id} ${deltaSchedule.paused ? 'PAUSED' : 'active'}, every ${deltaSchedule.every.join(', ')}; next poll ${deltaSchedule.paused ? '-' : when(deltaSchedule.nextRunAt, now)}`);
  } else if (deltaSchedule?.expected) printLine('Delta:     none (the config sets schedule.delta.every: zcc-sync schedule set)');
  if (runs) {
    const st = runs.staleness;
    const last = st.lastSuccessAt ? `last successful reconcile ${st.lastSuccessRunId} ${when(st.lastSuccessAt, now)}` : 'no reconcile completed yet';
    printLine(`Staleness: ${st.stale ? 'STALE' : 'ok'} — ${last}; stale after ${humanAge(st.staleAfterMs)}`);
    printLine('');
    printLine('Last runs:');
    printLine(`  ${'KIND'.padEnd(10)}${'RUN'.padEnd(24)}${'STATUS'.padEnd(11)}${'STARTED'.padEnd(36)}${'DURATION'.padEnd(10)}FAILURES  TRIGGER`);
    for (const kind of RUN_KINDS) {
      const r: RunBrief | null = runs.lastRuns[kind];
      if (!r) printLine(`  ${kind.padEnd(10)}(none)`);
      else printLine(`  ${kind.padEnd(10)}${r.runId.padEnd(24)}${r.status.padEnd(11)}${when(r.startedAt, now).padEnd(36)}${seconds(r.durationMs).padEnd(10)}${String(r.failures ?? '-').padEnd(10)}${r.trigger}`);
    }
    if (runs.held.length) {
      printLine('');
      printLine(`Held for approval (${runs.held.length}):`);
      for (const h of runs.held) {
        printLine(`  ${h.runId} held ${humanAge(h.ageMs)}: ${h.reasons.join('; ') || '(no reason recorded)'}`);
        printLine(`    approve: zcc-sync runs approve ${h.runId}    reject: zcc-sync runs reject ${h.runId}`);
      }
    }
    const f = runs.lastReconcileFailures;
    const lr = runs.lastFinishedReconcile;
    if (lr && f && f.total > 0) {
      printLine('');
      printLine(`Failures of the last reconcile ${lr.runId} (${f.total}${f.total > f.shown.length ? `, first ${f.shown.length}; all: zcc-sync runs show ${lr.runId}` : ''}):`);
      for (const x of f.shown) printLine(`  ${x.email} ${x.kind}: ${x.outcome.replace(/_/g, ' ')}${x.error ? ` — ${x.error}` : ''}`);
    }
  }
  printLine('');
  if (report.ok) printLine('OK: nothing needs attention.');
  else {
    printLine(`ATTENTION (${report.attention.length}):`);
    for (const a of report.attention) printLine(`  ! ${a}`);
  }
}
