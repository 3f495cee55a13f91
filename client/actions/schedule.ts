/**
 * What `zcc-sync schedule set|show|pause|resume|trigger|delete` do (their options:
 * client/commands/schedule.ts). Overlap SKIP: a tick while a reconcile still runs starts nothing.
 *
 * Two schedules: the full reconcile's (`<taskQueue>-reconcile`, `schedule.every` or `cron`), and,
 * when `schedule.delta.every` (or `--delta-every`) is given, the delta reconcile's
 * (`<taskQueue>-reconcile-delta`): a cheap poll of the directory's changes every few seconds.
 * `set` makes the delta schedule exist exactly when a delta interval is given; pause, resume and
 * delete act on both; `trigger --delta` starts one delta.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleHandle, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec, type Workflow } from '@temporalio/client';
import { reconcileWorkflow } from '../../workflows/reconcile';
import { deltaReconcileWorkflow } from '../../workflows/scoped-reconcile';
import { EXIT_FAILED, fail, printJson, printLine, type ConfigOptions, type JsonOptions } from '../common';
import { withSession, type Session } from '../session';
import { deltaScheduledWorkflowId, deltaScheduleId, scheduleId, scheduledWorkflowId } from '../../src/temporal/ids';
import { describeIfExists, durationText, infoOf, type ScheduleInfo } from '../../src/temporal/schedule-info';

export interface ScheduleOptions extends ConfigOptions, JsonOptions {
  every?: string;
  cron?: string;
  /** `set`: the delta schedule's interval (else `schedule.delta.every`). */
  deltaEvery?: string;
  /** `trigger`: the delta schedule instead of the full one. */
  delta?: boolean;
}

export type ScheduleAction = 'pause' | 'resume' | 'trigger' | 'delete';

export const setSchedule = (opts: ScheduleOptions) => withSession(opts, (s) => set(s, opts));
export const showSchedule = (opts: ScheduleOptions) => withSession(opts, (s) => show(s, opts));
export const actOnSchedule = (opts: ScheduleOptions, what: ScheduleAction) => withSession(opts, (s) => act(s, opts, what));

type Every = `${number}${'s' | 'm' | 'h' | 'd'}`;

/** A tick missed by more than this (the server was down) is dropped: the next one comes soon. */
const DELTA_CATCHUP = '10 seconds';

/** Parses `--every`/`--cron` into a spec; bad input names the flag, the value and the fix. */
export function scheduleSpec(opts: { every?: string; cron?: string }): ScheduleSpec {
  if (Boolean(opts.every) === Boolean(opts.cron)) fail('schedule set: give exactly one of --every DURATION (e.g. 15m) or --cron "EXPR" (or set schedule.every or schedule.cron in the config)');
  if (opts.every) return { intervals: [{ every: parseEvery('--every', opts.every) }] };
  const cron = (opts.cron ?? '').trim();
  if (cron.split(/\s+/).length !== 5) fail(`--cron: got "${cron}" — expected 5 fields (minute hour day-of-month month day-of-week), such as "*/15 * * * *"`);
  return { cronExpressions: [cron] };
}

function parseEvery(flag: string, value: string): Every {
  const m = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  if (!m || Number(m[1]) === 0) fail(`${flag}: got "${value}" — expected a whole number with s, m, h or d, such as 30s, 15m or 1h`);
  return value.trim() as Every;
}

/** Creates the schedule or replaces its spec, action and policies; true when it was created. */
async function upsert<W extends Workflow>(s: Session, id: string, spec: ScheduleSpec, action: ScheduleOptionsStartWorkflowAction<W>, policies: { overlap: ScheduleOverlapPolicy; catchupWindow: '1 minute' | typeof DELTA_CATCHUP }): Promise<boolean> {
  try {
    await s.client.schedule.getHandle(id).update((prev) => ({ ...prev, spec, action, policies }));
    return false;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await s.client.schedule.create({ scheduleId: id, spec, action, policies });
    return true;
  }
}

