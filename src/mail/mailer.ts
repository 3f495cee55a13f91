/**
 * The mailer: nodemailer over SMTP (config `email`), sending one composed message to one
 * recipient at a time, and telling the outbox, when a send fails, whether the message can have
 * reached the server or certainly did not.
 *
 * Why that matters: exactly-once delivery (src/mail/outbox.ts) may retry a failed send only when
 * the relay certainly did not take the message. We compose the MIME message ourselves and hand it
 * to nodemailer as a stream, watching the stream's end: an SMTP server can only accept a message
 * after it has received all of it, so a failure before our stream ended (connection refused,
 * DNS, TLS, AUTH, a refused sender/recipient, a drop mid-body) means "not delivered". A failure
 * that carries an SMTP reply code (4xx/5xx to the message) also means "not delivered". Anything
 * else — the connection dropping or timing out after the whole message went out, before the 250
 * reply — is "ambiguous": the relay may have queued it.
 */
import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { redactSecrets } from '../log/redact';

export type EmailConfig = Config['email'];
export type MailLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Full Message-ID header value with angle brackets, e.g. `<abc@zcc-sync>`. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface SendResult {
  messageId: string;
  /** The server's final reply, e.g. `250 OK: queued as ...`. */
  response: string;
}

/** Whether a failed send can have reached the server. */
export type FailedDelivery = 'not_delivered' | 'ambiguous';

export class MailSendError extends Error {
  constructor(
    message: string,
    readonly delivery: FailedDelivery,
    /** A retry cannot help (5xx reply, malformed address, message too large). */
    readonly permanent: boolean,
    readonly code?: string,
    readonly responseCode?: number,
    /**
     * The failure concerns the relay (unreachable, TLS, authentication, 421), not this message:
     * the next message would fail the same way, so the outbox stops its pass instead of burning
     * every row's attempts. Never permanent: fixing the relay or the config makes it work.
     */
    readonly relayProblem = false,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

/** nodemailer codes of failures that are about the connection to the relay, not the message. */
const RELAY_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EREQUIRETLS', 'EAUTH', 'ENOAUTH', 'EOAUTH2', 'EPROXY', 'ECONFIG']);

export interface Mailer {
  /** `email.enabled`: when false the outbox sends nothing and marks rows skipped. */
  readonly enabled: boolean;
  readonly from: string;
  /** Most messages the mailer sends at once (pooled SMTP connections). */
  readonly maxConnections: number;
  /** Sends one message; rejects with MailSendError. */
  send(mail: OutgoingMail): Promise<SendResult>;
  /** Connects (and authenticates) to the SMTP server without sending: for `config check`. */
  verify(): Promise<void>;
  /** Closes pooled connections. */
  close(): void;
}

export interface MailerOptions {
  /** Pooled connections (default 4). */
  maxConnections?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /** Inactivity allowed on an open connection. */
  socketTimeoutMs?: number;
}

export function createMailer(email: EmailConfig, logger?: MailLogger, options: MailerOptions = {}): Mailer {
  const maxConnections = options.maxConnections ?? 4;
  const secrets = [email.password];
  const scrub = (text: string) => redactSecrets(text, secrets);
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections,
    host: email.host,
    port: email.port,
    secure: email.secure,
    auth: email.user ? { user: email.user, pass: email.password ?? '' } : undefined,
    connectionTimeout: options.connectionTimeoutMs ?? 15_000,
    greetingTimeout: options.greetingTimeoutMs ?? 15_000,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    // nodemailer's own logger prints the SMTP conversation (AUTH included): keep it off.
    logger: false,
    debug: false,
  });
  const where = { host: email.host, port: email.port, secure: email.secure, user: email.user };
  logger?.debug({ smtp: where }, 'mailer created');

  return {
    enabled: email.enabled,
    from: email.from,
    maxConnections,

    async send(mail) {
      if (!email.enabled) throw new MailSendError('email is disabled (email.enabled: false)', 'not_delivered', true);
      const composer = new MailComposer({
        from: email.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: mail.headers,
        // Content is ours and inline; never let the composer read files or URLs.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const stream: Readable = composer.compile().createReadStream();
      let bodyComplete = false;
      stream.once('end', () => {
        bodyComplete = true;
      });
      try {
        const info = await transport.sendMail({ envelope: { from: email.from, to: [mail.to] }, raw: stream });
        return { messageId: mail.messageId, response: String(info.response ?? '') };
      } catch (err) {
        const e = err as { message?: string; code?: string; responseCode?: number };
        const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
        const delivery: FailedDelivery = responseCode !== undefined || !bodyComplete ? 'not_delivered' : 'ambiguous';
        const relayProblem = delivery === 'not_delivered' && (RELAY_CODES.has(e.code ?? '') || responseCode === 421);
        const permanent =
          delivery === 'not_delivered' &&
          !relayProblem &&
          ((responseCode !== undefined && responseCode >= 500) || ((e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && responseCode === undefined));
        const message = scrub(`SMTP ${email.host}:${email.port}: ${e.message ?? String(err)}`);
        logger?.warn({ smtp: where, code: e.code, responseCode, delivery, relayProblem, messageId: mail.messageId }, message);
        throw new MailSendError(message, delivery, permanent, e.code, responseCode, relayProblem);
      }
    },

    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        throw new Error(scrub(`SMTP ${email.host}:${email.port}: ${(err as Error).message ?? String(err)}`));
      }
    },

    close() {
      transport.close();
    },
  };
}
