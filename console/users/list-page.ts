/**
 * The Users page: the portal's, served from the store's mirror of ZCC (kept by every run), so a
 * page of 100k users is one indexed query, not minutes of API calls. Search, Queue, Active Status
 * and Role combine and live in the URL; check boxes drive bulk Remove and Activate/Deactivate.
 */
import type { MirrorUser } from '../../src/store/zcc-mirror';
import type { ConsoleUser } from '../deps';
import { html, type Html } from '../html';
import { badge, when } from '../layout';
import { may } from '../permissions';
import { PAGE_SIZE, usersUrl, type UsersQuery } from './filters';

export interface UsersPageData {
  q: UsersQuery;
  users: MirrorUser[];
  total: number;
  facets: { roles: string[]; queues: string[] };
  freshness: { users: number; fullAt: string | null; fullRunId: string | null; changedAt: string | null };
}

export function usersPage(user: ConsoleUser, csrf: string, d: UsersPageData): Html {
  const operator = may(user, 'operate');
  const { q } = d;
  const pages = Math.max(1, Math.ceil(d.total / PAGE_SIZE));
  const first = d.total === 0 ? 0 : (q.page - 1) * PAGE_SIZE + 1;
  const last = Math.min(q.page * PAGE_SIZE, d.total);
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}" ${value === (selected ?? '') ? html`selected` : ''}>${label}</option>`;
  return html`<h1>Users</h1>
<p class="muted" data-testid="freshness">ZCC state as of the last full read ${d.freshness.fullAt ? html`(${when(d.freshness.fullAt)}, run <a href="/runs/${d.freshness.fullRunId}">${d.freshness.fullRunId}</a>)` : '(none yet: run a Preview or a reconcile)'}, with every change zcc-sync made since${d.freshness.changedAt ? ` (latest ${when(d.freshness.changedAt)})` : ''}.
${operator ? html`<form class="inline" method="post" action="/runs/preview"><input type="hidden" name="_csrf" value="${csrf}"><button class="secondary" type="submit" title="Starts a plan: it reads the whole of ZCC and refreshes this page's data, changing nothing">Refresh from ZCC</button></form>` : ''}</p>
<form class="filters" method="get" action="/users" role="search">
  <label>Search<input name="search" value="${q.search ?? ''}" placeholder="email or name"></label>
  <label>Queue<select name="queue">${option('', 'All queues', q.queue)}${d.facets.queues.map((n) => option(n, n, q.queue))}</select></label>
  <label>Active Status<select name="status">${option('', 'All', q.status)}${option('active', 'Active', q.status)}${option('inactive', 'Inactive', q.status)}</select></label>
  <label>Role<select name="role">${option('', 'All roles', q.role)}${d.facets.roles.map((n) => option(n, n, q.role))}</select></label>
  <button type="submit">Filter</button> <a class="button secondary" href="/users">Clear</a>
  ${operator ? html`<a class="button" href="/users/add" style="margin-left:auto">Add</a>` : ''}
</form>
<form method="post" action="/users/bulk">
<input type="hidden" name="_csrf" value="${csrf}">
${operator ? html`<div class="bulk"><button class="secondary" name="action" value="activate">Activate</button><button class="secondary" name="action" value="deactivate">Deactivate</button><button class="danger" name="action" value="remove">Remove</button><span class="muted">the checked users</span></div>` : ''}
<table data-testid="users">
<thead><tr>${operator ? html`<th><input type="checkbox" data-check-all aria-label="check all"></th>` : ''}<th>Email</th><th>Name</th><th>Role</th><th>Package</th><th>Access</th><th>Queues</th><th>Managed</th>${operator ? html`<th></th>` : ''}</tr></thead>
<tbody>${d.users.map((u) => row(u, operator))}</tbody>
</table>
</form>
<div class="pager" data-testid="pager"><span>${first}–${last} of ${d.total}</span>
${q.page > 1 ? html`<a href="${usersUrl(q, { page: q.page - 1 })}">‹ Previous</a>` : ''}
${q.page < pages ? html`<a href="${usersUrl(q, { page: q.page + 1 })}">Next ›</a>` : ''}</div>`;
}

function row(u: MirrorUser, operator: boolean): Html {
  const link = `/users/${encodeURIComponent(u.email)}`;
  return html`<tr data-email="${u.email}">
${operator ? html`<td><input type="checkbox" name="email" value="${u.email}" aria-label="select ${u.email}"></td>` : ''}
<td><a href="${link}">${u.email}</a></td><td>${u.displayName}</td><td>${u.role ?? '—'}</td><td>${u.package ?? '—'}</td><td>${badge(u.access)}</td>
<td>${u.queues.join(', ')}</td><td>${u.managed ? 'zcc-sync' : html`<span class="muted">no</span>`}</td>
${operator ? html`<td><details class="menu"><summary aria-label="actions for ${u.email}">⋯</summary><a href="${link}/edit">Edit</a><br><a href="${link}/remove">Remove</a></details></td>` : ''}
</tr>`;
}
