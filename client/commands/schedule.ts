/**
 * `zcc-sync schedule set|show|pause|resume|trigger|delete`: the Temporal Schedules that run
 * reconciles on their own — the full reconcile's and, when a delta interval is given, the delta
 * reconcile's (`<scheduleId>-delta`) (client/actions/schedule.ts).
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import type { ScheduleOptions } from '../actions/schedule';

/** Loaded when a schedule command runs, not at start-up: it brings the Temporal client. */
const actions = () => import('../actions/schedule');

export function register(program: Command): void {
  const schedule = program.command('schedule').description('the Temporal Schedules that run reconciles (full, and delta when configured): set, show, pause, resume, trigger, delete');
  const sub = (name: string, description: string) => withJsonOption(withConfigOption(schedule.command(name).description(description)));
  sub('set', 'create or change the schedules (without --every/--cron: from the config\'s schedule section); a delta schedule exists when schedule.delta.every or --delta-every is given, and is deleted otherwise')
    .option('--every <duration>', 'full reconcile interval, e.g. 30s, 15m, 1h').option('--cron <expr>', 'full reconcile cron expression, e.g. "*/15 * * * *"')
    .option('--delta-every <duration>', 'delta reconcile interval, e.g. 30s (default: schedule.delta.every)')
    .action(async (opts: ScheduleOptions) => (await actions()).setSchedule(opts));
  sub('show', 'the schedules, their next and recent runs').action(async (opts: ScheduleOptions) => (await actions()).showSchedule(opts));
  sub('pause', 'stop starting reconciles (full and delta) until resumed').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'pause'));
  sub('resume', 'start reconciles (full and delta) again').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'resume'));
  sub('trigger', 'start one reconcile now (skipped if one is running)').option('--delta', 'trigger the delta schedule instead of the full one')
    .action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'trigger'));
  sub('delete', 'remove the schedules (full and delta)').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'delete'));
}
