/** Store housekeeping: snapshots of finished runs are pruned, the latest kept, running ones untouched. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Knex } from 'knex';
import { pruneSnapshots } from '../activities/run-store';
import { parseConfigText } from '../src/config/load';
import { closeStore, openStore } from '../src/store/db';

let dir: string;
let db: Knex;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-run-store-'));
  db = await openStore(parseConfigText(`stateDir: ${dir}`, { env: {} }));
});
afterAll(async () => {
  await closeStore(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('pruneSnapshots keeps the latest finished runs and every unfinished one', async () => {
  const runs = [
    { id: 'r1', finished_at: '2026-01-01T00:00:00Z' },
    { id: 'r2', finished_at: '2026-01-02T00:00:00Z' },
    { id: 'r3', finished_at: '2026-01-03T00:00:00Z' },
    { id: 'r4', finished_at: null }, // still running
  ];
  for (const r of runs) {
    await db('runs').insert({ id: r.id, workflow_id: 'w', kind: 'reconcile', trigger: 'test', status: r.finished_at ? 'completed' : 'applying', created_at: 'x', updated_at: 'x', finished_at: r.finished_at });
    await db('directory_snapshot').insert({ run_id: r.id, email: 'a@x.com', groups: '[]' });
    await db('cc_snapshot').insert({ run_id: r.id, email: 'a@x.com', user_id: 'u', access: 'active', queues: '[]' });
    await db('cc_queue_members').insert({ run_id: r.id, email: 'a@x.com', queue: 'Sales' });
    await db('ops').insert({ run_id: r.id, seq: 0, kind: 'create', chunk: 0, email: 'a@x.com', status: 'done' });
  }
  await pruneSnapshots(db, 2);
  for (const table of ['directory_snapshot', 'cc_snapshot', 'cc_queue_members']) {
    expect((await db(table).pluck('run_id')).sort()).toEqual(['r2', 'r3', 'r4']);
  }
  // Ops (what a run did) are history, not working data.
  expect((await db('ops').pluck('run_id')).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
});
