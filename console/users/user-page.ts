/**
 * A user's page: their ZCC state, their directory groups and which mapping won (the explanation
 * `zcc-sync users explain` prints, read live for this one user), and their history of changes.
 */
import type { Explanation } from '../../src/explain/types';
import type { MirrorUser } from '../../src/store/zcc-mirror';
import type { ConsoleUser } from '../deps';
import { html, type Html } from '../html';
import { badge, when } from '../layout';
import { may } from '../permissions';

export function userPage(user: ConsoleUser, email: string, mirror: MirrorUser | null, ex: Explanation | null, explainError: string | null): Html {
  const link = `/users/${encodeURIComponent(email)}`;
  const zcc = ex?.zcc;
  return html`<h1>${email}</h1>
${may(user, 'operate') ? html`<p><a class="button" href="${link}/edit">Edit</a> <a class="button secondary" href="${link}/remove">Remove</a></p>` : ''}
<h2>In ZCC</h2>
${zcc ? html`<dl class="facts" data-testid="zcc-state"><dt>Name</dt><dd>${zcc.displayName}</dd><dt>Role</dt><dd>${zcc.roleName}</dd><dt>Package</dt><dd>${zcc.packageName ?? '—'}</dd><dt>Access</dt><dd>${badge(zcc.access)}</dd><dt>Mapped queues</dt><dd>${zcc.queues.join(', ') || '—'}</dd><dt>User id</dt><dd>${zcc.userId}</dd></dl>`
    : mirror ? html`<dl class="facts" data-testid="zcc-state"><dt>Name</dt><dd>${mirror.displayName}</dd><dt>Role</dt><dd>${mirror.role ?? '—'}</dd><dt>Package</dt><dd>${mirror.package ?? '—'}</dd><dt>Access</dt><dd>${badge(mirror.access)}</dd><dt>Queues</dt><dd>${mirror.queues.join(', ') || '—'}</dd><dt>As of</dt><dd>${when(mirror.updatedAt)}</dd></dl>`
      : html`<p data-testid="zcc-state">No ZCC license${ex ? '' : ' in the console’s copy of ZCC'}.</p>`}
${explainError ? html`<div class="errors">Could not read this user live: ${explainError}</div>` : ''}
${ex ? directory(ex) : ''}
${ex ? history(ex) : ''}`;
}

function directory(ex: Explanation): Html {
  const d = ex.directory;
  return html`<h2>In the directory</h2>
${d.found ? html`<dl class="facts" data-testid="directory"><dt>Entry</dt><dd>${d.dn}</dd><dt>Name</dt><dd>${d.displayName ?? '—'}</dd><dt>Disabled</dt><dd>${d.disabled ? `yes (${d.disabledMeans})` : 'no'}</dd>
<dt>Mapped groups</dt><dd>${d.groups.length ? d.groups.map((g) => html`<div>${g.group}${g.path.length > 2 ? html` <span class="muted">via ${g.path.slice(1, -1).join(' → ')}</span>` : ''}</div>`) : 'none'}</dd></dl>` : html`<p>No mapped group reaches an entry with this email.</p>`}
<h2>Mappings</h2>
${ex.mappings.length ? html`<table data-testid="mappings"><thead><tr><th>#</th><th>Group</th><th>Role</th><th>Package</th><th>Queues</th><th>Priority</th><th></th></tr></thead><tbody>
${ex.mappings.map((m) => html`<tr><td>mappings[${m.index}]</td><td>${m.group}</td><td>${m.role}</td><td>${m.package}</td><td>${m.queues.join(', ')}</td><td>${m.priority}</td><td>${m.wins ? html`<strong>wins</strong>` : ''}</td></tr>`)}</tbody></table>` : html`<p class="muted">No mapping applies.</p>`}
<h2>Next reconcile</h2>
<ul>${ex.next.reasons.map((r) => html`<li>${r.text}</li>`)}</ul>`;
}

function history(ex: Explanation): Html {
  const rows = [...ex.history].reverse();
  return html`<h2>History (${ex.historyTotal})</h2>
${rows.length ? html`<table data-testid="history"><thead><tr><th>When</th><th>Change</th><th>By</th><th>Result</th><th>Run</th></tr></thead><tbody>
${rows.map((h) => html`<tr><td>${when(h.at)}</td><td>${h.op}</td><td>${h.actor}</td><td>${badge(h.result)}${h.error ? html` <span class="muted">${h.error}</span>` : ''}</td><td><a href="/runs/${h.runId}">${h.runId}</a></td></tr>`)}</tbody></table>` : html`<p class="muted">No changes recorded.</p>`}`;
}
