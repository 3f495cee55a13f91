/**
 * `zcc-sync schedule set|show|pause|resume|trigger|delete`: the Temporal Schedule that runs
 * reconciles on their own (client/actions/schedule.ts).
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption } from '../common';
import type { ScheduleOptions } from '../actions/schedule';

/** Loaded when a schedule command runs, not at start-up: it brings the Temporal client. */
const actions = () => import('../actions/schedule');

export function register(program: Command): void {
  const schedule = program.command('schedule').description('the Temporal Schedule that runs reconciles: set, show, pause, resume, trigger, delete');
  const sub = (name: string, description: string) => withJsonOption(withConfigOption(schedule.command(name).description(description)));
  sub('set', 'create or change the schedule (without flags: from the config\'s schedule section)').option('--every <duration>', 'interval, e.g. 30s, 15m, 1h').option('--cron <expr>', 'cron expression, e.g. "*/15 * * * *"')
    .action(async (opts: ScheduleOptions) => (await actions()).setSchedule(opts));
  sub('show', 'the schedule, its next and recent runs').action(async (opts: ScheduleOptions) => (await actions()).showSchedule(opts));
  sub('pause', 'stop starting reconciles until resumed').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'pause'));
  sub('resume', 'start reconciles again').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'resume'));
  sub('trigger', 'start one reconcile now (skipped if one is running)').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'trigger'));
  sub('delete', 'remove the schedule').action(async (opts: ScheduleOptions) => (await actions()).actOnSchedule(opts, 'delete'));
}
