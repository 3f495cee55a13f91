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
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Config } from '../src/config/schema';
import type { Logger } from '../src/log/logger';
import {
  accessDeactivated,
  adminMails,
  deliver,
  enqueue,
  licenseAssigned,
  licenseExhausted,
  licenseRemoved,
  runFailed,
  runHeld,
  runReport,
  summarize,
  userChanged,
  userMail,
  type Mailer,
  type OutboxItem,
  type RunKind,
  type UserChanges,
} from '../src/mail';
import type { RunResult } from '../src/domain/runs';

export interface Notifier {
  runHeld(input: { runId: string; workflowId: string; reasons: string[]; kind?: RunKind }): Promise<void>;
  /**
   * Queues the email of every user of these (whose ops may just have settled) whose ops in the
   * run are all final; users with an op still pending are left for the chunk that settles it.
   */
  usersSettled(input: { runId: string; emails: string[] }): Promise<number>;
  /** Queues the email of every user of the run not mailed yet (the end of a run). */
  userChanges(input: { runId: string }): Promise<number>;
  runReport(input: { runId: string; workflowId: string; result: Omit<RunResult, 'heldReasons'>; kind?: RunKind; actor?: string }): Promise<void>;
  deliver(input: { runId: string }): Promise<void>;
}

interface OpRecord {
  email: string;
  kind: string;
  status: string;
  before: string | null;
  after: string | null;
}

const PAGE_USERS = 500;
/** The events of user emails (`mailFor`); admin mails of a run share its workflow id. */
const USER_EVENTS = ['licenseAssigned', 'licenseRemoved', 'accessDeactivated', 'userChanged'];

export function createNotifier(deps: { db: Knex; config: Config; mailer: Mailer; logger: Logger }): Notifier {
  const { db, config, mailer } = deps;
  const ui = { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace };
  const heartbeat = (details: unknown) => {
    try {
      Context.current().heartbeat(details);
    } catch {
      /* called outside an activity (CLI tools, tests): nothing to heartbeat */
    }
  };

  /**
   * Renders and queues the run's email of each given user (≤ a page) from all their ops in the
   * run. The outbox keeps the first email per event, so a user is mailed once their ops are final:
   * with `settledOnly`, users with an op still pending are left out.
   */
  async function mailUsers(runId: string, emails: string[], settledOnly: boolean): Promise<number> {
    if (emails.length === 0) return 0;
    // Sorted here, not by SQL: ORDER BY seq makes SQLite walk the run's primary key instead of
    // the (run_id, email) index (42 ms instead of 8 ms a page at 100k users).
    let ops: OpRecord[] = (await db('ops').where('run_id', runId).whereIn('email', emails)).sort((a: { seq: number }, b: { seq: number }) => a.seq - b.seq);
    if (settledOnly) {
      const open = new Set(ops.filter((o) => o.status === 'pending').map((o) => o.email));
      ops = ops.filter((o) => !open.has(o.email));
    }
    // Greeting names: the directory's, else ZCC's (admin jobs have no directory snapshot).
    const names = new Map<string, string>();
    for (const table of ['cc_snapshot', 'directory_snapshot']) {
      for (const r of await db(table).where('run_id', runId).whereIn('email', emails).select('email', 'display_name')) {
        if (r.display_name) names.set(r.email, r.display_name);
      }
    }
    const items: OutboxItem[] = [];
    for (const [email, userOps] of groupByEmail(ops)) {
      const item = mailFor(runId, email, names.get(email), userOps);
      if (item) items.push(item);
    }
    return (await enqueue(db, items, config.email)).inserted;
  }

  async function usersSettled(input: { runId: string; emails: string[] }): Promise<number> {
    const emails = [...new Set(input.emails)];
    let queued = 0;
    for (let i = 0; i < emails.length; i += PAGE_USERS) queued += await mailUsers(input.runId, emails.slice(i, i + PAGE_USERS), true);
    return queued;
  }

  async function userChanges(input: { runId: string }): Promise<number> {
    let queued = 0;
    let after = '';
    // Page by email so a 100k-user run never holds all its ops in memory. Users already mailed
    // (by the chunk that settled them) are left out by the outbox join: at the end of a run this
    // only finds users whose last op was settled elsewhere (skipped creates) or nothing.
    for (;;) {
      const emails: string[] = (
        await db('ops')
          .where('run_id', input.runId)
          .where('email', '>', after)
          .whereNotExists(db('outbox').select(db.raw('1')).where('outbox.workflow_id', input.runId).whereIn('outbox.event', USER_EVENTS).whereRaw('?? = ??', ['outbox.recipient', 'ops.email']))
          .distinct('email')
          .orderBy('email')
          .limit(PAGE_USERS)
      ).map((r: { email: string }) => r.email);
      if (emails.length === 0) break;
      after = emails[emails.length - 1];
      // Also users with ops still pending (a cancelled or failed run): they hear what took effect.
      queued += await mailUsers(input.runId, emails, false);
      heartbeat({ queued });
    }
    return queued;
  }

  return {
    async runHeld(input) {
      const mail = runHeld({ kind: input.kind ?? 'reconcile', workflowId: input.workflowId, reasons: input.reasons, ui });
      await enqueue(db, adminMails(config.email, input.runId, 'runHeld', mail), config.email);
      await deliver(db, mailer, { workflowId: input.runId });
    },
    usersSettled,
    userChanges,
    async runReport(input) {
      const kind = input.kind ?? 'reconcile';
      const items: OutboxItem[] = [];
      const failed = await db('ops')
        .where('run_id', input.runId)
        .whereIn('status', ['failed', 'not_zoom_user', 'license_exhausted'])
        .orderBy('seq')
        .limit(20)
        .select('email', 'kind', 'status', 'error');
      const outbox = await summarize(db, input.runId);
      const emailStats = { sent: outbox.byStatus.sent ?? 0, failed: outbox.byStatus.failed ?? 0, unknown: outbox.byStatus.unknown ?? 0, skipped: outbox.byStatus.skipped ?? 0 };
      const report = runReport({
        kind,
        workflowId: input.workflowId,
        status: input.result.status,
        actor: input.actor,
        counts: input.result.outcomes,
        failures: failed.map((f: { email: string; kind: string; status: string; error: string | null }) => ({
          email: f.email,
          op: f.kind,
          error: f.error ?? f.status,
        })),
        totalFailures: input.result.failures,
        email: emailStats,
        ui,
      });
      items.push(...adminMails(config.email, input.runId, 'runReport', report));
      if (input.result.status === 'failed' && input.result.error) {
        items.push(...adminMails(config.email, input.runId, 'runFailed', runFailed({ kind, workflowId: input.workflowId, error: input.result.error, ui })));
      }
      const exhausted = await db('ops').where({ run_id: input.runId, kind: 'create' }).whereIn('status', ['license_exhausted', 'skipped']);
      if (exhausted.length > 0) {
        const pkg = JSON.parse(exhausted[0].after ?? '{}').package ?? 'the requested';
        const mail = licenseExhausted({ package: pkg, count: exhausted.length, emails: exhausted.map((r: { email: string }) => r.email), workflowId: input.workflowId, ui });
        items.push(...adminMails(config.email, input.runId, 'licenseExhausted', mail));
      }
      await enqueue(db, items, config.email);
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

function groupByEmail(ops: OpRecord[]): Map<string, OpRecord[]> {
  const m = new Map<string, OpRecord[]>();
  for (const op of ops) {
    const list = m.get(op.email);
    if (list) list.push(op);
    else m.set(op.email, [op]);
  }
  return m;
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
