/**
 * The embedded SMTP capture server: a real SMTP server on loopback (nodemailer's smtp-server)
 * that accepts every message and keeps it as files, for the demo (`zcc-sync dev mail`) and the
 * tests. Nothing is relayed anywhere.
 *
 * Each message becomes two files in `dir`:
 *   <id>.eml   the raw message, exactly as received
 *   <id>.json  a parsed summary (StoredMail), written last: its presence means "message complete"
 * Both are written to a temp name and renamed, so a reader never sees half a message. Ids start
 * with the arrival time in ms and a per-server sequence number, so sorting ids sorts by arrival.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One received message, as stored in `<id>.json`. */
export interface StoredMail {
  id: string;
  /** ISO time the server accepted the message. */
  receivedAt: string;
  /** Address of the From header (falls back to the envelope MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO): who the message was really delivered to, Bcc included. */
  to: string[];
  /** Addresses of the To header. */
  headerTo: string[];
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  html: string;
  /** The Date header, ISO; null when absent. */
  date: string | null;
  /** The Message-ID header, with angle brackets; null when absent. */
  messageId: string | null;
  /** Decoded header values, lower-case names (a repeated header's values joined by ", "). */
  headers: Record<string, string>;
  /** File name of the raw message in the mailbox directory. */
  eml: string;
}

export interface SmtpServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the capture server is for loopback only. */
  host?: string;
  /** Mailbox directory; created when missing. */
  dir: string;
  /** Largest accepted message in bytes (default 25 MB, like common relays). */
  maxMessageBytes?: number;
}

export interface RunningSmtpServer {
  port: number;
  host: string;
  dir: string;
  /** Stops accepting, waits for messages being written, closes open sessions. */
  stop(): Promise<void>;
}

const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

export async function startSmtpServer(options: SmtpServerOptions): Promise<RunningSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const dir = path.resolve(options.dir);
  await fs.mkdir(dir, { recursive: true });
  let seq = 0;
  const writing = new Set<Promise<unknown>>();

  const server = new SMTPServer({
    name: 'zcc-sync-capture',
    banner: 'zcc-sync capture server (keeps every message, relays nothing)',
    logger: false,
    secure: false,
    // Any client may send, with or without AUTH (credentials accepted and ignored), in plain text:
    // this server only ever listens on loopback and only keeps what it receives.
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: options.maxMessageBytes ?? DEFAULT_MAX_BYTES,
    // Pooled clients keep sessions open; on stop, give them 1 s rather than the default 30 s.
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      const job = receive(stream, session, dir, () => nextId(++seq));
      writing.add(job);
      job.then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      ).finally(() => writing.delete(job));
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // After listen, errors (a client resetting its socket...) must not crash the process.
  server.on('error', () => undefined);
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('SMTP capture server: could not read its listening port');

  let stopped: Promise<void> | undefined;
  return {
    port: address.port,
    host,
    dir,
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.allSettled([...writing]);
      })();
      return stopped;
    },
  };
}

