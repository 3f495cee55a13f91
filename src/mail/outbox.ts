/**
 * The email outbox: one row per (workflow, recipient, event) in the store's `outbox` table, each
 * sent exactly once although activities retry, workflows replay and workers die.
 *
 * Enqueue side: the row's `dedupe_key` is unique and inserts ignore conflicts, so enqueueing the
 * same event again (a retried activity, a replayed workflow) adds nothing.
 *
 * Deliver side, per row:
 *   pending ──claim──▶ sending ──250──▶ sent
 *                         │ refused / not delivered (certain) ──▶ pending (retry later) or failed
 *                         │ outcome unknowable (see below)    ──▶ unknown
 *   pending ──email.enabled false──▶ skipped   (enqueued while email is off: skipped at once)
 * The claim is a conditional UPDATE (`WHERE status = 'pending'`), so two deliverers (a retried
 * activity racing its predecessor, two workers) never both own a row. Each row carries a
 * deterministic Message-ID derived from its dedupe key, identical on every attempt.
 *
 * The ambiguous window. SMTP gives no way to make "relay accepted" and "row marked sent" one
 * atomic step: if the worker dies after the relay's 250 and before the UPDATE, or the connection
 * drops after the whole message went out but before the 250 arrived, nobody knows whether the
 * message was delivered, and a real relay cannot be asked afterwards. Two policies were possible:
 * resend (at-least-once: a duplicate whenever the message did arrive) or don't (at-most-once:
 * a lost mail whenever it did not). We choose, for that window only, AT MOST ONCE, because a user
 * who gets "your license is ready" twice — or 250 users who each get it twice after a crash — is
 * the visible failure the product promises not to have, while an unconfirmed mail is reported:
 *   - the window is made as small as it can be: the row is marked `sent` by the very next
 *     statement after the 250 arrives (no other await in between), so a crash has to land in the
 *     milliseconds of one SQLite/PostgreSQL UPDATE;
 *   - the mailer distinguishes "certainly not delivered" (refused connection, any SMTP error
 *     reply, a failure before the whole message was handed over) from "ambiguous", so only the
 *     genuinely ambiguous cases reach this policy; certain failures are retried;
 *   - a row found in `sending` whose claim is older than `staleAfterMs` (longer than any live
 *     send can take) belonged to a deliverer that died: it becomes `unknown`, is never resent
 *     blindly, and `summarize` counts it so the admin run report names it;
 *   - where delivery can be checked (the embedded capture server: `mailboxProbe` in
 *     devstack/smtp.ts), `confirm` resolves stale and unknown rows exactly: delivered → sent,
 *     certainly not delivered → pending and sent now. That makes the dev stack exactly-once.
 * Rows found in `sending` younger than `staleAfterMs` belong to a deliverer that may still be
 * alive; they are left alone and counted as `inFlight` (a caller that needs them settled should
 * retry later, e.g. by failing the activity with a retryable error).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { EmailConfig, Mailer } from './mailer';
import { MailSendError } from './mailer';
import type { RenderedMail } from './templates';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';
export type Audience = 'user' | 'admin';

/** One email to enqueue. `event` names what happened, e.g. `licenseAssigned` or `runReport`. */
export interface OutboxItem {
  workflowId: string;
  recipient: string;
  event: string;
  /** User mails are dropped at enqueue when `email.notifyUsers` is false; admin mails never are. */
  audience: Audience;
  subject: string;
  text: string;
  html: string;
}

export interface OutboxRow {
  id: number;
  dedupe_key: string;
  workflow_id: string;
  event: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  status: OutboxStatus;
  message_id: string | null;
  attempts: number;
  error: string | null;
  created_at: string;
  sent_at: string | null;
  claimed_at: string | null;
}

const TABLE = 'outbox';
const KEY_MAX = 255; // dedupe_key is a varchar(255) on PostgreSQL

