/**
 * The store's schema, as an in-code knex migration source (no files to ship or locate).
 * Written with portable knex schema calls so the same migrations run on SQLite and PostgreSQL.
 * JSON columns are text holding JSON: portable, and nothing queries inside them.
 */
import type { Knex } from 'knex';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Migration[] = [
  {
    name: '001_runs_and_snapshots',
    async up(knex) {
      // One row per workflow run that changes (or previews) ZCC: reconciles and admin jobs.
      await knex.schema.createTable('runs', (t) => {
        t.string('id').primary(); // run id: short, unique, shown by the CLI (`runs show RUN`)
        t.string('workflow_id').notNullable().index(); // Temporal workflow id (fixed for admin-triggered reconciles)
        t.string('temporal_run_id'); // Temporal run id of the first execution (continue-as-new keeps the run)
        t.string('kind').notNullable(); // reconcile | plan | assign | edit | remove
        t.string('trigger').notNullable(); // schedule | cli:<user> | test
        t.string('status').notNullable(); // planning | held | applying | completed | failed | rejected | expired | cancelled
        t.text('summary'); // JSON PlanSummary
        t.text('report'); // JSON report
        t.text('warnings'); // JSON string[]
        t.integer('directory_users');
        t.string('created_at').notNullable();
        t.string('updated_at').notNullable();
        t.string('finished_at');
      });
      // Directory snapshot of a run: one row per resolved directory user.
      await knex.schema.createTable('directory_snapshot', (t) => {
        t.string('run_id').notNullable();
        t.string('email').notNullable();
        t.string('display_name');
        t.string('unique_id');
        t.string('dn');
        t.text('groups').notNullable(); // JSON string[]
        t.primary(['run_id', 'email']);
      });
      // ZCC snapshot of a run: one row per ZCC user.
      await knex.schema.createTable('cc_snapshot', (t) => {
        t.string('run_id').notNullable();
        t.string('email').notNullable();
        t.string('user_id').notNullable();
        t.string('display_name');
        t.string('role_name');
        t.string('package_name');
        t.string('access');
        t.text('queues').notNullable(); // JSON string[]
        t.text('settings'); // JSON UserSettings
        t.primary(['run_id', 'email']);
      });
      // Planned (and applied) ops of a run. seq orders them; chunk groups them for apply.
      await knex.schema.createTable('ops', (t) => {
        t.string('run_id').notNullable();
        t.integer('seq').notNullable();
        t.string('kind').notNullable();
        t.integer('chunk').notNullable();
        t.string('email').notNullable();
        t.text('before');
        t.text('after');
        t.string('status').notNullable().defaultTo('pending'); // pending | done | already | not_zoom_user | failed | skipped
        t.text('error');
        t.string('updated_at');
        t.primary(['run_id', 'seq']);
        t.index(['run_id', 'kind', 'chunk']);
      });
      // Problems found while snapshotting (no email, duplicates, unreadable entries...).
      await knex.schema.createTable('run_warnings', (t) => {
        t.increments('id');
        t.string('run_id').notNullable().index();
        t.string('code').notNullable();
        t.string('subject');
        t.text('message').notNullable();
      });
    },
    async down(knex) {
      for (const t of ['run_warnings', 'ops', 'cc_snapshot', 'directory_snapshot', 'runs']) await knex.schema.dropTableIfExists(t);
    },
  },
  {
    name: '002_managed_and_audit',
    async up(knex) {
      // Users zcc-sync manages: provisioned by a reconcile or an admin assign.
      await knex.schema.createTable('managed_users', (t) => {
        t.string('email').primary();
        t.string('user_id');
        t.string('provisioned_by').notNullable(); // run id that first assigned the license
        t.string('provisioned_at').notNullable();
        t.string('deactivated_at'); // set when deactivated as a leaver
        t.string('removed_at'); // set when the license was removed (row kept for history)
      });
      // Every change, for audit: who or what, which user, before/after, result.
      await knex.schema.createTable('audit', (t) => {
        t.increments('id');
        t.string('run_id').notNullable().index();
        t.string('actor').notNullable();
        t.string('email').notNullable().index();
        t.string('op').notNullable();
        t.text('before');
        t.text('after');
        t.string('result').notNullable();
        t.text('error');
        t.string('at').notNullable();
      });
      // Last good reconcile's directory size, for the shrink guard.
      await knex.schema.createTable('kv', (t) => {
        t.string('key').primary();
        t.text('value').notNullable();
      });
    },
    async down(knex) {
      for (const t of ['kv', 'audit', 'managed_users']) await knex.schema.dropTableIfExists(t);
    },
  },
  {
    name: '003_jobs_and_outbox',
    async up(knex) {
      // Admin jobs (users assign/edit/remove): the request, stored so payloads carry only the id.
      await knex.schema.createTable('jobs', (t) => {
        t.string('id').primary(); // workflow id
        t.string('kind').notNullable(); // assign | edit | remove
        t.string('actor').notNullable();
        t.text('params').notNullable(); // JSON: role, package, queues, settings, ...
        t.integer('total').notNullable();
        t.string('status').notNullable();
        t.string('created_at').notNullable();
        t.string('finished_at');
      });
      await knex.schema.createTable('job_items', (t) => {
        t.string('job_id').notNullable();
        t.integer('seq').notNullable();
        t.string('email').notNullable();
        t.text('params'); // JSON per-row overrides (role, package, queues from CSV)
        t.string('outcome'); // null until processed; done | already | not_zoom_user | failed
        t.text('error');
        t.primary(['job_id', 'seq']);
      });
      // Email outbox: one row per (workflow, user, event); sent exactly once.
      await knex.schema.createTable('outbox', (t) => {
        t.increments('id');
        t.string('dedupe_key').notNullable().unique(); // `${workflowId}|${recipient}|${event}`
        t.string('workflow_id').notNullable().index();
        t.string('event').notNullable();
        t.string('recipient').notNullable();
        t.string('subject').notNullable();
        t.text('text').notNullable();
        t.text('html').notNullable();
        t.string('status').notNullable().defaultTo('pending'); // pending | sending | sent | failed
        t.string('message_id'); // Message-ID header we set, so a resend after a crash can be detected
        t.integer('attempts').notNullable().defaultTo(0);
        t.text('error');
        t.string('created_at').notNullable();
        t.string('sent_at');
      });
    },
    async down(knex) {
      for (const t of ['outbox', 'job_items', 'jobs']) await knex.schema.dropTableIfExists(t);
    },
  },
  {
    name: '004_outbox_claims',
    async up(knex) {
      // Outbox statuses become: pending | sending | sent | failed | unknown | skipped (see src/mail/outbox.ts).
      // claimed_at: when a deliverer took the row (pending → sending); a row left in `sending` long
      // after that belongs to a deliverer that died mid-send, and is not resent blindly.
      await knex.schema.alterTable('outbox', (t) => {
        t.string('claimed_at');
        t.index(['status', 'workflow_id']);
      });
    },
    async down(knex) {
      await knex.schema.alterTable('outbox', (t) => {
        t.dropIndex(['status', 'workflow_id']);
        t.dropColumn('claimed_at');
      });
    },
  },
  {
    name: '005_ops_by_email',
    async up(knex) {
      // Per-user reads of a run's ops (the one-email-per-user notifications page by email).
      await knex.schema.alterTable('ops', (t) => t.index(['run_id', 'email']));
    },
    async down(knex) {
      await knex.schema.alterTable('ops', (t) => t.dropIndex(['run_id', 'email']));
    },
  },
  {
    name: '006_cc_queue_members',
    async up(knex) {
      // A reconcile's ZCC snapshot: queue membership apart from the users, so users and every
      // mapped queue's agents are read at the same time and written page by page.
      await knex.schema.createTable('cc_queue_members', (t) => {
        t.string('run_id').notNullable();
        t.string('email').notNullable();
        t.string('queue').notNullable();
        t.primary(['run_id', 'email', 'queue']);
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('cc_queue_members');
    },
  },
  {
    name: '007_outbox_by_recipient',
    async up(knex) {
      // "Which users of this run have no email queued yet?" (the end of a run, activities/notify.ts).
      await knex.schema.alterTable('outbox', (t) => t.index(['workflow_id', 'recipient']));
    },
    async down(knex) {
      await knex.schema.alterTable('outbox', (t) => t.dropIndex(['workflow_id', 'recipient']));
    },
  },
  {
    name: '008_disabled_accounts',
    async up(knex) {
      // A directory user disabled in the directory (a leaver with their groups unchanged), and why
      // a leaver's op was planned (`disabled`), shown in plans and reports.
      await knex.schema.alterTable('directory_snapshot', (t) => t.boolean('disabled').notNullable().defaultTo(false));
      await knex.schema.alterTable('ops', (t) => t.string('reason'));
    },
    async down(knex) {
      await knex.schema.alterTable('ops', (t) => t.dropColumn('reason'));
      await knex.schema.alterTable('directory_snapshot', (t) => t.dropColumn('disabled'));
    },
  },
  {
    name: '009_delta_and_on_demand',
    async up(knex) {
      // Which kind of reconcile a run is: the whole directory (`full`), what changed since the
      // last run (`delta`) or named users (`sync`). Runs list and reports show it.
      await knex.schema.alterTable('runs', (t) => t.string('scope').notNullable().defaultTo('full'));
      // The directory as the last applied run saw it (a directory_snapshot row without run id):
      // a delta run compares the directory with it and plans only the users who differ.
      await knex.schema.createTable('directory_mirror', (t) => {
        t.string('email').primary();
        t.string('display_name');
        t.string('unique_id');
        t.string('dn');
        t.text('groups');
        t.boolean('disabled').notNullable().defaultTo(false);
      });
      // The users a delta or on-demand run plans: its managed users are read for these only
      // (every other managed user is outside the run, not a leaver).
      await knex.schema.createTable('run_scope', (t) => {
        t.string('run_id').notNullable();
        t.string('email').notNullable();
        t.primary(['run_id', 'email']);
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('run_scope');
      await knex.schema.dropTableIfExists('directory_mirror');
      await knex.schema.alterTable('runs', (t) => t.dropColumn('scope'));
    },
  },
  {
    name: '010_zcc_mirror',
    async up(knex) {
      // ZCC's users as zcc-sync last saw them (src/store/zcc-mirror.ts): replaced from each full
      // run's snapshot, moved by every op that took effect and by the per-user reads of delta and
      // on-demand runs. The console pages, searches and filters it instead of listing ZCC live.
      await knex.schema.createTable('zcc_users', (t) => {
        t.string('email').primary(); // lower-cased
        t.string('user_id');
        t.string('display_name');
        t.string('role_name');
        t.string('package_name');
        t.string('access'); // active | inactive
        t.string('updated_at').notNullable();
        t.string('updated_by_run');
        t.index(['role_name']);
        t.index(['access']);
      });
      // Queue membership by queue NAME: the mapped queues' agents (full runs read those), plus
      // the queue changes zcc-sync made.
      await knex.schema.createTable('zcc_user_queues', (t) => {
        t.string('email').notNullable();
        t.string('queue').notNullable();
        t.primary(['email', 'queue']);
        t.index(['queue', 'email']); // "users of this queue" without touching the table
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('zcc_user_queues');
      await knex.schema.dropTableIfExists('zcc_users');
    },
  },
  {
    name: '011_job_origin',
    async up(knex) {
      // Where an admin job was asked for (cli | console): its run's trigger is `ORIGIN:ACTOR`.
      // Jobs stored before this column came from the CLI, the only origin there was.
      await knex.schema.alterTable('jobs', (t) => t.string('origin').notNullable().defaultTo('cli'));
    },
    async down(knex) {
      await knex.schema.alterTable('jobs', (t) => t.dropColumn('origin'));
    },
  },
  {
    name: '012_pending_leavers',
    async up(knex) {
      // Leavers whose change failed (deleted entries, old emails, users out of every mapped group):
      // no directory entry and no mirror row names them any more, so every delta run plans them
      // again until a run settles them (see src/store/pending-leavers.ts).
      await knex.schema.createTable('pending_leavers', (t) => {
        t.string('email').primary();
        t.string('run_id').notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('pending_leavers');
    },
  },
];

/** knex MigrationSource over the in-code list above. */
export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
