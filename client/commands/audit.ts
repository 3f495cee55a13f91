/**
 * `zcc-sync audit [--user EMAIL] [--run RUN] [--since TIME] [--until TIME] [--op KIND]
 * [--actor NAME] [--format table|json|csv]`: the audit log, searched and streamed
 * (client/actions/audit.ts).
 */
import type { Command } from 'commander';
import { withConfigOption } from '../common';
import type { AuditOptions } from '../actions/audit';

/** Loaded when audit runs, not at start-up: it brings the store. */
const actions = () => import('../actions/audit');

export function register(program: Command): void {
  withConfigOption(program.command('audit'))
    .description('every change and decision, oldest first: who, which user, before/after, result; streamed, any size')
    .option('--user <email>', 'changes to this user')
    .option('--run <run>', 'of one run: a run id, a unique prefix of one, or a workflow id (its latest run)')
    .option('--since <time>', 'at or after: an ISO time (2026-12-01, 2026-12-01T08:00Z, UTC unless it has an offset) or an age (90m, 24h, 7d)')
    .option('--until <time>', 'before: the same forms (a date alone includes that whole day)')
    .option('--op <kind>', 'these ops, comma-separated: create, update, queueAdd, queueRemove, deactivate, remove, approve, reject')
    .option('--actor <name>', 'who or what: schedule, cli:NAME, console:NAME, or NAME (matches NAME, cli:NAME and console:NAME)')
    .option('--format <format>', 'table (default), json or csv')
    .option('--json', 'the same as --format json')
    .action(async (opts: AuditOptions) => (await actions()).audit(opts));
}
