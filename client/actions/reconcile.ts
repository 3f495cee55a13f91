/**
 * What `zcc-sync plan` and `zcc-sync apply` do (their options: client/commands/reconcile.ts).
 *
 * plan starts a plan-only workflow (it snapshots both sides and stores the plan, changing
 * nothing) and prints the stored ops like `terraform plan`. apply starts (or joins) the one
 * reconcile workflow, waits with a progress bar and prints the report. `apply --delta` starts one
 * delta reconcile (what a tick of the delta schedule starts) and prints what it did: idle, busy,
 * a full reconcile it fell back to, or its run's report.
 */
import { randomUUID } from 'crypto';
import { WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import { reconcileWorkflow } from '../../workflows/reconcile';
import { deltaReconcileWorkflow, type DeltaResult } from '../../workflows/scoped-reconcile';
import { planJson, renderPlan } from '../../src/reconcile/render';
import type { RunResult, RunStatus } from '../../src/domain/runs';
import type { PlanSummary } from '../../src/domain/types';
import type { Store } from '../../src/store/db';
import { confirm, errorText, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, fail, printJson, printLine, setExitCode, type ConfigOptions, type JsonOptions } from '../common';
import { waitWithProgress } from '../progress';
import { findRun, outcomeLines, parseSummary, runFailures, runOps, runWarnings } from '../run-view';
import { actorName, withSession, type Session } from '../session';
import { deltaCliWorkflowId, reconcileWorkflowId } from '../../src/temporal/ids';

export const EXIT_HELD = 3;

export interface PlanOptions extends ConfigOptions, JsonOptions {
  as?: string;
}

export interface ApplyOptions extends PlanOptions {
  yes?: boolean;
  wait: boolean;
  /** One delta reconcile instead of a full one. */
  delta?: boolean;
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
  if (opts.delta) return runDelta(s, opts);
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
    else printHeld(p.runId, p.heldReasons);
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
  if (opts.json) printJson({ runId: result.runId, status: result.status, summary: result.summary, failures });
  else await printRunReport(db, result);
  setExitCode(exitCodeOf(result.status));
}

/** apply's exit code for a run that ended (or stopped waiting) in this status. */
export const exitCodeOf = (status: RunStatus): number => (status === 'completed' || status === 'skipped' ? EXIT_OK : status === 'held' ? EXIT_HELD : EXIT_FAILED);

/** The report apply prints for a finished run: status and time, outcomes per kind, failures, a note. */
export async function printRunReport(db: Store, result: RunResult): Promise<void> {
  const failures = await runFailures(db, result.runId);
  printLine(`Run ${result.runId} ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s.`);
  for (const line of outcomeLines(result)) printLine(`  ${line}`);
  if (failures.length) {
    printLine(`Failures (${failures.length}):`);
    for (const f of failures.slice(0, 50)) printLine(`  ${f.email} ${f.kind}: ${f.outcome.replace(/_/g, ' ')}${f.error ? ` — ${f.error}` : ''}`);
    if (failures.length > 50) printLine(`  … and ${failures.length - 50} more (zcc-sync runs show ${result.runId})`);
  }
  if (result.error) printLine(`Note: ${result.error}`);
}

/** Prints the reasons a run is held and the commands that decide it (exit code 3 is the caller's). */
function printHeld(runId: string, reasons: string[]): void {
  printLine(`Run ${runId} is held for approval:`);
  for (const r of reasons) printLine(`  - ${r}`);
  printLine(`Approve: zcc-sync runs approve ${runId}    Reject: zcc-sync runs reject ${runId}`);
}

/** `apply --delta --json`: exactly these fields (runId, status and summary from the delta's run). */
export interface DeltaJson {
  outcome: DeltaResult['outcome'];
  detail: string;
  runId: string | null;
  status: RunStatus | null;
  summary: PlanSummary | null;
  /** Ops that failed in the run (null: no run); their users are tried again by a later delta. */
  failures: number | null;
}

/**
 * `zcc-sync apply --delta`: one delta reconcile now, as a tick of the delta schedule would start
 * it, and what it did. It asks nothing: like the schedule, it applies the changes it finds (with
 * the same guards: a run they hold waits for approval, exit 3).
 */
async function runDelta(s: Session, opts: ApplyOptions): Promise<void> {
  const handle = await s.client.workflow.start(deltaReconcileWorkflow, {
    taskQueue: s.config.temporal.taskQueue,
    workflowId: deltaCliWorkflowId(s.config, randomUUID()),
    args: [{ trigger: `cli:${actorName(opts.as)}` }],
  });
  if (!opts.wait) {
    if (opts.json) printJson({ workflowId: handle.workflowId, status: 'started' });
    else printLine(`Started delta reconcile ${handle.workflowId}. Follow it with \`zcc-sync runs list\`.`);
    return;
  }
  const print = (doc: DeltaJson, text: () => void | Promise<void>) => (opts.json ? printJson(doc) : text());
  // The progress (and a hold) is the delta's own run, or the full reconcile it fell back to (a child).
  const outcome = await waitWithProgress<DeltaResult>(deltaOrChild(s, handle), { until: (p) => p.phase === 'held' });
  const db = await s.store();
  if (outcome.kind === 'stopped') {
    const p = outcome.progress;
    const run = await findRun(db, p.runId);
    const via: DeltaResult['outcome'] = run?.scope === 'full' ? 'full' : 'run';
    await print({ outcome: via, detail: `held for approval: ${p.heldReasons.join('; ')}`, runId: p.runId, status: 'held', summary: run ? parseSummary(run) : null, failures: 0 }, () => printHeld(p.runId, p.heldReasons));
    setExitCode(EXIT_HELD);
    return;
  }
  if (outcome.kind === 'error') {
    const run = (await findRun(db, handle.workflowId)) ?? (await findRun(db, `${handle.workflowId}-full`));
    const error = errorText(outcome.error);
    await print(
      { outcome: run?.scope === 'full' ? 'full' : 'run', detail: `failed: ${error}`, runId: run?.id ?? null, status: 'failed', summary: run ? parseSummary(run) : null, failures: null },
      () => printLine(`Delta reconcile ${run ? `run ${run.id} ` : ''}failed: ${error}`),
    );
    setExitCode(EXIT_FAILED);
    return;
  }
  const { outcome: kind, detail, run } = outcome.result;
  await print({ outcome: kind, detail, runId: run?.runId ?? null, status: run?.status ?? null, summary: run?.summary ?? null, failures: run ? run.failures : null }, async () => {
    if (kind === 'idle') return printLine(`Delta: idle — ${detail}.`);
    if (kind === 'busy') return printLine(`Delta: busy — ${detail}; nothing done (the next delta sees the changes).`);
    printLine(kind === 'full' ? `Delta: a full reconcile instead — ${detail}.` : `Delta: ${detail}.`);
    if (run) await printRunReport(db, run);
  });
  setExitCode(run ? exitCodeOf(run.status) : EXIT_OK);
}

/**
 * A handle whose progress query asks the delta workflow, else the full reconcile it started as a
 * child (`<workflowId>-full`): so a hold is seen in either. Only result() and query() are used.
 */
function deltaOrChild(s: Session, handle: WorkflowHandle<typeof deltaReconcileWorkflow>): WorkflowHandle {
  const child = s.client.workflow.getHandle(`${handle.workflowId}-full`);
  const query: WorkflowHandle['query'] = async (def, ...args) => {
    try {
      return await handle.query(def, ...args);
    } catch {
      return child.query(def, ...args);
    }
  };
  return { workflowId: handle.workflowId, result: () => handle.result(), query } as unknown as WorkflowHandle;
}

async function summaryOf(s: Session, runId: string) {
  const run = await findRun(await s.store(), runId);
  return run ? parseSummary(run) : null;
}
