/**
 * Turns a run's outcomes into emails: one per user per run (what changed for them) and the
 * admins' report. Everything goes through the outbox, whose dedupe key (run, recipient, event)
 * makes a retried or replayed activity enqueue nothing twice; `deliver` sends each row once.
 *
 * A user's email is queued by the apply chunk that settles their last op (`usersSettled`), so
 * rendering 100k emails overlaps the rate-limited API calls instead of following them;
 * `userChanges` at the end of a run queues whatever no chunk settled (skipped creates, cancelled
 * runs).
 */
import type { Config } from '../config/schema';
import type { Logger } from '../log/logger';
import type { Store } from '../store/db';
import { createsWithoutLicense, opsOfUsers, runFailures, usersNotMailed, type OpRow } from '../store/ops';
import { displayNames } from '../store/snapshots';
import { groupBy } from '../util/group-by';
import { accessDeactivated, licenseAssigned, licenseExhausted, licenseRemoved, runFailed, runHeld, runReport, userChanged, type RunKind, type UserChanges } from './templates';
import type { Mailer } from './mailer';
import { adminMails, deliver, enqueue, summarize, userMail, type OutboxItem } from './outbox';
import type { RunReport } from '../store/runs';

export interface Notifier {
  runHeld(input: { runId: string; workflowId: string; reasons: string[]; kind?: RunKind }): Promise<void>;
  /**
   * Queues the email of every user of these (whose ops may just have settled) whose ops in the
   * run are all final; users with an op still pending are left for the chunk that settles it.
   */
  usersSettled(input: { runId: string; emails: string[] }): Promise<number>;
  /** Queues the email of every user of the run not mailed yet (the end of a run). */
  userChanges(input: { runId: string }): Promise<number>;
  runReport(input: { runId: string; workflowId: string; result: RunReport; kind?: RunKind; actor?: string }): Promise<void>;
  deliver(input: { runId: string }): Promise<void>;
}

export interface NotifierDeps {
  db: Store;
  config: Config;
  mailer: Mailer;
  logger: Logger;
  /** Reports progress of long steps (the worker passes the activity heartbeat; elsewhere a no-op). */
  heartbeat?: (details: unknown) => void;
}

/** The ops columns an email is rendered from. */
type OpRecord = Pick<OpRow, 'email' | 'kind' | 'status' | 'before' | 'after'>;

const PAGE_USERS = 500;
/** The events of user emails (`mailFor`); admin mails of a run share its workflow id. */
const USER_EVENTS = ['licenseAssigned', 'licenseRemoved', 'accessDeactivated', 'userChanged'];

export function createNotifier(deps: NotifierDeps): Notifier {
  const { db, mailer } = deps;
  const email = deps.config.email;
  const ui = { uiUrl: deps.config.temporal.uiUrl, namespace: deps.config.temporal.namespace };
  const heartbeat = deps.heartbeat ?? (() => undefined);
  const mailUsers = (runId: string, emails: string[], settledOnly: boolean) => queueUserMails(deps, runId, emails, settledOnly);

  return {
    async runHeld(input) {
      const mail = runHeld({ kind: input.kind ?? 'reconcile', workflowId: input.workflowId, reasons: input.reasons, ui });
      await enqueue(db, adminMails(email, input.runId, 'runHeld', mail), email);
      await deliver(db, mailer, { workflowId: input.runId });
    },

    async usersSettled(input) {
      const emails = [...new Set(input.emails)];
      let queued = 0;
      for (let i = 0; i < emails.length; i += PAGE_USERS) queued += await mailUsers(input.runId, emails.slice(i, i + PAGE_USERS), true);
      return queued;
    },

    async userChanges(input) {
      // Page by email so a 100k-user run never holds all its ops in memory. Users already mailed
      // (by the chunk that settled them) are left out by the outbox join: at the end of a run this
      // only finds users whose last op was settled elsewhere (skipped creates) or nothing.
      let queued = 0;
      for (let after = ''; ;) {
        const emails = await usersNotMailed(db, input.runId, USER_EVENTS, after, PAGE_USERS);
        if (emails.length === 0) return queued;
        after = emails[emails.length - 1];
        // Also users with ops still pending (a cancelled or failed run): they hear what took effect.
        queued += await mailUsers(input.runId, emails, false);
        heartbeat({ queued });
      }
    },

    async runReport(input) {
      await enqueue(db, await adminReportMails({ ...deps, ui }, input), email);
    },

    async deliver(input) {
      // Not scoped to the run: mail left pending by an earlier run (relay was down) goes out too.
      const result = await deliver(db, mailer, { onProgress: (p) => heartbeat(p) });
      if (result.failed || result.unknown) deps.logger.warn({ runId: input.runId, ...result }, 'some emails were not delivered');
      // Rows left pending (relay down, a transient refusal, another deliverer's lease): let
      // Temporal retry the activity later; rows already sent are never sent again.
      if (result.retry > 0 || result.inFlight > 0 || result.relayError) {
        throw new Error(`email delivery incomplete for ${input.runId}: ${result.retry} to retry, ${result.inFlight} in flight${result.relayError ? `; relay: ${result.relayError}` : ''}`);
      }
    },
  };
}

/**
 * Renders and queues the run's email of each given user (≤ a page) from all their ops in the
 * run. The outbox keeps the first email per event, so a user is mailed once their ops are final:
 * with `settledOnly`, users with an op still pending are left out.
 */
