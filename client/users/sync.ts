/**
 * `zcc-sync users sync EMAIL... [--json] [--as NAME]`: provision on demand. Reconciles just these
 * users now, as a workflow like every other change (`syncUsersWorkflow`: their directory entry and
 * groups, their ZCC state, plan, guards, apply, emails, audit), then prints the step-by-step trace
 * read from the store (./sync-trace.ts).
 *
 *   validate the emails (exit 2, nothing started) → a run id `syn-<16 hex>` → the users written
 *   to the run's scope → the workflow (`<taskQueue>-sync-<runId>`) → wait → trace.
 *
 * Exit codes: 0 completed, 1 failed (or another reconcile was running: nothing done), 3 held by a
 * guard (approve or reject it with `zcc-sync runs`), 2 bad input.
 */
import { randomBytes } from 'crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { RunStatus } from '../../src/domain/runs';
import { findRun } from '../../src/store/runs';
import { addRunScope, deleteRunScopes, runScope } from '../../src/store/mirror';
import { syncWorkflowId } from '../../src/temporal/ids';
import { syncUsersWorkflow, type SyncUsersResult } from '../../workflows/scoped-reconcile';
import { exitCodeOf } from '../actions/reconcile';
import { errorText, EXIT_BAD_INPUT, EXIT_FAILED, fail, printJson, printLine, setExitCode, type ConfigOptions, type JsonOptions } from '../common';
import { waitWithProgress } from '../progress';
import { actorName, withSession, type Session } from '../session';
import { renderTrace, traceRun } from './sync-trace';

export interface SyncOptions extends ConfigOptions, JsonOptions {
  as?: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Lower-cased, de-duplicated; every malformed one named at once (exit 2). */
export function checkEmails(args: string[]): string[] {
  const bad = args.filter((a) => !EMAIL.test(a.trim()));
  if (bad.length) {
    fail(bad.map((a) => `EMAIL: got "${a}" — expected an email address such as ann.lee@example.com (fix: correct it or leave it out); nothing was started`).join('\n'), EXIT_BAD_INPUT);
  }
  if (args.length === 0) fail('EMAIL: none given — expected one or more email addresses, e.g. zcc-sync users sync ann.lee@example.com', EXIT_BAD_INPUT);
  return [...new Set(args.map((a) => a.trim().toLowerCase()))];
}

export async function syncUsers(args: string[], opts: SyncOptions): Promise<void> {
  const emails = checkEmails(args);
  await withSession(opts, (s) => run(s, emails, opts));
}

async function run(s: Session, emails: string[], opts: SyncOptions): Promise<void> {
  if (s.config.mappings.length === 0) {
    fail('mappings: no group is mapped, so no user can be synced; add at least one mapping (group, role, package) to the config', EXIT_BAD_INPUT);
  }
  const db = await s.store();
  const runId = `syn-${randomBytes(8).toString('hex')}`;
  // The workflow reads its users from the store: they are written before it starts.
  await addRunScope(db, runId, emails);
  let handle: WorkflowHandle<typeof syncUsersWorkflow>;
  try {
    handle = await s.client.workflow.start(syncUsersWorkflow, {
      taskQueue: s.config.temporal.taskQueue,
      workflowId: syncWorkflowId(s.config, runId),
      args: [{ runId, trigger: `cli:${actorName(opts.as)}` }],
    });
  } catch (err) {
    await deleteRunScopes(db, [runId]);
    fail(`could not start the sync: ${(err as Error).message}`, EXIT_FAILED);
  }

  const outcome = await waitWithProgress<SyncUsersResult>(handle, { until: (p) => p.phase === 'held' });
  if (outcome.kind === 'result' && outcome.result.run === null) {
    // Another reconcile is writing: nothing was recorded but the scope, which goes.
    await deleteRunScopes(db, [runId]);
    const detail = outcome.result.detail;
    if (opts.json) printJson({ runId, status: 'skipped', detail, durationMs: null, users: [], notFound: [] });
    else printLine(`Nothing synced: ${detail}.`);
    setExitCode(EXIT_FAILED);
    return;
  }

  const row = await findRun(db, runId);
  let status: RunStatus;
  let durationMs: number | null;
  let detail: string;
  let notFound: string[] = [];
  let heldReasons: string[] = [];
  if (outcome.kind === 'result') {
    const r = outcome.result.run as NonNullable<SyncUsersResult['run']>;
    status = r.status;
    durationMs = r.durationMs;
    notFound = outcome.result.notFound;
    detail = outcome.result.detail + (r.error ? `; ${r.error}` : '');
  } else if (outcome.kind === 'stopped') {
    status = 'held';
    durationMs = row ? Date.now() - Date.parse(row.created_at) : null;
    heldReasons = outcome.progress.heldReasons;
    detail = `held for approval: ${heldReasons.join('; ')}`;
  } else {
    status = 'failed';
    durationMs = row ? (Date.parse(row.finished_at ?? new Date().toISOString()) - Date.parse(row.created_at)) : null;
    detail = `failed: ${errorText(outcome.error)}`;
  }

  if (!row) {
    // Failed before the run was recorded (e.g. the directory could not be read): nothing to trace.
    await deleteRunScopes(db, [runId]);
    if (opts.json) printJson({ runId, status, detail, durationMs, users: [], notFound: [] });
    else printLine(`Run ${runId} (users sync) ${status}: ${detail}`);
    setExitCode(EXIT_FAILED);
    return;
  }

  const trace = await traceRun(db, s.config, { runId, status, durationMs }, emails, await runScope(db, runId), notFound);
  if (opts.json) printJson({ ...trace, detail, ...(status === 'held' ? { heldReasons } : {}) });
  else {
    for (const line of renderTrace(trace, detail)) printLine(line);
    if (status === 'held') {
      printLine('');
      printLine(`Run ${runId} is held for approval:`);
      for (const r of heldReasons) printLine(`  - ${r}`);
      printLine(`Approve: zcc-sync runs approve ${runId}    Reject: zcc-sync runs reject ${runId}`);
    }
  }
  setExitCode(exitCodeOf(status));
}