/** `${workflowId}|${recipient}|${event}`, recipient lower-cased; hashed when longer than the column. */
export function dedupeKey(workflowId: string, recipient: string, event: string): string {
  const key = `${workflowId}|${recipient.trim().toLowerCase()}|${event}`;
  return key.length <= KEY_MAX ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The Message-ID of a row: the same on every attempt, so any resend is recognisable downstream. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@zcc-sync>`;
}

/** An item for one user. */
export function userMail(workflowId: string, recipient: string, event: string, mail: RenderedMail): OutboxItem {
  return { workflowId, recipient, event, audience: 'user', ...mail };
}

/** One item per admin in `email.admins` (none when the list is empty). */
export function adminMails(email: Pick<EmailConfig, 'admins'>, workflowId: string, event: string, mail: RenderedMail): OutboxItem[] {
  return email.admins.map((recipient) => ({ workflowId, recipient, event, audience: 'admin' as const, ...mail }));
}

export interface EnqueueResult {
  /** New rows. */
  inserted: number;
  /** Items whose dedupe key was already in the outbox (or twice in the input). */
  duplicates: number;
  /** User items dropped because `notifyUsers` is false. */
  suppressed: number;
}

const DISABLED = 'email disabled (email.enabled: false)';
const INSERT_CHUNK = 50; // 10 columns a row: stays under SQLite's 999 bound parameters

/**
 * Adds items to the outbox; an item whose (workflow, recipient, event) is already there adds
 * nothing (`ON CONFLICT (dedupe_key) DO NOTHING`). Pass `config.email` (or `{ notifyUsers,
 * enabled }`): with `enabled: false` rows go in as `skipped`.
 */
export async function enqueue(db: Knex, items: OutboxItem[], options: { notifyUsers?: boolean; enabled?: boolean } = {}): Promise<EnqueueResult> {
  const notifyUsers = options.notifyUsers ?? true;
  // Email off: the rows are kept (the run report counts them) but settled at once, as `deliver`
  // would settle them; a 100k-user run then needs no second pass over its outbox.
  const settled = options.enabled === false ? { status: 'skipped', error: DISABLED } : { status: 'pending' };
  const now = new Date().toISOString();
  const result: EnqueueResult = { inserted: 0, duplicates: 0, suppressed: 0 };
  const byKey = new Map<string, Record<string, unknown>>();
  for (const item of items) {
    if (item.audience === 'user' && !notifyUsers) {
      result.suppressed++;
      continue;
    }
    const key = dedupeKey(item.workflowId, item.recipient, item.event);
    if (byKey.has(key)) {
      result.duplicates++;
      continue;
    }
    byKey.set(key, {
      dedupe_key: key,
      workflow_id: item.workflowId,
      event: item.event,
      recipient: item.recipient.trim(),
      subject: item.subject,
      text: item.text,
      html: item.html,
      ...settled,
      attempts: 0,
      created_at: now,
    });
  }
  const rows = [...byKey.values()];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    // Counting only: the unique key and the ignored conflict are what make this idempotent,
    // also against a concurrent enqueue between this read and the insert.
    const existing = await db(TABLE).whereIn('dedupe_key', chunk.map((r) => r.dedupe_key as string)).count<{ n: number | string }[]>({ n: '*' });
    const already = Number(existing[0]?.n ?? 0);
    await db(TABLE).insert(chunk).onConflict('dedupe_key').ignore();
    result.inserted += chunk.length - already;
    result.duplicates += already;
  }
  return result;
}

export interface DeliverOptions {
  /** Only this workflow's rows (the notify activity of a run). Without it: every row. */
  workflowId?: string;
  /** Most rows to attempt in this call (default 10,000). */
  limit?: number;
  /** Messages sent at once (default: the mailer's pooled connections). */
  concurrency?: number;
  /** After this many attempts that certainly failed, a row becomes `failed` (default 5). */
  maxAttempts?: number;
  /**
   * A `sending` row claimed longer ago than this belongs to a dead deliverer (default 10 min:
   * well above the mailer's connection + greeting + socket timeouts of a live send).
   */
  staleAfterMs?: number;
  /**
   * Optional delivery check for stale and unknown rows: true = delivered, false = certainly not
   * delivered (the row is sent again), undefined = cannot tell (the row stays `unknown`).
   * Only for servers that can answer (the capture server's `mailboxProbe`); never guess false.
   */
  confirm?: (messageId: string, recipient: string) => Promise<boolean | undefined>;
  /** Called after each row settles, e.g. to heartbeat the activity. */
  onProgress?: (progress: DeliverResult) => void;
}

export interface DeliverResult {
  sent: number;
  /** Rows that became `failed` (permanent refusal or attempts exhausted). */
  failed: number;
  /** Rows marked `skipped` because email is disabled. */
  skipped: number;
  /** Rows whose delivery cannot be known; not resent (see the header comment). */
  unknown: number;
  /** Rows that failed for a transient reason and are pending again for a later call. */
  retry: number;
  /** Rows another (possibly live) deliverer holds in `sending`, not yet stale. */
  inFlight: number;
  /** Set when the pass stopped early because the relay itself failed (unreachable, auth...). */
  relayError?: string;
}

const PAGE = 200;

/** Sends the pending rows of the outbox; see the header comment for the exactly-once design. */
export async function deliver(db: Knex, mailer: Mailer, options: DeliverOptions = {}): Promise<DeliverResult> {
  const result: DeliverResult = { sent: 0, failed: 0, skipped: 0, unknown: 0, retry: 0, inFlight: 0 };
  const scope = (q: Knex.QueryBuilder) => (options.workflowId === undefined ? q : q.where('workflow_id', options.workflowId));
  const progress = () => options.onProgress?.({ ...result });

  if (!mailer.enabled) {
    result.skipped = await scope(db(TABLE).where('status', 'pending')).update({ status: 'skipped', error: DISABLED });
    progress();
    return result;
  }

  const maxAttempts = options.maxAttempts ?? 5;
  const staleBefore = new Date(Date.now() - (options.staleAfterMs ?? 10 * 60_000)).toISOString();

  // 1. Rows a dead deliverer left in `sending` (and, when we can check, earlier unknowns).
  const staleStatuses: OutboxStatus[] = options.confirm ? ['sending', 'unknown'] : ['sending'];
  const stale: OutboxRow[] = await scope(db(TABLE).whereIn('status', staleStatuses).where('claimed_at', '<', staleBefore)).orderBy('id');
  for (const row of stale) {
    const verdict = options.confirm && row.message_id ? await options.confirm(row.message_id, row.recipient) : undefined;
    if (verdict === true) {
      const n = await db(TABLE).where({ id: row.id }).whereIn('status', staleStatuses).update({ status: 'sent', sent_at: new Date().toISOString(), error: null });
      if (n) result.sent++;
    } else if (verdict === false) {
      await db(TABLE).where({ id: row.id }).whereIn('status', staleStatuses).update({ status: 'pending', error: 'not delivered (confirmed by the server); sending again' });
    } else if (row.status === 'sending') {
      const n = await db(TABLE).where({ id: row.id, status: 'sending' }).update({
        status: 'unknown',
        error: `delivery unknown: the deliverer stopped while sending (claimed ${row.claimed_at}); not resent to avoid a duplicate`,
      });
      if (n) result.unknown++;
    }
  }

  // 2. Pending rows, oldest first, in pages by id: a row that goes back to pending after a
  //    transient failure has an id behind the cursor, so this call does not hammer a down relay.
  const limit = options.limit ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? mailer.maxConnections);
  let cursor = 0;
  let attempted = 0;
  while (attempted < limit) {
    const page: OutboxRow[] = await scope(db(TABLE).where('status', 'pending').where('id', '>', cursor))
      .orderBy('id')
      .limit(Math.min(PAGE, limit - attempted));
    if (page.length === 0) break;
    cursor = page[page.length - 1].id;
    attempted += page.length;
    let next = 0;
    const lane = async () => {
      // A relay failure (unreachable, bad credentials) would fail every next row the same way:
      // stop taking rows, leave them pending for the next call instead of burning their attempts.
      while (next < page.length && result.relayError === undefined) {
        const row = page[next++];
        await deliverRow(db, mailer, row, maxAttempts, result);
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, lane));
    if (result.relayError !== undefined) break;
  }

  const [{ n }] = await scope(db(TABLE).where('status', 'sending')).count<{ n: number | string }[]>({ n: '*' });
  result.inFlight = Number(n);
  return result;
}

async function deliverRow(db: Knex, mailer: Mailer, row: OutboxRow, maxAttempts: number, result: DeliverResult): Promise<void> {
  const messageId = row.message_id ?? messageIdFor(row.dedupe_key);
  const attempts = row.attempts + 1;
  const claimed = await db(TABLE)
    .where({ id: row.id, status: 'pending' })
    .update({ status: 'sending', attempts, claimed_at: new Date().toISOString(), message_id: messageId });
  if (claimed !== 1) return; // another deliverer took it

  let sendError: unknown;
  try {
    await mailer.send({
      to: row.recipient,
      subject: row.subject,
      text: row.text,
      html: row.html,
      messageId,
      headers: {
        'Auto-Submitted': 'auto-generated', // RFC 3834: no auto-replies to this
        'X-ZCC-Sync-Event': headerValue(row.event),
        'X-ZCC-Sync-Workflow': headerValue(row.workflow_id),
      },
    });
  } catch (err) {
    sendError = err;
  }
  if (sendError === undefined) {
    // Accepted: mark sent right away, nothing else awaited in between (the ambiguous window).
    await db(TABLE).where({ id: row.id }).whereIn('status', ['sending', 'unknown']).update({ status: 'sent', sent_at: new Date().toISOString(), error: null });
    result.sent++;
    return;
  }

  const e = sendError instanceof MailSendError ? sendError : undefined;
  const message = (sendError as Error)?.message ?? String(sendError);
  if (!e || e.delivery === 'ambiguous') {
    // Not known to be undelivered (an unexpected error counts as ambiguous too): at most once.
    await db(TABLE).where({ id: row.id, status: 'sending' }).update({ status: 'unknown', error: `delivery unknown, not resent: ${message}` });
    result.unknown++;
  } else if (e.relayProblem) {
    // Not this message's fault: back to pending; the attempt counts but never fails the row alone.
    await db(TABLE).where({ id: row.id, status: 'sending' }).update({ status: 'pending', error: message });
    result.retry++;
    result.relayError ??= message;
  } else if (e.permanent || attempts >= maxAttempts) {
    await db(TABLE).where({ id: row.id, status: 'sending' }).update({ status: 'failed', error: e.permanent ? message : `${message} (gave up after ${attempts} attempts)` });
    result.failed++;
  } else {
    await db(TABLE).where({ id: row.id, status: 'sending' }).update({ status: 'pending', error: message });
    result.retry++;
  }
}

function headerValue(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

export interface OutboxSummary {
  total: number;
  byStatus: Record<OutboxStatus, number>;
  /** Failed and unknown rows (first 100), for the admin report. */
  problems: Array<{ recipient: string; event: string; status: OutboxStatus; error: string | null }>;
}

/** Counts of a workflow's outbox rows by status, and the rows that need an admin's eye. */
export async function summarize(db: Knex, workflowId: string, options: { events?: string[] } = {}): Promise<OutboxSummary> {
  const base = () => {
    const q = db(TABLE).where('workflow_id', workflowId);
    return options.events ? q.whereIn('event', options.events) : q;
  };
  const counts = await base().select('status').count<{ status: OutboxStatus; n: number | string }[]>({ n: '*' }).groupBy('status');
  const byStatus: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, skipped: 0 };
  let total = 0;
  for (const c of counts) {
    byStatus[c.status] = Number(c.n);
    total += Number(c.n);
  }
  const problems = await base().whereIn('status', ['failed', 'unknown']).orderBy('id').limit(100).select('recipient', 'event', 'status', 'error');
  return { total, byStatus, problems };
}