async function queueUserMails(deps: NotifierDeps, runId: string, emails: string[], settledOnly: boolean): Promise<number> {
  if (emails.length === 0) return 0;
  let ops: OpRecord[] = await opsOfUsers(deps.db, runId, emails);
  if (settledOnly) {
    const open = new Set(ops.filter((o) => o.status === 'pending').map((o) => o.email));
    ops = ops.filter((o) => !open.has(o.email));
  }
  const names = await displayNames(deps.db, runId, emails);
  const items: OutboxItem[] = [];
  for (const [email, userOps] of groupBy(ops, (o) => o.email)) {
    const item = mailFor(runId, email, names.get(email), userOps);
    if (item) items.push(item);
  }
  return (await enqueue(deps.db, items, deps.config.email)).inserted;
}

/** The admins' mails at the end of a run: the report, a failure notice, license exhaustion. */
async function adminReportMails(
  deps: NotifierDeps & { ui: Pick<Config['temporal'], 'uiUrl' | 'namespace'> },
  input: { runId: string; workflowId: string; result: RunReport; kind?: RunKind; actor?: string },
): Promise<OutboxItem[]> {
  const { db, ui } = deps;
  const admins = deps.config.email;
  const kind = input.kind ?? 'reconcile';
  const failed = await runFailures(db, input.runId, 20);
  const outbox = await summarize(db, input.runId);
  const emailStats = { sent: outbox.byStatus.sent ?? 0, failed: outbox.byStatus.failed ?? 0, unknown: outbox.byStatus.unknown ?? 0, skipped: outbox.byStatus.skipped ?? 0 };
  const report = runReport({
    kind,
    workflowId: input.workflowId,
    status: input.result.status,
    actor: input.actor,
    counts: input.result.outcomes,
    failures: failed.map((f) => ({ email: f.email, op: f.kind, error: f.error ?? f.outcome })),
    totalFailures: input.result.failures,
    email: emailStats,
    ui,
  });
  const items = adminMails(admins, input.runId, 'runReport', report);
  if (input.result.status === 'failed' && input.result.error) {
    items.push(...adminMails(admins, input.runId, 'runFailed', runFailed({ kind, workflowId: input.workflowId, error: input.result.error, ui })));
  }
  const exhausted = await createsWithoutLicense(db, input.runId);
  if (exhausted.length > 0) {
    const pkg = JSON.parse(exhausted[0].after ?? '{}').package ?? 'the requested';
    const mail = licenseExhausted({ package: pkg, count: exhausted.length, emails: exhausted.map((r) => r.email), workflowId: input.workflowId, ui });
    items.push(...adminMails(admins, input.runId, 'licenseExhausted', mail));
  }
  return items;
}

const parse = (s: string | null): Record<string, unknown> => (s ? JSON.parse(s) : {});

/** The one email a user gets for a run, from the ops that took effect for them. */
function mailFor(runId: string, email: string, name: string | undefined, ops: OpRecord[]): OutboxItem | null {
  // A create whose call answered "already exists" was still planned because the user lacked the
  // license (or a previous attempt of this run created it): they are told once either way.
  const took = ops.filter((o) => o.status === 'done' || (o.status === 'already' && o.kind === 'create'));
  if (took.length === 0) return null;
  const has = (kind: string) => took.find((o) => o.kind === kind);
  const create = has('create');
  if (create) {
    const after = parse(create.after);
    const queues = [...new Set([...(Array.isArray(after.queues) ? (after.queues as string[]) : []), ...queueNames(took, 'queueAdd', 'after')])].sort();
    return userMail(runId, email, 'licenseAssigned', licenseAssigned({ email, name, role: String(after.role ?? ''), package: String(after.package ?? ''), queues }));
  }
  if (has('remove')) return userMail(runId, email, 'licenseRemoved', licenseRemoved({ email, name }));
  if (has('deactivate')) return userMail(runId, email, 'accessDeactivated', accessDeactivated({ email, name }));
  const changes: UserChanges = {};
  const update = has('update');
  if (update) {
    const before = parse(update.before);
    const after = parse(update.after);
    if (after.role !== undefined) changes.role = { from: before.role as string | undefined, to: String(after.role) };
    if (after.package !== undefined) changes.package = { from: before.package as string | undefined, to: String(after.package) };
    if (after.access !== undefined) changes.access = { from: before.access as 'active' | 'inactive' | undefined, to: after.access as 'active' | 'inactive' };
    const settings = flatten(after.settings as Record<string, unknown> | undefined);
    const beforeSettings = flatten(before.settings as Record<string, unknown> | undefined);
    if (settings.length) changes.settings = settings.map(([field, to]) => ({ field, to, from: beforeSettings.find(([f]) => f === field)?.[1] }));
  }
  const added = queueNames(took, 'queueAdd', 'after');
  const removed = queueNames(took, 'queueRemove', 'before');
  if (added.length) changes.queuesAdded = added;
  if (removed.length) changes.queuesRemoved = removed;
  return userMail(runId, email, 'userChanged', userChanged({ email, name, changes }));
}

function queueNames(ops: OpRecord[], kind: string, side: 'before' | 'after'): string[] {
  return ops.filter((o) => o.kind === kind).map((o) => String(parse(o[side]).queue ?? '')).filter(Boolean).sort();
}

function flatten(obj: Record<string, unknown> | undefined, prefix = ''): Array<[string, unknown]> {
  if (!obj) return [];
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, path));
    else out.push([path, v]);
  }
  return out;
}