function nextId(seq: number): string {
  return `${String(Date.now()).padStart(13, '0')}-${String(seq).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
}

async function receive(stream: SMTPServerDataStream, session: SMTPServerSession, dir: string, makeId: () => string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  if (stream.sizeExceeded) {
    const err = new Error('Message exceeds the fixed maximum message size') as Error & { responseCode: number };
    err.responseCode = 552;
    throw err;
  }
  const raw = Buffer.concat(chunks);
  const parsed = await simpleParser(raw);
  const id = makeId();
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
  const mail: StoredMail = {
    id,
    receivedAt: new Date().toISOString(),
    from: addresses(parsed.from)[0] ?? envelopeFrom,
    to: envelopeTo,
    headerTo: addresses(parsed.to),
    envelope: { from: envelopeFrom, to: envelopeTo },
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    date: parsed.date ? parsed.date.toISOString() : null,
    messageId: parsed.messageId ?? null,
    headers: headerRecord(parsed),
    eml: `${id}.eml`,
  };
  await writeAtomic(path.join(dir, `${id}.eml`), raw);
  // The .json is the commit marker: readers list only .json files.
  await writeAtomic(path.join(dir, `${id}.json`), JSON.stringify(mail, null, 2));
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const e of entries) {
      if (e.address) out.push(e.address);
      if (e.group) walk(e.group);
    }
  };
  for (const a of list) walk(a.value);
  return out;
}

function headerRecord(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of parsed.headers) {
    const text = headerText(value);
    out[key] = key in out ? `${out[key]}, ${text}` : text;
  }
  return out;
}

function headerText(value: unknown): string {
  if (value == null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(headerText).join(', ');
  if (typeof value === 'object') {
    const v = value as { text?: unknown; value?: unknown; params?: Record<string, string> };
    if (typeof v.text === 'string') return v.text;
    if (typeof v.value === 'string') {
      const params = Object.entries(v.params ?? {}).map(([k, p]) => `; ${k}=${p}`).join('');
      return v.value + params;
    }
  }
  return JSON.stringify(value);
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

export interface ReadMailboxOptions {
  /** Only messages received at or after this time. */
  since?: Date | string | number;
  /** Only messages delivered to this address (envelope recipient, case-insensitive). */
  to?: string;
  /** Only the most recent N (after the other filters). */
  limit?: number;
}

/** Messages in the mailbox directory, oldest first. A missing directory is an empty mailbox. */
export async function readMailbox(dir: string, options: ReadMailboxOptions = {}): Promise<StoredMail[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const sinceMs = options.since === undefined ? undefined : new Date(options.since).getTime();
  if (sinceMs !== undefined && Number.isNaN(sinceMs)) throw new Error(`readMailbox: since=${String(options.since)} is not a date`);
  const to = options.to?.toLowerCase();
  // The id's prefix is the arrival time in ms: skip older files without reading them (a message
  // written in the same ms as `since` is kept and filtered exactly below).
  const files = names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .filter((n) => sinceMs === undefined || Number(n.slice(0, 13)) >= sinceMs - 1);
  const mails: StoredMail[] = [];
  for (const name of files) {
    let mail: StoredMail;
    try {
      mail = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as StoredMail;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile
      throw err;
    }
    if (sinceMs !== undefined && Date.parse(mail.receivedAt) < sinceMs) continue;
    if (to !== undefined && !mail.to.some((a) => a.toLowerCase() === to)) continue;
    mails.push(mail);
  }
  return options.limit === undefined ? mails : mails.slice(Math.max(0, mails.length - options.limit));
}

/** The raw message of a stored mail. */
export async function readRawMail(dir: string, mail: Pick<StoredMail, 'eml'>): Promise<Buffer> {
  return fs.readFile(path.join(dir, mail.eml));
}

/** For tests: waits until `count` messages match, returns them (oldest first). */
export async function waitForMails(
  dir: string,
  predicate: (mail: StoredMail) => boolean,
  count: number,
  timeoutMs: number,
): Promise<StoredMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matches = (await readMailbox(dir)).filter(predicate);
    if (matches.length >= count) return matches;
    if (Date.now() >= deadline) {
      throw new Error(`waitForMail: ${matches.length} of ${count} expected message(s) arrived in ${dir} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** For tests: waits for the first message that matches. */
export async function waitForMail(dir: string, predicate: (mail: StoredMail) => boolean, timeoutMs: number): Promise<StoredMail> {
  const [first] = await waitForMails(dir, predicate, 1, timeoutMs);
  return first;
}

/**
 * A delivery probe for the outbox (see `deliver`'s `confirm` option): with the capture server,
 * "was message X delivered to R?" has a definite answer, so ambiguous deliveries resolve exactly.
 * Real relays cannot be asked; this is for the embedded stack only.
 */
export function mailboxProbe(dir: string): (messageId: string, recipient: string) => Promise<boolean> {
  return async (messageId, recipient) => {
    const mails = await readMailbox(dir, { to: recipient });
    return mails.some((m) => m.messageId === messageId);
  };
}
