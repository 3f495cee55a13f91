/**
 * /runs and /approvals: the list, a run's page and its live progress, Preview (a plan) and Apply
 * (a reconcile), and the approver's decision on a held run. The decision goes to the workflow
 * (the same Update as `zcc-sync runs approve`), which records who made it in the audit log.
 */
import { randomUUID } from 'crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { reconcileRunIdOf } from '../../src/domain/runs';
import { workflowUrl } from '../../src/mail/templates';
import { jobItems } from '../../src/store/jobs';
import { opsPage, runFailures } from '../../src/store/ops';
import { countOutboxOfWorkflow, outboxOfWorkflow } from '../../src/store/outbox';
import { findRun, heldRuns, listRunsPage, type RunFilters, type RunRow } from '../../src/store/runs';
import { runWarnings } from '../../src/store/warnings';
import { reconcileWorkflowId } from '../../src/temporal/ids';
import { approveUpdate, rejectUpdate } from '../../workflows/definitions';
import { reconcileWorkflow } from '../../workflows/reconcile';
import type { ConsoleDeps } from '../deps';
import { html } from '../html';
import { when } from '../layout';
import { field, userOf, view } from '../view';
import { RUN_KIND_FILTERS, RUN_STATUS_FILTERS, runsPage } from './list-page';
import { runProgress } from './progress';
import { OPS_SHOWN, runPage } from './run-page';

const RUNS_PER_PAGE = 50;

