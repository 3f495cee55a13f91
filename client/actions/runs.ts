/**
 * What `zcc-sync runs list | show | approve | reject | cancel` do (their options:
 * client/commands/runs.ts). RUN is a run id (or a unique prefix of one), or a workflow id (its
 * latest run).
 */
import { approveUpdate, rejectUpdate } from '../../workflows/definitions';
import { EXIT_FAILED, fail, printJson, printLine, type ConfigOptions, type JsonOptions } from '../common';
import { findRun, listRuns as newestRuns, outcomeLines, parseReport, parseSummary, runFailures, runWarnings, scopeOf, type RunRow } from '../run-view';
import { actorName, withSession, type Session } from '../session';

export interface RunsOptions extends ConfigOptions, JsonOptions {
  as?: string;
  limit?: string;
}

export const list = (opts: RunsOptions) => withSession(opts, (s) => listRuns(s, opts));
export const show = (ref: string, opts: RunsOptions) => withSession(opts, (s) => showRun(s, ref, opts));
export const approve = (ref: string, opts: RunsOptions) => withSession(opts, (s) => decide(s, ref, true, opts));
export const reject = (ref: string, opts: RunsOptions) => withSession(opts, (s) => decide(s, ref, false, opts));
export const cancel = (ref: string, opts: RunsOptions) => withSession(opts, (s) => cancelRun(s, ref, opts));

async function resolve(s: Session, ref: string): Promise<RunRow> {
  const run = await findRun(await s.store(), ref);
  if (!run) fail(`run "${ref}" not found (fix: pick an id from \`zcc-sync runs list\`)`);
  return run;
}

async function listRuns(s: Session, opts: RunsOptions): Promise<void> {
  const limit = Number(opts.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1) fail(`--limit: got "${opts.limit}" — expected a whole number ≥ 1`);
  const rows: RunRow[] = await newestRuns(await s.store(), limit);
  if (opts.json) {
    printJson(rows.map((r) => ({ runId: r.id, workflowId: r.workflow_id, kind: r.kind, scope: scopeOf(r), status: r.status, trigger: r.trigger, createdAt: r.created_at, finishedAt: r.finished_at, summary: parseSummary(r) })));
    return;
  }
  if (rows.length === 0) return printLine('No runs yet.');
  printLine(pad(['RUN', 'KIND', 'SCOPE', 'STATUS', 'TRIGGER', 'STARTED', 'CHANGES']));
  for (const r of rows) {
    const sm = parseSummary(r);
    const changes = sm ? `+${sm.create} ~${sm.update} q+${sm.queueAdd} q-${sm.queueRemove} -${sm.deactivate + sm.remove}` : '';
    printLine(pad([r.id, r.kind, scopeOf(r) ?? '-', r.status, r.trigger, r.created_at.replace('T', ' ').slice(0, 19), changes]));
  }
}

async function showRun(s: Session, ref: string, opts: RunsOptions): Promise<void> {
  const run = await resolve(s, ref);
  const db = await s.store();
  const failures = await runFailures(db, run.id);
  const warnings = await runWarnings(db, run.id);
  const report = parseReport(run);
  const held = run.status === 'held' && run.warnings ? (JSON.parse(run.warnings) as string[]) : [];
  if (opts.json) {
    printJson({ runId: run.id, workflowId: run.workflow_id, kind: run.kind, scope: scopeOf(run), status: run.status, trigger: run.trigger, createdAt: run.created_at, finishedAt: run.finished_at, summary: parseSummary(run), report, heldReasons: held, failures, warnings });
    return;
  }
  const scope = scopeOf(run);
  printLine(`Run ${run.id} (${run.kind}${scope ? `, ${scope}` : ''}, workflow ${run.workflow_id})`);
  printLine(`  status:  ${run.status}${report?.error ? ` — ${report.error}` : ''}`);
  printLine(`  trigger: ${run.trigger}; started ${run.created_at}${run.finished_at ? `, finished ${run.finished_at}` : ''}`);
  const sm = parseSummary(run);
  if (sm) printLine(`  plan:    ${sm.create} create, ${sm.update} update, ${sm.queueAdd} queue add, ${sm.queueRemove} queue remove, ${sm.deactivate} deactivate, ${sm.remove} remove, ${sm.unchanged} unchanged`);
  if (report) for (const l of outcomeLines(report)) printLine(`  ${l}`);
  if (held.length) {
    printLine('  held because:');
    for (const r of held) printLine(`    - ${r}`);
    printLine(`  approve: zcc-sync runs approve ${run.id}   reject: zcc-sync runs reject ${run.id}`);
  }
  if (failures.length) {
    printLine(`  failures (${failures.length}):`);
    for (const f of failures) printLine(`    ${f.email} ${f.kind}: ${f.outcome.replace(/_/g, ' ')}${f.error ? ` — ${f.error}` : ''}`);
  }
  if (warnings.length) {
    printLine(`  warnings (${warnings.length}):`);
    for (const w of warnings) printLine(`    ${w}`);
  }
}

async function decide(s: Session, ref: string, approved: boolean, opts: RunsOptions): Promise<void> {
  const run = await resolve(s, ref);
  if (run.status !== 'held') fail(`run ${run.id} is ${run.status}, not held: only a held run can be ${approved ? 'approved' : 'rejected'}`);
  const handle = s.client.workflow.getHandle(run.workflow_id);
  try {
    const answer = await handle.executeUpdate(approved ? approveUpdate : rejectUpdate, { args: [{ by: actorName(opts.as) }] });
    if (opts.json) printJson({ runId: run.id, decision: approved ? 'approved' : 'rejected', message: answer });
    else printLine(`Run ${run.id} ${answer}.${approved ? ' It applies now; follow it with `zcc-sync runs show ' + run.id + '`.' : ' Nothing was changed.'}`);
  } catch (err) {
    fail(`could not ${approved ? 'approve' : 'reject'} run ${run.id}: ${(err as Error).message}`, EXIT_FAILED);
  }
}

async function cancelRun(s: Session, ref: string, opts: RunsOptions): Promise<void> {
  const run = await resolve(s, ref);
  await s.client.workflow.getHandle(run.workflow_id).cancel();
  if (opts.json) printJson({ runId: run.id, status: 'cancelling' });
  else printLine(`Cancellation requested for run ${run.id}; ops already applied stay applied.`);
}

function pad(cols: string[]): string {
  const widths = [22, 10, 6, 10, 18, 20, 0];
  return cols.map((c, i) => (widths[i] ? c.padEnd(widths[i]) : c)).join(' ');
}
