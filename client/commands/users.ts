/**
 * `zcc-sync users list | assign | edit | remove`: the ZCC portal's user management, in bulk and
 * scripted (client/actions/users.ts). `list` reads ZCC directly; every write is a durable
 * workflow (`adminJobWorkflow`) whose changes go through the same apply engine as a reconcile,
 * with an audit row per change. `users sync` reconciles named users now (client/users/sync.ts);
 * `users explain` says why a user has what they have (client/actions/explain.ts).
 */
import type { Command } from 'commander';
import { withConfigOption, withJsonOption, type ConfigOptions, type JsonOptions } from '../common';
import { PACKAGES } from '../help-defaults';
import type { ListOptions } from '../users/list';
import type { WriteOptions } from '../users/job';
import type { ExplainOptions } from '../actions/explain';
import type { SyncOptions } from '../users/sync';

/** Loaded when a users command runs, not at start-up: it brings the Zoom client, Temporal and the store. */
const actions = () => import('../actions/users');

const repeat = (value: string, previous: string[] = []) => [...previous, value];

interface AssignOptions extends WriteOptions {
  role?: string;
  package?: string;
  queue?: string[];
  set?: string[];
}

interface EditOptions extends WriteOptions {
  role?: string;
  package?: string;
  status?: string;
  addQueue?: string[];
  removeQueue?: string[];
  set?: string[];
}

export function register(program: Command): void {
  const users = program.command('users').description('ZCC users: list, assign licenses, edit, remove licenses (each write is a durable workflow)');

  const list = users
    .command('list')
    .description('ZCC users with role, package, access and queues (read-only)')
    .option('--search <text>', "email or name contains TEXT (the API's search_key)")
    .option('--queue <name>', 'only agents of this queue')
    .option('--status <status>', 'only active or inactive users (user_access)')
    .option('--role <name>', 'only users with this role');
  withJsonOption(withConfigOption(list)).action(async (opts: ListOptions & ConfigOptions & JsonOptions) => (await actions()).list(opts));

  const writeOptions = (cmd: Command, csvColumns: string, yes?: string) => {
    cmd.option('-f, --file <users.csv>', `the users, from a CSV with a header line (${csvColumns})`);
    if (yes) cmd.option('-y, --yes', yes);
    cmd.option('--no-wait', 'print the workflow id and return at once').option('--as <name>', 'who asks, for the audit log (default: the OS user)');
    return withJsonOption(withConfigOption(cmd));
  };

  const assign = users
    .command('assign [emails...]')
    .description('assign ZCC licenses to existing Zoom users (users that already have one are left as they are: see edit)')
    .option('--role <name>', 'role of the new licenses (required, unless every CSV row names one)')
    .option('--package <package>', `license package: ${PACKAGES.join(', ')} (default essentials)`)
    .option('--queue <name>', 'add the users to this queue (repeatable)', repeat)
    .option('--set <field=value>', 'a ZCC user setting, e.g. country_iso_code=US (repeatable)', repeat);
  writeOptions(assign, 'email required; role, package and ;-separated queues optional per row', 'do not ask for confirmation in a terminal').action(async (emails: string[], opts: AssignOptions) =>
    (await actions()).write({ kind: 'assign', emails, role: opts.role, package: opts.package, queues: opts.queue, set: opts.set }, opts));

  const edit = users
    .command('edit [emails...]')
    .description('change the role, package, access status, queues or settings of ZCC users')
    .option('--role <name>', 'new role')
    .option('--package <package>', `new package: ${PACKAGES.join(', ')}`)
    .option('--status <status>', 'access status: active or inactive')
    .option('--add-queue <name>', 'add to this queue (repeatable)', repeat)
    .option('--remove-queue <name>', 'remove from this queue (repeatable)', repeat)
    .option('--set <field=value>', 'a ZCC user setting, e.g. channel_settings.multi_channel_engagements.enable=true (repeatable)', repeat);
  writeOptions(edit, 'email required; role and package optional per row').action(async (emails: string[], opts: EditOptions) =>
    (await actions()).write({ kind: 'edit', emails, role: opts.role, package: opts.package, status: opts.status, addQueues: opts.addQueue, removeQueues: opts.removeQueue, set: opts.set }, opts));

  const remove = users.command('remove [emails...]').description('remove the ZCC license of users (asks for confirmation in a terminal unless --yes)');
  writeOptions(remove, 'email; other columns are ignored', 'do not ask for confirmation (required when not in a terminal)').action(async (emails: string[], opts: WriteOptions) => (await actions()).write({ kind: 'remove', emails }, opts));

  // Provision on demand: a reconcile of just these users (syncUsersWorkflow), then its trace.
  const sync = users
    .command('sync <emails...>')
    .description('reconcile these users now, from the directory to ZCC (joiners, movers, leavers, disabled accounts), and print what happened step by step: groups, winning mapping, desired vs ZCC, each change and its outcome (exit 0 completed, 1 failed, 3 held)')
    .option('--as <name>', 'who asks, for the audit log (default: the OS user)');
  withJsonOption(withConfigOption(sync)).action(async (emails: string[], opts: SyncOptions) => (await import('../users/sync')).syncUsers(emails, opts));

  // Read-only and workflow-free: its own action module (directory, ZCC and store reads for one user).
  const explain = users
    .command('explain <email>')
    .description('why this user has what they have: directory entry and group paths, matching mappings, desired vs ZCC, what the next reconcile does and why, history');
  withJsonOption(withConfigOption(explain)).action(async (email: string, opts: ExplainOptions) => (await import('../actions/explain')).explain(email, opts));
}
