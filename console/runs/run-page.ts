/**
 * One run: its plan as a diff (+ create, ~ update, − deactivate/remove, per user, with totals),
 * live progress while it runs, why it is held (with Approve and Reject for approvers), the
 * per-user results of an admin job, failures, warnings, the emails it sent, and a link to the run
 * in the Temporal Web UI.
 */
import type { JobItem } from '../../src/store/jobs';
import type { Failure, OpRow } from '../../src/store/ops';
import { parseReport, parseSummary, type RunRow } from '../../src/store/runs';
import type { ConsoleUser } from '../deps';
import { html, type Html } from '../html';
import { badge, when } from '../layout';
import { may } from '../permissions';
import type { RunProgress } from './progress';

export interface RunPageData {
  run: RunRow;
  progress: RunProgress;
  heldReasons: string[];
  ops: OpRow[];
  opsTotal: number;
  opsOffset: number;
  items: JobItem[] | null;
  failures: Failure[];
  warnings: string[];
  emails: Array<{ event: string; recipient: string; subject: string; status: string; sent_at: string | null }>;
  emailsTotal: number;
  temporalUrl: string | null;
}

export const OPS_SHOWN = 200;
const SIGN: Record<string, string> = { create: '+', update: '~', queueAdd: '~', queueRemove: '~', deactivate: '−', remove: '−' };
const OUTCOME_LABEL: Record<string, string> = { done: 'done', already: 'already so', not_zoom_user: 'not a Zoom user', failed: 'failed' };

export function runPage(user: ConsoleUser, csrf: string, d: RunPageData): Html {
  const { run } = d;
  const report = parseReport(run);
  return html`<h1>Run ${run.id}</h1>
<dl class="facts"><dt>Kind</dt><dd>${run.kind}${run.kind === 'reconcile' ? ` (${run.scope})` : ''}</dd><dt>Status</dt><dd data-testid="run-status">${badge(run.status)}${report?.error ? html` <span class="muted">${report.error}</span>` : ''}</dd>
<dt>Trigger</dt><dd>${run.trigger}</dd><dt>Started</dt><dd>${when(run.created_at)}</dd><dt>Finished</dt><dd>${when(run.finished_at)}</dd>
<dt>Workflow</dt><dd>${d.temporalUrl ? html`<a href="${d.temporalUrl}" rel="noopener">${run.workflow_id} in the Temporal Web UI</a>` : run.workflow_id}</dd></dl>
${d.progress.finished ? '' : run.status === 'held' ? html`<div data-progress-url="/runs/${run.id}/progress.json" data-status="held"></div>` : html`<div data-progress-url="/runs/${run.id}/progress.json" data-status="${run.status}" data-testid="progress"><h2>Progress</h2><progress max="${Math.max(d.progress.total, 1)}" value="${d.progress.done}"></progress> <span data-progress-text>${d.progress.text}</span></div>`}
${run.status === 'held' ? held(user, csrf, run, d.heldReasons) : ''}
${d.items ? results(d.items) : ''}
${plan(run, d)}
${d.failures.length ? html`<h2>Failures (${d.failures.length})</h2><table data-testid="failures"><thead><tr><th>User</th><th>Change</th><th>Outcome</th><th>Reason</th></tr></thead><tbody>${d.failures.map((f) => html`<tr><td><a href="/users/${encodeURIComponent(f.email)}">${f.email}</a></td><td>${f.kind}</td><td>${f.outcome.replace(/_/g, ' ')}</td><td>${f.error ?? ''}</td></tr>`)}</tbody></table>` : ''}
${d.warnings.length ? html`<h2>Warnings (${d.warnings.length})</h2><ul data-testid="warnings">${d.warnings.slice(0, 200).map((w) => html`<li>${w}</li>`)}</ul>` : ''}
<h2>Emails (${d.emailsTotal})</h2>
${d.emails.length ? html`<table data-testid="emails"><thead><tr><th>To</th><th>Subject</th><th>Event</th><th>Status</th><th>Sent</th></tr></thead><tbody>${d.emails.map((e) => html`<tr><td>${e.recipient}</td><td>${e.subject}</td><td>${e.event}</td><td>${badge(e.status)}</td><td>${when(e.sent_at)}</td></tr>`)}</tbody></table>${d.emailsTotal > d.emails.length ? html`<p class="muted">First ${d.emails.length} shown.</p>` : ''}` : html`<p class="muted">None.</p>`}`;
}

