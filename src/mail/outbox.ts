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
 * activity racing its predecessor, two workers) never both own a row; every later status change
 * is conditional too (the statements are in src/store/outbox.ts, the only code that knows the
 * table). Each row carries a deterministic Message-ID derived from its dedupe key, identical on
 * every attempt.
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
import type { Store } from '../store/db';
import {
  claimRow,
  countSending,
  insertOutboxRows,
  markSent,
  pendingRowsAfter,
  settleRow,
  skipPendingRows,
  staleRows,
  summarizeOutbox,
  type NewOutboxRow,
  type OutboxRow,
  type OutboxScope,
  type OutboxStatus,
  type OutboxSummary,
} from '../store/outbox';
import { runPool } from '../util/pool';
import type { EmailConfig, Mailer } from './mailer';
import { MailSendError } from './mailer';
import type { RenderedMail } from './templates';

// The row types and the summary belong to the store; they are part of the outbox's API too.
export type { OutboxRow, OutboxStatus, OutboxSummary };
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

/**
 * Adds items to the outbox; an item whose (workflow, recipient, event) is already there adds
 * nothing (`ON CONFLICT (dedupe_key) DO NOTHING`). Pass `config.email` (or `{ notifyUsers,
 * enabled }`): with `enabled: false` rows go in as `skipped`.
 */
export async function enqueue(db: Store, items: OutboxItem[], options: { notifyUsers?: boolean; enabled?: boolean } = {}): Promise<EnqueueResult> {
  const notifyUsers = options.notifyUsers ?? true;
  // Email off: the rows are kept (the run report counts them) but settled at once, as `deliver`
  // would settle them; a 100k-user run then needs no second pass over its outbox.
  const settled: Pick<NewOutboxRow, 'status' | 'error'> = options.enabled === false ? { status: 'skipped', error: DISABLED } : { status: 'pending' };
  const now = new Date().toISOString();
  const result: EnqueueResult = { inserted: 0, duplicates: 0, suppressed: 0 };
  const byKey = new Map<string, NewOutboxRow>();
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
  // Keys already in the outbox add nothing (the store ignores the conflict) and count as duplicates.
  const stored = await insertOutboxRows(db, [...byKey.values()]);
  result.inserted += stored.inserted;
  result.duplicates += stored.duplicates;
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
export async function deliver(db: Store, mailer: Mailer, options: DeliverOptions = {}): Promise<DeliverResult> {
  const result: DeliverResult = { sent: 0, failed: 0, skipped: 0, unknown: 0, retry: 0, inFlight: 0 };
  const scope: OutboxScope = { workflowId: options.workflowId };
  const progress = () => options.onProgress?.({ ...result });

  if (!mailer.enabled) {
    result.skipped = await skipPendingRows(db, scope, DISABLED);
    progress();
    return result;
  }

  const maxAttempts = options.maxAttempts ?? 5;
  const staleBefore = new Date(Date.now() - (options.staleAfterMs ?? 10 * 60_000)).toISOString();

  // 1. Rows a dead deliverer left in `sending` (and, when we can check, earlier unknowns).
  const staleStatuses: OutboxStatus[] = options.confirm ? ['sending', 'unknown'] : ['sending'];
  const stale = await staleRows(db, scope, staleStatuses, staleBefore);
  for (const row of stale) {
    const verdict = options.confirm && row.message_id ? await options.confirm(row.message_id, row.recipient) : undefined;
    if (verdict === true) {
      const n = await markSent(db, row.id, staleStatuses);
      if (n) result.sent++;
    } else if (verdict === false) {
      await settleRow(db, row.id, staleStatuses, { status: 'pending', error: 'not delivered (confirmed by the server); sending again' });
    } else if (row.status === 'sending') {
      const n = await settleRow(db, row.id, 'sending', {
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
    const page = await pendingRowsAfter(db, scope, cursor, Math.min(PAGE, limit - attempted));
    if (page.length === 0) break;
    cursor = page[page.length - 1].id;
    attempted += page.length;
    await runPool(
      page,
      concurrency,
      async (row) => {
        await deliverRow(db, mailer, row, maxAttempts, result);
        progress();
      },
      // A relay failure (unreachable, bad credentials) would fail every next row the same way:
      // stop taking rows, leave them pending for the next call instead of burning their attempts.
      { stopWhen: () => result.relayError !== undefined },
    );
    if (result.relayError !== undefined) break;
  }

  result.inFlight = await countSending(db, scope);
  return result;
}

async function deliverRow(db: Store, mailer: Mailer, row: OutboxRow, maxAttempts: number, result: DeliverResult): Promise<void> {
  const messageId = row.message_id ?? messageIdFor(row.dedupe_key);
  const attempts = row.attempts + 1;
  if (!(await claimRow(db, row.id, { attempts, messageId }))) return; // another deliverer took it

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
    await markSent(db, row.id, ['sending', 'unknown']);
    result.sent++;
    return;
  }

  const e = sendError instanceof MailSendError ? sendError : undefined;
  const message = (sendError as Error)?.message ?? String(sendError);
  if (!e || e.delivery === 'ambiguous') {
    // Not known to be undelivered (an unexpected error counts as ambiguous too): at most once.
    await settleRow(db, row.id, 'sending', { status: 'unknown', error: `delivery unknown, not resent: ${message}` });
    result.unknown++;
  } else if (e.relayProblem) {
    // Not this message's fault: back to pending; the attempt counts but never fails the row alone.
    await settleRow(db, row.id, 'sending', { status: 'pending', error: message });
    result.retry++;
    result.relayError ??= message;
  } else if (e.permanent || attempts >= maxAttempts) {
    await settleRow(db, row.id, 'sending', { status: 'failed', error: e.permanent ? message : `${message} (gave up after ${attempts} attempts)` });
    result.failed++;
  } else {
    await settleRow(db, row.id, 'sending', { status: 'pending', error: message });
    result.retry++;
  }
}

function headerValue(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

/** Counts of a workflow's outbox rows by status, and the rows that need an admin's eye. */
export function summarize(db: Store, workflowId: string, options: { events?: string[] } = {}): Promise<OutboxSummary> {
  return summarizeOutbox(db, workflowId, options);
}
