/**
 * What `zcc-sync schedule set|show|pause|resume|trigger|delete` do (their options:
 * client/commands/schedule.ts). Overlap SKIP: a tick while a reconcile still runs starts nothing.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import { reconcileWorkflow } from '../../workflows/reconcile';
import { EXIT_FAILED, fail, printJson, printLine, type ConfigOptions, type JsonOptions } from '../common';
import { withSession, type Session } from '../session';
import { scheduleId, scheduledWorkflowId } from '../../src/temporal/ids';

export interface ScheduleOptions extends ConfigOptions, JsonOptions {
  every?: string;
  cron?: string;
}

export type ScheduleAction = 'pause' | 'resume' | 'trigger' | 'delete';

export const setSchedule = (opts: ScheduleOptions) => withSession(opts, (s) => set(s, opts));
export const showSchedule = (opts: ScheduleOptions) => withSession(opts, (s) => show(s, opts));
export const actOnSchedule = (opts: ScheduleOptions, what: ScheduleAction) => withSession(opts, (s) => act(s, opts, what));

/** Parses `--every`/`--cron` into a spec; bad input names the flag, the value and the fix. */
export function scheduleSpec(opts: { every?: string; cron?: string }): ScheduleSpec {
  if (Boolean(opts.every) === Boolean(opts.cron)) fail('schedule set: give exactly one of --every DURATION (e.g. 15m) or --cron "EXPR" (or set schedule.every or schedule.cron in the config)');
  if (opts.every) {
    const m = /^(\d+)(s|m|h|d)$/.exec(opts.every.trim());
    if (!m || Number(m[1]) === 0) fail(`--every: got "${opts.every}" — expected a whole number with s, m, h or d, such as 30s, 15m or 1h`);
    return { intervals: [{ every: opts.every.trim() as `${number}${'s' | 'm' | 'h' | 'd'}` }] };
  }
  const cron = (opts.cron ?? '').trim();
  if (cron.split(/\s+/).length !== 5) fail(`--cron: got "${cron}" — expected 5 fields (minute hour day-of-month month day-of-week), such as "*/15 * * * *"`);
  return { cronExpressions: [cron] };
}

async function set(s: Session, opts: ScheduleOptions): Promise<void> {
  // Without flags, the config's `schedule` section says when (every or cron) and whether paused.
  const fromConfig = !opts.every && !opts.cron;
  if (fromConfig) opts = { ...opts, every: s.config.schedule.every, cron: s.config.schedule.cron };
  const spec = scheduleSpec(opts);
  const action: ScheduleOptionsStartWorkflowAction<typeof reconcileWorkflow> = {
    type: 'startWorkflow',
    workflowType: reconcileWorkflow,
    workflowId: scheduledWorkflowId(s.config),
    taskQueue: s.config.temporal.taskQueue,
    args: [{ mode: 'apply', trigger: 'schedule' }],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  const handle = s.client.schedule.getHandle(scheduleId(s.config));
  let created = false;
  try {
    await handle.update((prev) => ({ ...prev, spec, action, policies }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await s.client.schedule.create({ scheduleId: scheduleId(s.config), spec, action, policies });
    created = true;
  }
  if (fromConfig && s.config.schedule.paused) await handle.pause('schedule.paused is true in the config');
  if (opts.json) printJson({ scheduleId: scheduleId(s.config), created, every: opts.every ?? null, cron: opts.cron ?? null });
  else printLine(`Schedule ${scheduleId(s.config)} ${created ? 'created' : 'updated'}: reconcile ${opts.every ? `every ${opts.every}` : `on cron "${opts.cron}"`}.`);
}

async function show(s: Session, opts: ScheduleOptions): Promise<void> {
  const d = await describe(s);
  const spec = d.spec;
  const info = {
    scheduleId: scheduleId(s.config),
    paused: d.state.paused,
    every: spec.intervals?.map((i) => String(i.every)) ?? [],
    cron: (spec.calendars ?? []).map((c) => c.comment ?? JSON.stringify(c)),
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.slice(-5).map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    skippedOverlaps: d.info.numActionsSkippedOverlap,
  };
  if (opts.json) return printJson(info);
  printLine(`Schedule ${scheduleId(s.config)}: ${info.paused ? 'PAUSED' : 'active'}`);
  if (info.every.length) printLine(`  every:     ${info.every.join(', ')}`);
  if (info.cron.length) printLine(`  cron:      ${info.cron.join(', ')}`);
  printLine(`  next runs: ${info.nextRuns.join(', ') || '(none)'}`);
  printLine(`  recent:    ${info.recentRuns.map((r) => r.at).join(', ') || '(none yet)'}; skipped while busy: ${info.skippedOverlaps}`);
}

async function describe(s: Session) {
  try {
    return await s.client.schedule.getHandle(scheduleId(s.config)).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) fail('no schedule yet (fix: `zcc-sync schedule set --every 15m`)', EXIT_FAILED);
    throw err;
  }
}

async function act(s: Session, opts: ScheduleOptions, what: ScheduleAction): Promise<void> {
  await describe(s); // a clear error when there is no schedule
  const handle = s.client.schedule.getHandle(scheduleId(s.config));
  if (what === 'pause') await handle.pause('paused with zcc-sync schedule pause');
  if (what === 'resume') await handle.unpause('resumed with zcc-sync schedule resume');
  if (what === 'trigger') await handle.trigger(ScheduleOverlapPolicy.SKIP);
  if (what === 'delete') await handle.delete();
  const past = { pause: 'paused', resume: 'resumed', trigger: 'triggered', delete: 'deleted' }[what];
  if (opts.json) printJson({ scheduleId: scheduleId(s.config), [past]: true });
  else printLine(`Schedule ${scheduleId(s.config)} ${past}.`);
}
