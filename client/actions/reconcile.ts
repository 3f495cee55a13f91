/**
 * What `zcc-sync plan` and `zcc-sync apply` do (their options: client/commands/reconcile.ts).
 *
 * plan starts a plan-only workflow (it snapshots both sides and stores the plan, changing
 * nothing) and prints the stored ops like `terraform plan`. apply starts (or joins) the one
 * reconcile workflow, waits with a progress bar and prints the report.
 */
import { randomUUID } from 'crypto';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { reconcileWorkflow } from '../../workflows/reconcile';
import { planJson, renderPlan } from '../../src/reconcile/render';
import type { RunResult } from '../../src/domain/runs';
import { confirm, errorText, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, fail, printJson, printLine, setExitCode, type ConfigOptions, type JsonOptions } from '../common';
import { waitWithProgress } from '../progress';
import { findRun, outcomeLines, parseSummary, runFailures, runOps, runWarnings } from '../run-view';
import { actorName, withSession, type Session } from '../session';
import { reconcileWorkflowId } from '../../src/temporal/ids';

export const EXIT_HELD = 3;

export interface PlanOptions extends ConfigOptions, JsonOptions {
  as?: string;
}

export interface ApplyOptions extends PlanOptions {
  yes?: boolean;
  wait: boolean;
}

export function plan(opts: PlanOptions): Promise<void> {
  return withSession(opts, (s) => runPlan(s, opts));
}

export function apply(opts: ApplyOptions): Promise<void> {
  return withSession(opts, (s) => runApply(s, opts));
}

export async function runPlan(s: Session, opts: PlanOptions): Promise<void> {
  const handle = await s.client.workflow.start(reconcileWorkflow, {
    taskQueue: s.config.temporal.taskQueue,
    workflowId: `${s.config.temporal.taskQueue}-plan-${randomUUID()}`,
    args: [{ mode: 'plan', trigger: `cli:${actorName(opts.as)}` }],
  });
  const outcome = await waitWithProgress<RunResult>(handle);
  if (outcome.kind !== 'result') fail(`plan failed: ${errorText(outcome.kind === 'error' ? outcome.error : undefined)}`, EXIT_FAILED);
  const result = outcome.result;
  const db = await s.store();
  const ops = await runOps(db, result.runId);
  const warnings = await runWarnings(db, result.runId);
  const summary = result.summary ?? { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0 };
  if (opts.json) printJson(planJson(result.runId, ops, summary, warnings));
  else printLine(renderPlan(ops, summary, warnings, { color: Boolean(process.stdout.isTTY) }));
}

export async function runApply(s: Session, opts: ApplyOptions): Promise<void> {
  if (!opts.yes) {
    if (!process.stdin.isTTY) fail('apply changes ZCC: pass --yes to confirm when not running in a terminal', EXIT_BAD_INPUT);
    await runPlan(s, { ...opts, json: false });
    if (!(await confirm('Apply these changes? Type "yes" to continue: '))) {
      printLine('Apply cancelled; nothing changed.');
      return;
    }
  }
  const handle = await s.client.workflow.start(reconcileWorkflow, {
    taskQueue: s.config.temporal.taskQueue,
    workflowId: reconcileWorkflowId(s.config),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ mode: 'apply', trigger: `cli:${actorName(opts.as)}` }],
  });
  if (!opts.wait) {
    if (opts.json) printJson({ workflowId: handle.workflowId, status: 'started' });
    else printLine(`Started reconcile ${handle.workflowId} (run ${handle.firstExecutionRunId}). Follow it with \`zcc-sync runs list\`.`);
    return;
  }
  const outcome = await waitWithProgress<RunResult>(handle, { until: (p) => p.phase === 'held' });
  const db = await s.store();
  if (outcome.kind === 'stopped') {
    const p = outcome.progress;
    if (opts.json) printJson({ runId: p.runId, status: 'held', summary: await summaryOf(s, p.runId), failures: [], reasons: p.heldReasons });
    else {
      printLine(`Run ${p.runId} is held for approval:`);
      for (const r of p.heldReasons) printLine(`  - ${r}`);
      printLine(`Approve: zcc-sync runs approve ${p.runId}    Reject: zcc-sync runs reject ${p.runId}`);
    }
    setExitCode(EXIT_HELD);
    return;
  }
  if (outcome.kind === 'error') {
    const run = await findRun(db, handle.workflowId);
    const runId = run?.id ?? handle.workflowId;
    const failures = run ? await runFailures(db, run.id) : [];
    if (opts.json) printJson({ runId, status: 'failed', summary: run ? parseSummary(run) : null, failures, error: errorText(outcome.error) });
    else printLine(`Run ${runId} failed: ${errorText(outcome.error)}`);
    setExitCode(EXIT_FAILED);
    return;
  }
  const result = outcome.result;
  const failures = await runFailures(db, result.runId);
  if (opts.json) {
    printJson({ runId: result.runId, status: result.status, summary: result.summary, failures });
  } else {
    printLine(`Run ${result.runId} ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s.`);
    for (const line of outcomeLines(result)) printLine(`  ${line}`);
    if (failures.length) {
      printLine(`Failures (${failures.length}):`);
      for (const f of failures.slice(0, 50)) printLine(`  ${f.email} ${f.kind}: ${f.outcome.replace(/_/g, ' ')}${f.error ? ` — ${f.error}` : ''}`);
      if (failures.length > 50) printLine(`  … and ${failures.length - 50} more (zcc-sync runs show ${result.runId})`);
    }
    if (result.error) printLine(`Note: ${result.error}`);
  }
  setExitCode(result.status === 'completed' || result.status === 'skipped' ? EXIT_OK : result.status === 'held' ? EXIT_HELD : EXIT_FAILED);
}

async function summaryOf(s: Session, runId: string) {
  const run = await findRun(await s.store(), runId);
  return run ? parseSummary(run) : null;
}
