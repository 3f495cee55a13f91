/** Runs, newest first, filterable by kind and status (kept in the URL). */
import type { RunRow } from '../../src/store/runs';
import { parseSummary } from '../../src/store/runs';
import type { ConsoleUser } from '../deps';
import { html, type Html } from '../html';
import { badge, when } from '../layout';
import { may } from '../permissions';

export const RUN_KIND_FILTERS = ['reconcile', 'delta', 'sync', 'plan', 'assign', 'edit', 'remove'] as const;
export const RUN_STATUS_FILTERS = ['planning', 'planned', 'held', 'applying', 'completed', 'failed', 'rejected', 'expired', 'cancelled', 'skipped'] as const;

export function runsPage(user: ConsoleUser, csrf: string, runs: RunRow[], f: { kind: string; status: string; page: number; more: boolean }): Html {
  const opt = (v: string, sel: string, label = v) => html`<option value="${v}" ${v === sel ? html`selected` : ''}>${label}</option>`;
  const url = (page: number) => `/runs?${new URLSearchParams({ ...(f.kind ? { kind: f.kind } : {}), ...(f.status ? { status: f.status } : {}), page: String(page) }).toString()}`;
  return html`<h1>Runs</h1>
${may(user, 'operate') ? html`<form class="inline" method="post" action="/runs/preview"><input type="hidden" name="_csrf" value="${csrf}"><button class="secondary" type="submit">Preview (plan only)</button></form>
<form class="inline" method="post" action="/runs/apply"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Apply (reconcile now)</button></form>` : ''}
<form class="filters" method="get" action="/runs">
  <label>Kind<select name="kind">${opt('', f.kind, 'All kinds')}${RUN_KIND_FILTERS.map((k) => opt(k, f.kind))}</select></label>
  <label>Status<select name="status">${opt('', f.status, 'All statuses')}${RUN_STATUS_FILTERS.map((s) => opt(s, f.status))}</select></label>
  <button type="submit">Filter</button>
</form>
<table data-testid="runs"><thead><tr><th>Run</th><th>Kind</th><th>Status</th><th>Trigger</th><th>Started</th><th>Finished</th><th>Changes</th></tr></thead><tbody>
${runs.map((r) => {
  const sm = parseSummary(r);
  return html`<tr><td><a href="/runs/${r.id}">${r.id}</a></td><td>${r.kind}${r.kind === 'reconcile' && r.scope !== 'full' ? ` (${r.scope})` : ''}</td><td>${badge(r.status)}</td><td>${r.trigger}</td><td>${when(r.created_at)}</td><td>${when(r.finished_at)}</td>
<td class="diff">${sm ? html`<span class="create">+${sm.create}</span> <span class="update">~${sm.update + sm.queueAdd + sm.queueRemove}</span> <span class="remove">−${sm.deactivate + sm.remove}</span>` : ''}</td></tr>`;
})}</tbody></table>
<div class="pager">${f.page > 1 ? html`<a href="${url(f.page - 1)}">‹ Newer</a>` : ''} ${f.more ? html`<a href="${url(f.page + 1)}">Older ›</a>` : ''}</div>`;
}