export function registerRuns(app: FastifyInstance, deps: ConsoleDeps): void {
  const { db, config } = deps;

  app.get('/runs', { config: { permission: 'view' } }, async (req, reply) => {
    const kind = oneOf(field(req.query, 'kind'), RUN_KIND_FILTERS);
    const status = oneOf(field(req.query, 'status'), RUN_STATUS_FILTERS);
    const page = Math.max(1, Number(field(req.query, 'page')) || 1);
    const rows = await listRunsPage(db, { kind: kind as RunFilters['kind'], status }, { offset: (page - 1) * RUNS_PER_PAGE, limit: RUNS_PER_PAGE + 1 });
    return view(deps, req, reply, { title: 'Runs', here: 'runs' }, (csrf) => runsPage(userOf(req), csrf, rows.slice(0, RUNS_PER_PAGE), { kind: kind ?? '', status: status ?? '', page, more: rows.length > RUNS_PER_PAGE }));
  });

  app.get('/runs/:id', { config: { permission: 'view' } }, async (req, reply) => {
    const ref = idParam(req);
    const run = await findRun(db, ref);
    if (!run) {
      // Just started: the workflow creates its run row within a second or two.
      return view(deps, req, reply, { title: 'Run starting', here: 'runs' }, () => html`<h1>Run ${ref}</h1><div data-progress-url="/runs/${ref}/progress.json" data-status="starting" data-testid="progress"><progress></progress> <span data-progress-text>starting…</span></div><p class="muted">This page reloads when the run appears.</p>`);
    }
    const opsOffset = Math.max(0, Number(field(req.query, 'ops')) || 0);
    const jobKind = run.kind === 'assign' || run.kind === 'edit' || run.kind === 'remove';
    const [progress, ops, items, failures, warnings, emails, emailsTotal] = await Promise.all([
      runProgress(db, run), opsPage(db, run.id, { offset: opsOffset, limit: OPS_SHOWN }), jobKind ? jobItems(db, run.id) : Promise.resolve(null),
      runFailures(db, run.id, 500), runWarnings(db, run.id), outboxOfWorkflow(db, run.workflow_id, 200), countOutboxOfWorkflow(db, run.workflow_id),
    ]);
    const heldReasons = run.status === 'held' && run.warnings ? (JSON.parse(run.warnings) as string[]) : [];
    const temporalUrl = config.temporal.uiUrl ? workflowUrl(config.temporal.uiUrl, config.temporal.namespace, run.workflow_id) : null;
    return view(deps, req, reply, { title: `Run ${run.id}`, here: 'runs' }, (csrf) => runPage(userOf(req), csrf, {
      run, progress, heldReasons, ops, opsTotal: progress.total && !jobKind ? progress.total : ops.length + opsOffset, opsOffset, items, failures, warnings, emails, emailsTotal, temporalUrl,
    }));
  });

  app.get('/runs/:id/progress.json', { config: { permission: 'view' } }, async (req) => {
    const ref = idParam(req);
    const run = await findRun(db, ref);
    // A run that did not exist when the page was drawn "finishes" by appearing: the page reloads.
    return runProgress(db, run);
  });

  app.post('/runs/preview', { config: { permission: 'operate' } }, async (req, reply) => {
    const workflowId = `${config.temporal.taskQueue}-plan-${randomUUID()}`;
    const handle = await deps.temporal.workflow.start(reconcileWorkflow, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ mode: 'plan', trigger: `console:${userOf(req).name}` }] });
    return reply.redirect(`/runs/${reconcileRunIdOf(handle.firstExecutionRunId)}`, 303);
  });

  app.post('/runs/apply', { config: { permission: 'operate' } }, async (req, reply) => {
    // One reconcile at a time: a running one is joined, not doubled (as `zcc-sync apply`).
    const handle = await deps.temporal.workflow.start(reconcileWorkflow, {
      taskQueue: config.temporal.taskQueue, workflowId: reconcileWorkflowId(config), workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      args: [{ mode: 'apply', trigger: `console:${userOf(req).name}` }],
    });
    // The run page of this execution (a joined one, or the new one: its row appears in a moment).
    return reply.redirect(`/runs/${reconcileRunIdOf(handle.firstExecutionRunId)}`, 303);
  });

  for (const approved of [true, false]) {
    app.post(`/runs/:id/${approved ? 'approve' : 'reject'}`, { config: { permission: 'approve' } }, async (req, reply) => {
      const run = await findRun(db, idParam(req));
      if (!run) throw Object.assign(new Error(`Run "${idParam(req)}" was not found.`), { statusCode: 404 });
      if (run.status !== 'held') throw Object.assign(new Error(`Run ${run.id} is ${run.status}, not held: only a held run can be ${approved ? 'approved' : 'rejected'}.`), { statusCode: 409 });
      await deps.temporal.workflow.getHandle(run.workflow_id).executeUpdate(approved ? approveUpdate : rejectUpdate, { args: [{ by: userOf(req).name }] });
      // The workflow records the new status a moment after it accepts the decision: wait for it
      // (briefly), so the page the approver lands on already says applying or rejected.
      await statusLeaves(run.id, 'held', 10_000);
      return reply.redirect(`/runs/${run.id}`, 303);
    });
  }

  const statusLeaves = (runId: string, status: string, ms: number) => waitForStatusChange(db, runId, status, ms);

  app.get('/approvals', { config: { permission: 'view' } }, async (req, reply) => {
    const runs = await heldRuns(db);
    return view(deps, req, reply, { title: 'Approvals', here: 'approvals' }, () => html`<h1>Approvals</h1>
${runs.length ? runs.map((r: RunRow) => html`<section data-testid="held-run"><h2><a href="/runs/${r.id}">${r.id}</a> · ${r.kind} · held since ${when(r.updated_at)}</h2><ul>${(r.warnings ? (JSON.parse(r.warnings) as string[]) : []).map((w) => html`<li>${w}</li>`)}</ul><p><a class="button" href="/runs/${r.id}">Review</a></p></section>`) : html`<p>No run is waiting for approval.</p>`}`);
  });
}

/** Polls the store until the run's status is no longer `status`, at most `ms`. */
async function waitForStatusChange(db: ConsoleDeps['db'], runId: string, status: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && (await findRun(db, runId))?.status === status) await new Promise((r) => setTimeout(r, 200));
}

function idParam(req: FastifyRequest): string {
  return (req.params as { id: string }).id;
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}
