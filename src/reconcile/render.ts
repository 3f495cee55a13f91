/**
 * Plan output, like `terraform plan`: one line per change, grouped by user, then totals.
 * `planJson` is the stable machine-readable contract of `zcc-sync plan --json`.
 *
 * A created user's queues are shown on the create line; their queueAdd ops are not repeated as
 * separate lines (they still count in the totals, as apply makes one queue call per queue).
 */
import { OP_ORDER, type Op, type OpKind, type PlanSummary } from '../domain/types';

export interface RenderOptions {
  /** ANSI colours (+ green, ~ yellow, - red). Off by default: output is often piped or logged. */
  color?: boolean;
}

const ANSI = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', bold: '\x1b[1m', reset: '\x1b[0m' };

type Rec = Record<string, unknown>;

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : '(none)';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** { a: 1, b: { c: 2 } } → [["a", 1], ["b.c", 2]] */
function flatten(obj: unknown, prefix = ''): Array<[string, unknown]> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [[prefix, obj]];
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj as Rec)) out.push(...flatten(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

function createLine(op: Op): string {
  const a = (op.after ?? {}) as Rec;
  const parts = [`role ${show(a.role)}`, `package ${show(a.package)}`];
  const queues = Array.isArray(a.queues) ? (a.queues as string[]) : [];
  if (queues.length) parts.push(`queues ${queues.join(', ')}`);
  const settings = a.settings && typeof a.settings === 'object' ? flatten(a.settings) : [];
  if (settings.length) parts.push(`settings ${settings.map(([k, v]) => `${k}=${show(v)}`).join(', ')}`);
  return `+ create ${op.email} (${parts.join(', ')})`;
}

function updateLine(op: Op): string {
  const b = (op.before ?? {}) as Rec;
  const a = (op.after ?? {}) as Rec;
  const changes: string[] = [];
  for (const field of ['role', 'package', 'access']) {
    if (field in a) changes.push(`${field}: ${show(b[field])} → ${show(a[field])}`);
  }
  if (a.settings && typeof a.settings === 'object') {
    const before = new Map(flatten(b.settings ?? {}));
    for (const [k, v] of flatten(a.settings)) changes.push(`settings.${k}: ${show(before.get(k))} → ${show(v)}`);
  }
  return `~ update ${op.email} ${changes.join(', ')}`;
}

/** Why a leaver's op is planned, in the admin's words. */
const REASON_TEXT: Record<NonNullable<Op['reason']>, string> = { disabled: 'disabled in the directory' };

function line(op: Op): string {
  const text = opLine(op);
  return op.reason ? `${text} [${REASON_TEXT[op.reason]}]` : text;
}

function opLine(op: Op): string {
  switch (op.kind) {
    case 'create':
      return createLine(op);
    case 'update':
      return updateLine(op);
    case 'queueAdd':
      return `+ queue ${op.email} → ${show((op.after as Rec | null)?.queue)}`;
    case 'queueRemove':
      return `- queue ${op.email} ✕ ${show((op.before as Rec | null)?.queue)}`;
    case 'deactivate':
      return (op.before as Rec | null)?.access === 'inactive'
        ? `- deactivate ${op.email} (already inactive in ZCC; starts the removal grace period)`
        : `- deactivate ${op.email}`;
    case 'remove': {
      const since = (op.before as Rec | null)?.deactivatedAt;
      return `- remove ${op.email}${typeof since === 'string' ? ` (deactivated ${since.slice(0, 10)})` : ''}`;
    }
  }
}

const COLOR_OF: Record<OpKind, keyof typeof ANSI> = {
  create: 'green',
  update: 'yellow',
  queueAdd: 'green',
  queueRemove: 'red',
  deactivate: 'red',
  remove: 'red',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The totals line, e.g. "Plan: 3 to create, 1 to update, 2 queue adds, 1 queue remove, 0 to deactivate, 0 to remove; 240 unchanged." */
export function planTotals(s: PlanSummary): string {
  return (
    `Plan: ${s.create} to create, ${s.update} to update, ${plural(s.queueAdd, 'queue add', 'queue adds')}, ` +
    `${plural(s.queueRemove, 'queue remove', 'queue removes')}, ${s.deactivate} to deactivate, ${s.remove} to remove; ${s.unchanged} unchanged.`
  );
}

export function renderPlan(ops: Op[], summary: PlanSummary, warnings: string[], options: RenderOptions = {}): string {
  const paint = (color: keyof typeof ANSI, text: string) => (options.color ? `${ANSI[color]}${text}${ANSI.reset}` : text);
  const order = new Map(OP_ORDER.map((k, i) => [k, i]));

  // Group by user (sorted by email), ops in apply order within a user.
  const byUser = new Map<string, Op[]>();
  for (const op of ops) {
    const list = byUser.get(op.email);
    if (list) list.push(op);
    else byUser.set(op.email, [op]);
  }
  const lines: string[] = [];
  for (const email of [...byUser.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const userOps = (byUser.get(email) as Op[]).slice().sort((a, b) => (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0));
    const created = userOps.some((op) => op.kind === 'create');
    for (const op of userOps) {
      if (created && op.kind === 'queueAdd') continue; // shown on the create line
      lines.push(`  ${paint(COLOR_OF[op.kind], line(op))}`);
    }
  }

  const out: string[] = [];
  if (lines.length) out.push('zcc-sync will make these changes in ZCC:', '', ...lines, '');
  else out.push('No changes: ZCC matches the directory for every managed user.', '');
  if (warnings.length) out.push(paint('yellow', 'Warnings:'), ...warnings.map((w) => `  ! ${w}`), '');
  out.push(paint('bold', planTotals(summary)));
  return out.join('\n');
}

export interface PlanJson {
  runId: string;
  summary: Pick<PlanSummary, 'create' | 'update' | 'queueAdd' | 'queueRemove' | 'deactivate' | 'remove' | 'unchanged'>;
  /** `reason` only on ops planned for a reason other than the diff (`disabled`). */
  ops: Array<{ email: string; kind: OpKind; before: Op['before']; after: Op['after']; reason?: Op['reason'] }>;
  warnings: string[];
}

/** The `plan --json` document (an object: the caller stringifies it). Only contract fields, in contract order. */
export function planJson(runId: string, ops: Op[], summary: PlanSummary, warnings: string[]): PlanJson {
  return {
    runId,
    summary: {
      create: summary.create,
      update: summary.update,
      queueAdd: summary.queueAdd,
      queueRemove: summary.queueRemove,
      deactivate: summary.deactivate,
      remove: summary.remove,
      unchanged: summary.unchanged,
    },
    ops: ops.map((op) => ({ email: op.email, kind: op.kind, before: op.before ?? null, after: op.after ?? null, ...(op.reason ? { reason: op.reason } : {}) })),
    warnings: [...warnings],
  };
}
