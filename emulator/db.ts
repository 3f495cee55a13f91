/**
 * The emulator's SQLite database (knex + sqlite3): in memory by default, a file with `db`.
 *
 * Every list is keyset-paged on an integer `seq` (insertion order), with an index per filter, so
 * a page costs the same at row 100 and at row 100,000. One pooled connection: in-memory SQLite
 * lives and dies with its connection, and one connection also serialises transactions.
 */
import knexFactory, { type Knex } from 'knex';

export type Db = Knex;

export async function openDb(file?: string): Promise<Db> {
  const db = knexFactory({
    client: 'sqlite3',
    connection: { filename: file ?? ':memory:' },
    useNullAsDefault: true,
    // Every query waits for the one connection; under a benchmark's load the queue can be long.
    acquireConnectionTimeout: 600_000,
    pool: {
      min: 1,
      max: 1,
      idleTimeoutMillis: 2_147_483_647,
      afterCreate(conn: { run(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        // The emulator's data is disposable: trade durability for speed.
        conn.run('PRAGMA journal_mode = WAL', () =>
          conn.run('PRAGMA synchronous = OFF', () => conn.run('PRAGMA foreign_keys = OFF', (err) => done(err, conn))),
        );
      },
    },
  });
  await createSchema(db);
  return db;
}

async function createSchema(db: Db): Promise<void> {
  const has = (t: string) => db.schema.hasTable(t);
  if (!(await has('meta'))) {
    await db.schema.createTable('meta', (t) => {
      t.string('key').primary();
      t.text('value');
    });
  }
  if (!(await has('account_users'))) {
    await db.schema.createTable('account_users', (t) => {
      t.increments('seq');
      t.string('user_id').notNullable().unique();
      t.string('email').notNullable().unique(); // lower-cased
      t.string('name').notNullable();
    });
  }
  if (!(await has('roles'))) {
    await db.schema.createTable('roles', (t) => {
      t.increments('seq');
      t.string('role_id').notNullable().unique();
      t.string('name').notNullable();
      t.string('description');
    });
  }
  if (!(await has('queues'))) {
    await db.schema.createTable('queues', (t) => {
      t.increments('seq');
      t.string('queue_id').notNullable().unique();
      t.string('cc_queue_id').notNullable().unique();
      t.string('name').notNullable();
      t.string('channel').notNullable();
    });
  }
  if (!(await has('licenses'))) {
    await db.schema.createTable('licenses', (t) => {
      t.string('package').primary();
      t.integer('capacity'); // null = unlimited; the use is counted from cc_users
    });
  }
  if (!(await has('cc_users'))) {
    await db.schema.createTable('cc_users', (t) => {
      t.increments('seq'); // the stable sort key of every user list
      t.string('user_id').notNullable().unique(); // = the Zoom account user's id
      t.string('email').notNullable().unique();
      t.string('display_name').notNullable();
      t.integer('role_seq').notNullable();
      t.string('package').notNullable();
      t.string('user_access').notNullable();
      t.string('country_iso_code');
      t.string('client_integration');
      t.string('client_integration_name');
      t.string('status_id').notNullable();
      t.string('sub_status_id');
      t.text('channel_settings').notNullable(); // JSON
      t.text('add_ons_plan').notNullable(); // JSON
      t.string('modified_at').notNullable();
      t.index(['role_seq', 'seq']);
      t.index(['user_access', 'seq']);
      t.index(['package']);
    });
  }
  if (!(await has('queue_agents'))) {
    await db.schema.createTable('queue_agents', (t) => {
      t.increments('seq'); // assignment order
      t.integer('queue_seq').notNullable();
      t.integer('user_seq').notNullable();
      t.integer('opt_in_out_status').notNullable();
      t.unique(['queue_seq', 'user_seq']);
      t.index(['queue_seq', 'seq']);
      t.index(['user_seq', 'seq']);
    });
  }
}
