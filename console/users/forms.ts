/**
 * The Add, Edit and Remove forms. They post the CLI's request (RawRequest), so the checks and
 * their messages are the CLI's; a refused form comes back filled in, with the problems on top.
 */
import { PACKAGES } from '../../src/config/schema';
import type { MirrorUser } from '../../src/store/zcc-mirror';
import { html, type Html } from '../html';

export interface Names {
  roles: string[];
  queues: string[];
}

export interface AddValues {
  emails: string;
  role: string;
  package: string;
  queues: string[];
  settings: string;
}

const select = (name: string, options: string[], selected: string, empty?: string) =>
  html`<select name="${name}">${empty !== undefined ? html`<option value="">${empty}</option>` : ''}${options.map((o) => html`<option value="${o}" ${o === selected ? html`selected` : ''}>${o}</option>`)}</select>`;

const multi = (name: string, options: string[], selected: string[]) =>
  html`<select name="${name}" multiple size="${Math.min(Math.max(options.length, 2), 8)}">${options.map((o) => html`<option value="${o}" ${selected.includes(o) ? html`selected` : ''}>${o}</option>`)}</select>`;

export function addForm(csrf: string, names: Names, v: AddValues): Html {
  return html`<h1>Add users</h1>
<form class="form" method="post" action="/users/add" enctype="multipart/form-data">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label>Emails (one per line or comma-separated)<textarea name="emails" rows="4">${v.emails}</textarea></label>
  <label>…or a CSV file (header: email; optional role, package and ;-separated queues per row) — thousands of rows are fine<input type="file" name="csv" accept=".csv,text/csv"></label>
  <label>Role (required unless every CSV row names one)${select('role', names.roles, v.role, '— choose a role —')}</label>
  <label>Package${select('package', [...PACKAGES], v.package || 'essentials')}</label>
  <label>Queues (hold Ctrl to pick several)${multi('queues', names.queues, v.queues)}</label>
  <label>Settings (one field=value per line, e.g. country_iso_code=US)<textarea name="settings" rows="3">${v.settings}</textarea></label>
  <div><button type="submit">Add</button> <a class="button secondary" href="/users">Cancel</a></div>
  <p class="muted">Users who already hold a license are left as they are (use Edit). Each new user gets an email.</p>
</form>`;
}

export interface EditValues {
  role: string;
  package: string;
  status: string;
  addQueues: string[];
  removeQueues: string[];
  settings: string;
}

export function editForm(csrf: string, names: Names, user: MirrorUser | null, email: string, v: EditValues): Html {
  const current = user ? html`<p class="muted">Now: role ${user.role ?? '—'}, package ${user.package ?? '—'}, ${user.access ?? 'unknown access'}, queues ${user.queues.join(', ') || 'none'}.</p>` : html`<p class="muted">Not in the console's copy of ZCC yet; the job reads ZCC itself.</p>`;
  return html`<h1>Edit ${email}</h1>${current}
<form class="form" method="post" action="/users/${encodeURIComponent(email)}/edit">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label>Role${select('role', names.roles, v.role, '— unchanged —')}</label>
  <label>Package${select('package', [...PACKAGES], v.package, '— unchanged —')}</label>
  <label>Access${select('status', ['active', 'inactive'], v.status, '— unchanged —')}</label>
  <label>Add to queues${multi('addQueues', names.queues, v.addQueues)}</label>
  <label>Remove from queues${multi('removeQueues', user?.queues.length ? user.queues : names.queues, v.removeQueues)}</label>
  <label>Settings to change (field=value per line)<textarea name="settings" rows="3">${v.settings}</textarea></label>
  <div><button type="submit">Save</button> <a class="button secondary" href="/users/${encodeURIComponent(email)}">Cancel</a></div>
</form>`;
}

/** Removing takes licenses away: the page says how many and whose, and asks again. */
export function removeConfirm(csrf: string, emails: string[]): Html {
  const shown = emails.slice(0, 20);
  return html`<h1>Remove ${emails.length} license${emails.length === 1 ? '' : 's'}?</h1>
<p data-testid="remove-question">Remove the ZCC license of <strong>${emails.length} user${emails.length === 1 ? '' : 's'}</strong>: ${shown.join(', ')}${emails.length > shown.length ? ` … and ${emails.length - shown.length} more` : ''}. They lose access to Contact Center.</p>
<form method="post" action="/users/bulk">
  <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="remove"><input type="hidden" name="confirm" value="yes">
  ${emails.map((e) => html`<input type="hidden" name="email" value="${e}">`)}
  <button class="danger" type="submit">Remove ${emails.length} license${emails.length === 1 ? '' : 's'}</button> <a class="button secondary" href="/users">Cancel</a>
</form>`;
}

/** Settings lines as the CLI's `--set field=value` list. */
export const settingLines = (text: string): string[] => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** Emails typed one per line, or separated by commas, semicolons or spaces. */
export const emailList = (text: string): string[] => text.split(/[\s,;]+/).map((e) => e.trim()).filter(Boolean);