async function set(s: Session, opts: ScheduleOptions): Promise<void> {
  // Without flags, the config's `schedule` section says when (every or cron) and whether paused.
  const fromConfig = !opts.every && !opts.cron;
  if (fromConfig) opts = { ...opts, every: s.config.schedule.every, cron: s.config.schedule.cron };
  const spec = scheduleSpec(opts);
  const deltaEvery = opts.deltaEvery ?? s.config.schedule.delta?.every;
  const deltaSpec: ScheduleSpec | null = deltaEvery ? { intervals: [{ every: parseEvery(opts.deltaEvery ? '--delta-every' : 'schedule.delta.every', deltaEvery) }] } : null;
  const paused = fromConfig && s.config.schedule.paused;

  const created = await upsert(s, scheduleId(s.config), spec, {
    type: 'startWorkflow',
    workflowType: reconcileWorkflow,
    workflowId: scheduledWorkflowId(s.config),
    taskQueue: s.config.temporal.taskQueue,
    args: [{ mode: 'apply', trigger: 'schedule' }],
  }, { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' });
  if (paused) await s.client.schedule.getHandle(scheduleId(s.config)).pause('schedule.paused is true in the config');

  let delta: { scheduleId: string; created: boolean; every: string } | null = null;
  let deltaRemoved = false;
  if (deltaSpec && deltaEvery) {
    // SKIP: a tick while a delta still runs starts nothing; a short catch-up: a missed poll is not worth replaying.
    const deltaCreated = await upsert(s, deltaScheduleId(s.config), deltaSpec, {
      type: 'startWorkflow',
      workflowType: deltaReconcileWorkflow,
      workflowId: deltaScheduledWorkflowId(s.config),
      taskQueue: s.config.temporal.taskQueue,
      args: [{ trigger: 'schedule' }],
    }, { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: DELTA_CATCHUP });
    if (paused) await s.client.schedule.getHandle(deltaScheduleId(s.config)).pause('schedule.paused is true in the config');
    delta = { scheduleId: deltaScheduleId(s.config), created: deltaCreated, every: deltaEvery.trim() };
  } else {
    // No delta interval given: the delta schedule, if an earlier `set` made one, goes.
    deltaRemoved = await deleteIfExists(s.client.schedule.getHandle(deltaScheduleId(s.config)));
  }

  if (opts.json) {
    printJson({ scheduleId: scheduleId(s.config), created, every: opts.every ?? null, cron: opts.cron ?? null, delta, deltaRemoved });
    return;
  }
  printLine(`Schedule ${scheduleId(s.config)} ${created ? 'created' : 'updated'}: reconcile ${opts.every ? `every ${opts.every}` : `on cron "${opts.cron}"`}${paused ? ' (paused)' : ''}.`);
  if (delta) printLine(`Schedule ${delta.scheduleId} ${delta.created ? 'created' : 'updated'}: delta reconcile every ${delta.every}${paused ? ' (paused)' : ''}.`);
  else if (deltaRemoved) printLine(`Schedule ${deltaScheduleId(s.config)} deleted: no delta interval (schedule.delta.every or --delta-every) was given.`);
}

async function deleteIfExists(handle: ScheduleHandle): Promise<boolean> {
  try {
    await handle.delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

async function show(s: Session, opts: ScheduleOptions): Promise<void> {
  const info = infoOf(scheduleId(s.config), await describe(s));
  const deltaDescription = await describeIfExists(s.client.schedule.getHandle(deltaScheduleId(s.config)));
  const delta = deltaDescription ? infoOf(deltaScheduleId(s.config), deltaDescription) : null;
  if (opts.json) return printJson({ ...info, delta });
  printInfo('reconcile', info);
  if (delta) printInfo('delta', delta);
  else printLine(`Delta schedule: none (set schedule.delta.every and run \`zcc-sync schedule set\`, or \`zcc-sync schedule set --delta-every 30s\`)`);
}

function printInfo(what: string, info: ScheduleInfo): void {
  printLine(`Schedule ${info.scheduleId} (${what}): ${info.paused ? 'PAUSED' : 'active'}`);
  if (info.every.length) printLine(`  every:     ${info.every.map(durationText).join(', ')}`);
  if (info.cron.length) printLine(`  cron:      ${info.cron.join(', ')}`);
  printLine(`  next runs: ${info.nextRuns.join(', ') || '(none)'}`);
  printLine(`  recent:    ${info.recentRuns.map((r) => r.at).join(', ') || '(none yet)'}; skipped while busy: ${info.skippedOverlaps}`);
}

async function describe(s: Session): Promise<ScheduleDescription> {
  const d = await describeIfExists(s.client.schedule.getHandle(scheduleId(s.config)));
  if (!d) fail('no schedule yet (fix: `zcc-sync schedule set --every 15m`)', EXIT_FAILED);
  return d;
}

async function act(s: Session, opts: ScheduleOptions, what: ScheduleAction): Promise<void> {
  const past = { pause: 'paused', resume: 'resumed', trigger: 'triggered', delete: 'deleted' }[what];
  const deltaHandle = s.client.schedule.getHandle(deltaScheduleId(s.config));
  if (what === 'trigger' && opts.delta) {
    if (!(await describeIfExists(deltaHandle))) {
      fail('no delta schedule (fix: set schedule.delta.every and run `zcc-sync schedule set`, or `zcc-sync schedule set --delta-every 30s`; `zcc-sync apply --delta` runs one delta without a schedule)', EXIT_FAILED);
    }
    await deltaHandle.trigger(ScheduleOverlapPolicy.SKIP);
    if (opts.json) printJson({ scheduleId: deltaScheduleId(s.config), triggered: true });
    else printLine(`Schedule ${deltaScheduleId(s.config)} triggered.`);
    return;
  }
  const handle = s.client.schedule.getHandle(scheduleId(s.config));
  // pause, resume and delete act on the delta schedule too, when there is one (even without the full one).
  const withDelta = what !== 'trigger' && (await describeIfExists(deltaHandle)) !== null;
  let withFull = true;
  if (withDelta) withFull = (await describeIfExists(handle)) !== null;
  else await describe(s); // a clear error when there is no schedule
  const handles = [...(withFull ? [handle] : []), ...(withDelta ? [deltaHandle] : [])];
  for (const h of handles) {
    if (what === 'pause') await h.pause('paused with zcc-sync schedule pause');
    if (what === 'resume') await h.unpause('resumed with zcc-sync schedule resume');
    if (what === 'trigger') await h.trigger(ScheduleOverlapPolicy.SKIP);
    if (what === 'delete') await h.delete();
  }
  const ids = handles.map((h) => h.scheduleId);
  const deltaId = withDelta ? deltaScheduleId(s.config) : null;
  if (opts.json) printJson({ scheduleId: withFull ? scheduleId(s.config) : null, [past]: true, deltaScheduleId: deltaId });
  else printLine(`Schedule ${ids.join(' and ')} ${past}.`);
}
