/**
 * Email templates: each returns `{ subject, text, html }`. Plain functions over typed inputs; no
 * template engine. Every interpolated value goes through `esc` in HTML and through `oneLine` in
 * subjects (names come from the directory and may hold anything, `<script>` or line breaks).
 */
import type { OpKind, Outcome, PlanSummary } from '../domain/types';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Where the Temporal Web UI is, for links to a run. Without uiUrl, mails carry no link. */
export interface UiLink {
  uiUrl?: string;
  namespace: string;
}

export function workflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

// ---------------------------------------------------------------------------------------------
// helpers

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Subject-safe: no control characters (no header injection), collapsed spaces, bounded length. */
function oneLine(value: unknown, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const s = String(value ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function subject(...parts: unknown[]): string {
  return oneLine(parts.join(''), 200);
}

const FOOTER_TEXT = 'This is an automated message from zcc-sync. Replies are not read.';

function layout(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${esc(title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f7f9;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1f2328">',
    '<div style="max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #d8dee4;border-radius:6px;padding:24px">',
    `<h1 style="font-size:18px;margin:0 0 16px">${esc(title)}</h1>`,
    body,
    `<p style="margin:24px 0 0;color:#656d76;font-size:12px">${esc(FOOTER_TEXT)}</p>`,
    '</div></body></html>',
  ].join('\n');
}

const p = (html: string) => `<p style="margin:0 0 12px">${html}</p>`;
const code = (s: string) => `<code style="background:#eff1f3;padding:1px 4px;border-radius:3px">${esc(s)}</code>`;
const ul = (items: string[]) => `<ul style="margin:0 0 12px;padding-left:20px">${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;

/** A two-column table of label → value (values already HTML). */
function fieldsHtml(rows: Array<[string, string]>): string {
  const tr = rows
    .map(([k, v]) => `<tr><td style="padding:2px 16px 2px 0;color:#656d76;vertical-align:top">${esc(k)}</td><td style="padding:2px 0">${v}</td></tr>`)
    .join('');
  return `<table style="border-collapse:collapse;margin:0 0 12px">${tr}</table>`;
}

function fieldsText(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `  ${`${k}:`.padEnd(width + 1)}${v}`).join('\n');
}

function list(values: string[], none = 'none'): string {
  return values.length ? values.join(', ') : none;
}

function greeting(name: string | undefined): string {
  const n = oneLine(name ?? '', 80);
  return n ? `Hello ${n},` : 'Hello,';
}

function text(...blocks: Array<string | false | undefined>): string {
  return [...blocks.filter((b): b is string => typeof b === 'string' && b.length > 0), `-- \n${FOOTER_TEXT}`].join('\n\n') + '\n';
}

function runLink(ui: UiLink | undefined, workflowId: string): string | undefined {
  return ui?.uiUrl ? workflowUrl(ui.uiUrl, ui.namespace, workflowId) : undefined;
}

function linkHtml(url: string | undefined, label: string): string {
  return url ? p(`<a href="${esc(url)}" style="color:#0969da">${esc(label)}</a>`) : '';
}

// ---------------------------------------------------------------------------------------------
// to users

interface UserRef {
  /** Display name; optional (the greeting falls back to "Hello,"). */
  name?: string;
  email: string;
}

export interface LicenseAssignedInput extends UserRef {
  role: string;
  package: string;
  queues: string[];
}

export function licenseAssigned(i: LicenseAssignedInput): RenderedMail {
  const rows: Array<[string, string]> = [['Role', i.role], ['Package', i.package], ['Queues', list(i.queues, 'none yet')]];
  const intro = 'You now have a Zoom Contact Center license.';
  const next = 'Sign in to the Zoom Workplace app to start handling engagements. If you did not expect this, contact your Zoom Contact Center administrator.';
  return {
    subject: 'Your Zoom Contact Center license is ready',
    text: text(greeting(i.name), intro, fieldsText(rows), next),
    html: layout('Your Zoom Contact Center license is ready', [
      p(esc(greeting(i.name))),
      p(esc(intro)),
      fieldsHtml(rows.map(([k, v]) => [k, esc(v)])),
      p(esc(next)),
    ].join('\n')),
  };
}

export interface Change<T = string> {
  from?: T | null;
  to: T;
}

export interface UserChanges {
  role?: Change;
  package?: Change;
  access?: Change<'active' | 'inactive'>;
  queuesAdded?: string[];
  queuesRemoved?: string[];
  /** Changed settings by field path, e.g. `channel_settings.multi_channel_engagements.enable`. */
  settings?: Array<{ field: string; from?: unknown; to: unknown }>;
}

export interface UserChangedInput extends UserRef {
  changes: UserChanges;
}

function fmt(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(not set)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function changeLines(c: UserChanges): string[] {
  const out: string[] = [];
  const arrow = (label: string, ch: Change<unknown>) => out.push(ch.from != null ? `${label}: ${fmt(ch.from)} → ${fmt(ch.to)}` : `${label}: ${fmt(ch.to)}`);
  if (c.role) arrow('Role', c.role);
  if (c.package) arrow('Package', c.package);
  if (c.access) arrow('Access', c.access);
  if (c.queuesAdded?.length) out.push(`Added to queues: ${c.queuesAdded.join(', ')}`);
  if (c.queuesRemoved?.length) out.push(`Removed from queues: ${c.queuesRemoved.join(', ')}`);
  for (const s of c.settings ?? []) arrow(`Setting ${s.field}`, s);
  return out;
}

export function userChanged(i: UserChangedInput): RenderedMail {
  const lines = changeLines(i.changes);
  const intro = 'Your Zoom Contact Center account was updated:';
  const outro = 'The changes apply the next time you sign in. Questions? Contact your Zoom Contact Center administrator.';
  const body = lines.length ? lines : ['No visible change.'];
  return {
    subject: 'Your Zoom Contact Center account was updated',
    text: text(greeting(i.name), intro, body.map((l) => `  - ${l}`).join('\n'), outro),
    html: layout('Your Zoom Contact Center account was updated', [p(esc(greeting(i.name))), p(esc(intro)), ul(body.map(esc)), p(esc(outro))].join('\n')),
  };
}

export interface AccessDeactivatedInput extends UserRef {
  /** ISO date after which the license itself is removed, when a grace period applies. */
  licenseRemovalDate?: string;
}

export function accessDeactivated(i: AccessDeactivatedInput): RenderedMail {
  const intro = 'Your Zoom Contact Center access has been set to inactive. You can no longer handle engagements.';
  const grace = i.licenseRemovalDate ? `Your license will be removed on ${oneLine(i.licenseRemovalDate, 40)} unless your access is restored before then.` : undefined;
  const outro = 'If you think this is a mistake, contact your Zoom Contact Center administrator.';
  return {
    subject: 'Your Zoom Contact Center access was deactivated',
    text: text(greeting(i.name), intro, grace, outro),
    html: layout('Your Zoom Contact Center access was deactivated', [p(esc(greeting(i.name))), p(esc(intro)), grace ? p(esc(grace)) : '', p(esc(outro))].join('\n')),
  };
}

export type LicenseRemovedInput = UserRef;

export function licenseRemoved(i: LicenseRemovedInput): RenderedMail {
  const intro = 'Your Zoom Contact Center license has been removed. Your Zoom account itself is not affected.';
  const outro = 'If you think this is a mistake, contact your Zoom Contact Center administrator.';
  return {
    subject: 'Your Zoom Contact Center license was removed',
    text: text(greeting(i.name), intro, outro),
    html: layout('Your Zoom Contact Center license was removed', [p(esc(greeting(i.name))), p(esc(intro)), p(esc(outro))].join('\n')),
  };
}

// ---------------------------------------------------------------------------------------------
// to admins

export type RunKind = 'reconcile' | 'assign' | 'edit' | 'remove';

const OP_LABELS: Record<OpKind, string> = {
  create: 'license assigned',
  update: 'updated',
  queueAdd: 'queue added',
  queueRemove: 'queue removed',
  deactivate: 'deactivated',
  remove: 'license removed',
};
const OUTCOMES: Outcome[] = ['done', 'already', 'not_zoom_user', 'failed', 'skipped'];
const OUTCOME_LABELS: Record<Outcome, string> = {
  done: 'done',
  already: 'already so',
  not_zoom_user: 'not a Zoom user',
  failed: 'failed',
  skipped: 'skipped',
};

/** Counts per op kind (or admin operation name) and outcome. */
export type RunCounts = Partial<Record<OpKind | string, Partial<Record<Outcome, number>>>>;

export interface RunFailure {
  email: string;
  op?: string;
  error: string;
}

/** What the outbox says about the user emails of the run (see outbox `summarize`). */
export interface RunEmailStats {
  sent: number;
  failed: number;
  /** Delivery could not be confirmed after a crash; not resent (see src/mail/outbox.ts). */
  unknown: number;
  skipped?: number;
}

export interface RunReportInput {
  kind: RunKind;
  workflowId: string;
  /** completed, failed, rejected, ... */
  status: string;
  /** Who asked: `cli:<user>` or `schedule`. */
  actor?: string;
  counts: RunCounts;
  /** Failures to list; only the first `maxFailures` are shown. */
  failures: RunFailure[];
  /** Total failures when `failures` is already truncated (defaults to failures.length). */
  totalFailures?: number;
  maxFailures?: number;
  email?: RunEmailStats;
  ui?: UiLink;
}

function opLabel(op: string): string {
  return (OP_LABELS as Record<string, string>)[op] ?? op;
}

function totals(counts: RunCounts): Record<Outcome, number> {
  const t: Record<Outcome, number> = { done: 0, already: 0, not_zoom_user: 0, failed: 0, skipped: 0 };
  for (const byOutcome of Object.values(counts)) for (const o of OUTCOMES) t[o] += byOutcome?.[o] ?? 0;
  return t;
}

function countsRows(counts: RunCounts): Array<{ op: string; cells: number[] }> {
  const known = Object.keys(OP_LABELS);
  const ops = [...known.filter((k) => k in counts), ...Object.keys(counts).filter((k) => !known.includes(k)).sort()];
  return ops.map((op) => ({ op, cells: OUTCOMES.map((o) => counts[op]?.[o] ?? 0) }));
}

export function runReport(i: RunReportInput): RenderedMail {
  const max = i.maxFailures ?? 20;
  const t = totals(i.counts);
  const totalFailures = Math.max(i.totalFailures ?? i.failures.length, t.failed);
  const shown = i.failures.slice(0, max);
  const more = totalFailures - shown.length;
  const url = runLink(i.ui, i.workflowId);
  const headline = `${i.kind} ${i.status}: ${t.done} done, ${t.already} already so, ${totalFailures} failed`;
  const rows = countsRows(i.counts);
  const usedOutcomes = OUTCOMES.filter((_, idx) => rows.some((r) => r.cells[idx] > 0));
  const outcomes = usedOutcomes.length ? usedOutcomes : (['done'] as Outcome[]);
  const meta: Array<[string, string]> = [['Run', i.workflowId], ['Status', i.status]];
  if (i.actor) meta.push(['Requested by', i.actor]);
  const emailLine = i.email
    ? `Emails to users: ${i.email.sent} sent, ${i.email.failed} failed` +
      (i.email.skipped ? `, ${i.email.skipped} skipped` : '') +
      (i.email.unknown ? `, ${i.email.unknown} unconfirmed (delivery could not be confirmed, so not resent: no duplicates)` : '')
    : undefined;
  const failureLine = (f: RunFailure) => `${f.email}${f.op ? ` (${opLabel(f.op)})` : ''}: ${oneLine(f.error, 300)}`;

  const textCounts = rows.length
    ? rows.map((r) => `  ${opLabel(r.op)}: ${outcomes.map((o) => `${r.cells[OUTCOMES.indexOf(o)]} ${OUTCOME_LABELS[o]}`).join(', ')}`).join('\n')
    : '  No changes.';
  const textFailures = shown.length
    ? `Failures${more > 0 ? ` (first ${shown.length} of ${totalFailures})` : ''}:\n` + shown.map((f) => `  - ${failureLine(f)}`).join('\n') + (more > 0 ? `\n  ... and ${more} more.` : '')
    : undefined;

  const th = (s: string, align = 'right') => `<th style="text-align:${align};padding:4px 8px;border-bottom:1px solid #d8dee4">${esc(s)}</th>`;
  const td = (s: string, align = 'right') => `<td style="text-align:${align};padding:4px 8px;border-bottom:1px solid #eaeef2">${s}</td>`;
  const tableHtml = rows.length
    ? `<table style="border-collapse:collapse;margin:0 0 12px"><tr>${th('Change', 'left')}${outcomes.map((o) => th(OUTCOME_LABELS[o])).join('')}</tr>` +
      rows.map((r) => `<tr>${td(esc(opLabel(r.op)), 'left')}${outcomes.map((o) => td(String(r.cells[OUTCOMES.indexOf(o)]))).join('')}</tr>`).join('') +
      '</table>'
    : p('No changes.');
  const failuresHtml = shown.length
    ? p(`<strong>Failures${more > 0 ? ` (first ${shown.length} of ${totalFailures})` : ''}</strong>`) +
      ul(shown.map((f) => `${esc(f.email)}${f.op ? ` (${esc(opLabel(f.op))})` : ''}: ${esc(oneLine(f.error, 300))}`)) +
      (more > 0 ? p(`… and ${more} more.`) : '')
    : '';

  return {
    subject: subject('[zcc-sync] ', headline),
    text: text(`zcc-sync ${headline}.`, fieldsText(meta), `Changes:\n${textCounts}`, textFailures, emailLine, url ? `Open the run in the Temporal Web UI:\n${url}` : undefined),
    html: layout(`zcc-sync ${headline}`, [
      fieldsHtml(meta.map(([k, v]) => [k, esc(v)])),
      tableHtml,
      failuresHtml,
      emailLine ? p(esc(emailLine)) : '',
      linkHtml(url, 'Open the run in the Temporal Web UI'),
    ].join('\n')),
  };
}

export interface RunHeldInput {
  kind: RunKind;
  workflowId: string;
  /** Why the guards held the run, one sentence each. */
  reasons: string[];
  /** The planned changes waiting for approval. */
  summary?: Partial<PlanSummary>;
  /** ISO time after which the run expires unapplied. */
  expiresAt?: string;
  ui?: UiLink;
}

export function runHeld(i: RunHeldInput): RenderedMail {
  const url = runLink(i.ui, i.workflowId);
  const approve = `zcc-sync runs approve ${i.workflowId}`;
  const reject = `zcc-sync runs reject ${i.workflowId}`;
  const intro = `A ${i.kind} run was held by its safety guards and changes nothing until an admin approves it.`;
  const planned = i.summary
    ? (Object.keys(OP_LABELS) as OpKind[]).filter((k) => (i.summary?.[k] ?? 0) > 0).map((k) => `${opLabel(k)}: ${i.summary?.[k]}`)
    : [];
  const expiry = i.expiresAt ? `If nobody decides by ${oneLine(i.expiresAt, 40)}, the run expires and changes nothing.` : undefined;
  return {
    subject: subject(`[zcc-sync] ${i.kind} held for approval: `, i.workflowId),
    text: text(
      intro,
      `Run: ${i.workflowId}`,
      `Why it was held:\n${i.reasons.map((r) => `  - ${r}`).join('\n')}`,
      planned.length ? `Planned changes:\n${planned.map((l) => `  - ${l}`).join('\n')}` : undefined,
      `To apply it:   ${approve}\nTo cancel it:  ${reject}`,
      expiry,
      url ? `Open the run in the Temporal Web UI:\n${url}` : undefined,
    ),
    html: layout(`zcc-sync ${i.kind} held for approval`, [
      p(esc(intro)),
      fieldsHtml([['Run', esc(i.workflowId)]]),
      p('<strong>Why it was held</strong>'),
      ul(i.reasons.map(esc)),
      planned.length ? p('<strong>Planned changes</strong>') + ul(planned.map(esc)) : '',
      p(`To apply it: ${code(approve)}<br>To cancel it: ${code(reject)}`),
      expiry ? p(esc(expiry)) : '',
      linkHtml(url, 'Open the run in the Temporal Web UI'),
    ].join('\n')),
  };
}

export interface RunFailedInput {
  kind: RunKind;
  workflowId: string;
  error: string;
  ui?: UiLink;
}

export function runFailed(i: RunFailedInput): RenderedMail {
  const url = runLink(i.ui, i.workflowId);
  const intro = `A ${i.kind} run failed. Changes already applied stay in place; the next run picks up where it stopped.`;
  return {
    subject: subject(`[zcc-sync] ${i.kind} failed: `, i.workflowId),
    text: text(intro, `Run: ${i.workflowId}`, `Error:\n  ${oneLine(i.error, 2000)}`, url ? `Open the run in the Temporal Web UI:\n${url}` : undefined),
    html: layout(`zcc-sync ${i.kind} failed`, [
      p(esc(intro)),
      fieldsHtml([['Run', esc(i.workflowId)]]),
      p('<strong>Error</strong>'),
      `<pre style="white-space:pre-wrap;background:#eff1f3;padding:8px;border-radius:4px;margin:0 0 12px">${esc(i.error)}</pre>`,
      linkHtml(url, 'Open the run in the Temporal Web UI'),
    ].join('\n')),
  };
}

export interface LicenseExhaustedInput {
  package: string;
  /** How many users could not get a license. */
  count: number;
  /** Some of those users, to name in the mail (the first `maxListed` are shown). */
  emails?: string[];
  maxListed?: number;
  workflowId?: string;
  ui?: UiLink;
}

export function licenseExhausted(i: LicenseExhaustedInput): RenderedMail {
  const url = i.workflowId ? runLink(i.ui, i.workflowId) : undefined;
  const max = i.maxListed ?? 20;
  const shown = (i.emails ?? []).slice(0, max);
  const more = i.count - shown.length;
  const users = i.count === 1 ? '1 user' : `${i.count} users`;
  const intro = `The Zoom account has no ${i.package} Contact Center licenses left: ${users} could not be given one.`;
  const fix = 'Buy more licenses or free some up; the next run assigns them automatically.';
  return {
    subject: subject(`[zcc-sync] No ${i.package} licenses left: ${users} not assigned`),
    text: text(
      intro,
      i.workflowId ? `Run: ${i.workflowId}` : undefined,
      shown.length ? `Users without a license:\n${shown.map((e) => `  - ${e}`).join('\n')}${more > 0 ? `\n  ... and ${more} more.` : ''}` : undefined,
      fix,
      url ? `Open the run in the Temporal Web UI:\n${url}` : undefined,
    ),
    html: layout(`No ${i.package} licenses left`, [
      p(esc(intro)),
      i.workflowId ? fieldsHtml([['Run', esc(i.workflowId)]]) : '',
      shown.length ? p('<strong>Users without a license</strong>') + ul(shown.map(esc)) + (more > 0 ? p(`… and ${more} more.`) : '') : '',
      p(esc(fix)),
      linkHtml(url, 'Open the run in the Temporal Web UI'),
    ].join('\n')),
  };
}

/** "1 h 5 min", "3 d 2 h", "90 s": how long, for people. */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

const STALE_CHECKS = [
  'zcc-sync status             (the worker, the schedule, the last runs)',
  'zcc-sync runs list          (why the latest runs failed or were held)',
  'zcc-sync schedule show      (is the schedule paused?)',
  'zcc-sync config check       (an expired Zoom secret or LDAP password)',
];

export interface ReconcileStaleInput {
  /** When the last reconcile completed (ISO), or null when none ever did. */
  lastSuccessAt: string | null;
  lastSuccessRunId: string | null;
  /** How long since then (or since the first attempt when none ever completed). */
  ageMs: number;
  /** alerts.staleAfter, in milliseconds. */
  staleAfterMs: number;
}

/** The staleness alarm: sent once per last success, however long the silence lasts. */
export function reconcileStale(i: ReconcileStaleInput): RenderedMail {
  const since = i.lastSuccessAt
    ? `No reconcile has completed for ${duration(i.ageMs)}: the last one completed at ${oneLine(i.lastSuccessAt, 40)} (run ${oneLine(i.lastSuccessRunId, 80)}).`
    : `No reconcile has ever completed: the first was attempted ${duration(i.ageMs)} ago.`;
  const why = `That is longer than alerts.staleAfter (${duration(i.staleAfterMs)}). Until a run completes, ZCC users are not kept in step with the directory: joiners get no license, leavers keep theirs.`;
  const after = 'You get one more email when a reconcile completes again.';
  return {
    subject: subject(`[zcc-sync] No reconcile completed for ${duration(i.ageMs)}`),
    text: text(since, why, `What to check:\n${STALE_CHECKS.map((c) => `  ${c}`).join('\n')}`, after),
    html: layout('zcc-sync: reconciling has stopped', [
      p(esc(since)),
      p(esc(why)),
      p('<strong>What to check</strong>'),
      ul(STALE_CHECKS.map((c) => {
        const [command, note] = c.split(/\s{2,}/);
        return `${code(command)} ${esc(note ?? '')}`;
      })),
      p(esc(after)),
    ].join('\n')),
  };
}

export interface ReconcileRecoveredInput {
  /** The reconcile that completed again (ISO time, run id). */
  completedAt: string;
  runId: string;
  /** The success before the silence (ISO), or null when none had ever completed. */
  previousSuccessAt: string | null;
}

/** The all-clear after a staleness alarm: sent once per alarm. */
export function reconcileRecovered(i: ReconcileRecoveredInput): RenderedMail {
  const gap = i.previousSuccessAt ? ` after ${duration(Date.parse(i.completedAt) - Date.parse(i.previousSuccessAt))} without one (the previous completed at ${oneLine(i.previousSuccessAt, 40)})` : ', the first ever to complete';
  const intro = `Reconciling works again: run ${oneLine(i.runId, 80)} completed at ${oneLine(i.completedAt, 40)}${gap}.`;
  const next = 'ZCC users are in step with the directory again. `zcc-sync runs list` shows the runs that failed in between.';
  return {
    subject: subject('[zcc-sync] Reconciling works again: ', i.runId, ' completed'),
    text: text(intro, next),
    html: layout('zcc-sync: reconciling works again', [p(esc(intro)), p(esc(next))].join('\n')),
  };
}
