/**
 * `zcc-sync users explain EMAIL` as text: directory entry and group paths, the mappings that
 * match (the winner marked), desired next to ZCC, the next reconcile's ops and reasons, history.
 * The ops are shown with the plan's own lines (src/reconcile/render.ts), so they read as `plan`.
 */
import type { Op, PlanSummary } from '../domain/types';
import { renderPlan } from '../reconcile/render';
import { firstRdn } from './nesting-path';
import type { Explanation } from './types';
import { when } from './decide';

const show = (v: unknown): string => (v === null || v === undefined || v === '' ? '-' : Array.isArray(v) ? v.join(', ') || '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function renderExplanation(e: Explanation): string[] {
  const lines: string[] = [`${e.email}`, ''];
  lines.push(...directoryLines(e), '', ...mappingLines(e), '', ...stateLines(e), '', ...nextLines(e), '', ...historyLines(e));
  return lines;
}

function directoryLines(e: Explanation): string[] {
  const d = e.directory;
  if (!d.found) return ['Directory: no mapped group has a member with this email.'];
  const source = d.email.rewrite
    ? `${d.email.attribute} ${d.email.rewrite.from} → ${d.email.rewrite.to} (directory.emailDomains)`
    : `${d.email.attribute} ${d.email.value ?? e.email}`;
  const lines = [
    'Directory',
    `  DN        ${d.dn}`,
    `  name      ${show(d.displayName)}  (id ${show(d.uniqueId)})`,
    `  email     ${source}`,
    `  account   ${d.disabled ? `DISABLED in the directory (${d.disabledMeans})` : 'enabled'}`,
    `  groups    ${d.groups.length} mapped group(s):`,
  ];
  // The path as an admin reads it: cn=cc-agents ⊃ cn=cc-agents-emea ⊃ uid=ann.lee
  for (const g of d.groups) lines.push(`    ${g.path.map(firstRdn).join(' ⊃ ')}${g.path.length > 2 ? '  (nested)' : ''}`);
  for (const w of d.warnings) lines.push(`  ! ${w.code}: ${w.message}`);
  return lines;
}

function mappingLines(e: Explanation): string[] {
  if (e.mappings.length === 0) return ['Mappings: none matches (the user is in no mapped group).'];
  const lines = ['Mappings that match (role, package and settings from the highest priority; ties: first in the file; queues: all of them)'];
  for (const m of e.mappings) {
    const settings = Object.keys(m.settings).length ? `, settings ${JSON.stringify(m.settings)}` : '';
    lines.push(`  ${m.wins ? '*' : ' '} mappings[${m.index}] ${firstRdn(m.group)}  priority ${m.priority}: role ${m.role}, package ${m.package}, queues ${show(m.queues)}${settings}${m.wins ? '  ← wins' : ''}`);
  }
  return lines;
}

function stateLines(e: Explanation): string[] {
  const want = e.desired;
  const have = e.zcc;
  const rows: Array<[string, string, string]> = [
    ['role', show(want?.roleName), show(have?.roleName)],
    ['package', show(want?.packageName), show(have?.packageName)],
    ['access', want ? 'active' : '-', show(have?.access)],
    ['queues', show(want?.queues), show(have?.queues)],
    ['settings', want && Object.keys(want.settings).length ? JSON.stringify(want.settings) : '-', have && Object.keys(have.settings).length ? JSON.stringify(have.settings) : '-'],
  ];
  const w1 = Math.max(7, ...rows.map((r) => r[1].length));
  const lines = [`State       ${'desired'.padEnd(w1)}  ZCC${have ? '' : ' (no ZCC license)'}`];
  for (const [name, a, b] of rows) lines.push(`  ${name.padEnd(10)}${a.padEnd(w1)}  ${b}`);
  lines.push('  (queues: the mapped queues only; zcc-sync manages no others)');
  const m = e.managed;
  if (m) {
    const parts = [`provisioned by ${show(m.provisionedBy)} at ${m.provisionedAt ? when(m.provisionedAt) : '-'}`];
    if (m.deactivatedAt) parts.push(`deactivated ${when(m.deactivatedAt)}`);
    if (m.removedAt) parts.push(`license removed ${when(m.removedAt)}`);
    lines.push(`  managed   ${parts.join(', ')}`);
  } else lines.push('  managed   no (zcc-sync never provisioned or adopted this user)');
  return lines;
}

function nextLines(e: Explanation): string[] {
  const lines = ['Next reconcile', '  why:'];
  // A held run gets a block of its own below: its reasons are long and run-wide.
  for (const r of e.next.reasons) if (r.code !== 'held') lines.push(`    - ${r.text}`);
  if (e.next.ops.length === 0) lines.push('  changes: none for this user');
  else lines.push('  changes (as `zcc-sync plan` shows them):', ...opLines(e.next.ops).map((l) => `  ${l}`));
  for (const run of e.held) {
    lines.push(`  held by guard: run ${run.runId} waits for approval since ${when(run.since)}; no reconcile changes ZCC until it is approved or rejected (zcc-sync runs approve|reject ${run.runId})`);
    for (const reason of run.reasons) lines.push(`    - ${reason}`);
    if (run.ops.length) lines.push('    once approved, it applies to this user:', ...opLines(run.ops).map((l) => `    ${l}`));
  }
  return lines;
}

/** The plan's own per-op lines (indented two spaces), without its heading and totals. */
function opLines(ops: Op[]): string[] {
  if (ops.length === 0) return [];
  const summary: PlanSummary = { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0 };
  return renderPlan(ops, summary, []).split('\n').filter((l) => l.startsWith('  '));
}

function historyLines(e: Explanation): string[] {
  if (e.historyTotal === 0) return ['History: no change recorded for this user.'];
  const lines = [`History (${e.historyTotal} audit row(s), oldest first)`];
  if (e.historyTotal > e.history.length) lines.push(`  … ${e.historyTotal - e.history.length} older row(s) not shown`);
  for (const h of e.history) {
    const change = h.after ?? h.before;
    lines.push(`  ${when(h.at)}  ${h.op.padEnd(11)} ${h.result.padEnd(8)} run ${h.runId}  by ${h.actor}${change ? `  ${JSON.stringify(change)}` : ''}${h.error ? `  — ${h.error}` : ''}`);
  }
  return lines;
}