function held(user: ConsoleUser, csrf: string, run: RunRow, reasons: string[]): Html {
  return html`<h2>Held for approval</h2><div class="errors" data-testid="held-reasons"><p>A guard stopped this run before any change:</p><ul>${reasons.map((r) => html`<li>${r}</li>`)}</ul></div>
${may(user, 'approve') ? html`<form class="inline" method="post" action="/runs/${run.id}/approve"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Approve</button></form>
<form class="inline" method="post" action="/runs/${run.id}/reject"><input type="hidden" name="_csrf" value="${csrf}"><button class="danger" type="submit">Reject</button></form>` : html`<p class="muted">Waiting for an approver.</p>`}`;
}

function results(items: JobItem[]): Html {
  const counts: Record<string, number> = { done: 0, already: 0, not_zoom_user: 0, failed: 0, pending: 0 };
  for (const i of items) counts[i.outcome ?? 'pending']++;
  const shown = items.slice(0, 1000);
  return html`<h2>Results</h2><p data-testid="job-counts">${counts.done} done, ${counts.already} already so, ${counts.not_zoom_user} not a Zoom user, ${counts.failed} failed${counts.pending ? `, ${counts.pending} pending` : ''}</p>
<table data-testid="results"><thead><tr><th>User</th><th>Result</th><th>Reason</th></tr></thead><tbody>${shown.map((i) => html`<tr><td>${i.email}</td><td>${i.outcome ? html`<span class="badge ${i.outcome}">${OUTCOME_LABEL[i.outcome]}</span>` : html`<span class="muted">pending</span>`}</td><td>${i.error ?? ''}</td></tr>`)}</tbody></table>${items.length > shown.length ? html`<p class="muted">First ${shown.length} of ${items.length} shown.</p>` : ''}`;
}

function plan(run: RunRow, d: RunPageData): Html {
  const sm = parseSummary(run);
  if (!sm && d.opsTotal === 0) return html``;
  const next = d.opsOffset + OPS_SHOWN < d.opsTotal ? `/runs/${run.id}?ops=${d.opsOffset + OPS_SHOWN}` : null;
  return html`<h2>Plan</h2>
${sm ? html`<p class="diff" data-testid="plan-totals"><span class="create">+ ${sm.create} create</span> · <span class="update">~ ${sm.update} update, ${sm.queueAdd} queue add, ${sm.queueRemove} queue remove</span> · <span class="remove">− ${sm.deactivate} deactivate, ${sm.remove} remove</span> · ${sm.unchanged} unchanged</p>` : ''}
${d.ops.length ? html`<table class="diff" data-testid="plan"><thead><tr><th></th><th>User</th><th>Change</th><th>From</th><th>To</th><th>Outcome</th></tr></thead><tbody>
${d.ops.map((o) => html`<tr class="${o.kind}"><td class="${o.kind}">${SIGN[o.kind] ?? '?'}</td><td><a href="/users/${encodeURIComponent(o.email)}">${o.email}</a></td><td>${o.kind}${o.reason ? ` (${o.reason})` : ''}</td><td>${fieldsOf(o.before)}</td><td>${fieldsOf(o.after)}</td><td>${badge(o.status)}${o.error ? html` <span class="muted">${o.error}</span>` : ''}</td></tr>`)}</tbody></table>
<p class="muted">Changes ${d.opsOffset + 1}–${d.opsOffset + d.ops.length} of ${d.opsTotal}. ${d.opsOffset > 0 ? html`<a href="/runs/${run.id}?ops=${Math.max(0, d.opsOffset - OPS_SHOWN)}">‹ Previous</a>` : ''} ${next ? html`<a href="${next}">Next ›</a>` : ''}</p>` : ''}`;
}

/** An op's before/after JSON as `field: value` pairs. */
function fieldsOf(json: string | null): string {
  if (!json) return '';
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    return Object.entries(v).map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`).join(', ');
  } catch {
    return json;
  }
}
