/**
 * Workflow code changes must not break runs already in flight: Temporal replays a run's history
 * on the new code and fails the run on any difference. Each fixture is the history of a real run
 * recorded on an earlier version (how: see the fixture's name below); it must replay cleanly.
 */
import { readFileSync } from 'fs';
import path from 'path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testStack } from './support/stack';

const fixture = (name: string) => historyFromJSON(JSON.parse(readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')));

test('a reconcile applied with the batch loop (before the sliding window) replays', async () => {
  // Recorded at e8bad40 (test/reconcile.test.ts's setup with 45 users, chunkSize 10, concurrency
  // 2 and 20–400 ms emulator latency, so chunk completions arrive in separate workflow tasks):
  // 5 create and 5 queue-add chunks. Replaying it also fails on any reordering of the run's
  // activities. (The batch and window loops schedule chunks in the same order and differ only in
  // which workflow task does it; the patch keeps old runs on the batch loop regardless.)
  const history = fixture('reconcile-history-batches.json');
  const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyChunk').length;
  expect(scheduled).toBe(10);
  await Worker.runReplayHistory({ workflowBundle: { codePath: testStack().workflowBundlePath } }, history, 'reconcile-batches');
});

test('a reconcile that read both snapshots at once and went from plan to apply directly replays', async () => {
  // Recorded at 50ab8dd (the fast-start patch): 45 users in 2 groups, chunkSize 10, concurrency 2,
  // 20–400 ms emulator latency; the snapshots scheduled in one workflow task, no setRunStatus or
  // applyConcurrency before the first of 11 chunks.
  const history = fixture('reconcile-history-fast-start.json');
  const names = history.events?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(names?.slice(0, 5)).toEqual(['beginRun', 'snapshotDirectory', 'snapshotContactCenter', 'computePlan', 'applyChunk']);
  expect(names?.filter((n) => n === 'applyChunk')).toHaveLength(11);
  await Worker.runReplayHistory({ workflowBundle: { codePath: testStack().workflowBundlePath } }, history, 'reconcile-fast-start');
});

test('an admin job (users assign) recorded before the run lifecycle was shared replays', async () => {
  // Recorded at 372f73d (the code before the shared lifecycle in workflows/lifecycle.ts and the
  // activity contracts in src/domain): `users assign --file` of 157 users (150 new, 5 already
  // licensed, 2 not Zoom users) with two queues, chunkSize 100, concurrency 4: 2 create chunks,
  // 4 queue-add chunks, then finishJob and deliverJobEmails.
  const history = fixture('admin-job-history.json');
  const names = history.events?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(names).toEqual(['prepareJob', ...Array(6).fill('applyChunk'), 'finishJob', 'deliverJobEmails']);
  await Worker.runReplayHistory({ workflowBundle: { codePath: testStack().workflowBundlePath } }, history, 'admin-job');
});

test('a delta reconcile and an on-demand sync recorded when they were introduced replay', async () => {
  // Recorded at the first version of workflows/scoped-reconcile.ts by test/delta-reconcile.test.ts
  // with ZCC_RECORD_HISTORIES=test/fixtures: a delta run of a joiner and a leaver (4 ops, 4 chunks),
  // and `users sync` of a joiner (3 ops). Any reordering of their activities fails the replay.
  const delta = fixture('delta-history.json');
  const deltaNames = delta.events?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(deltaNames?.slice(0, 3)).toEqual(['pollDirectoryChanges', 'snapshotScopeInContactCenter', 'computePlan']);
  expect(deltaNames?.slice(-2)).toEqual(['finishRun', 'deliverEmails']);
  await Worker.runReplayHistory({ workflowBundle: { codePath: testStack().workflowBundlePath } }, delta, 'delta');
  const sync = fixture('sync-users-history.json');
  const syncNames = sync.events?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(syncNames?.slice(0, 3)).toEqual(['prepareUserSync', 'snapshotScopeInContactCenter', 'computePlan']);
  await Worker.runReplayHistory({ workflowBundle: { codePath: testStack().workflowBundlePath } }, sync, 'sync-users');
});
