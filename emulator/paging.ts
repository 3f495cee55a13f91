/**
 * Zoom's token paging: `page_size` + `next_page_token`, an empty token on the last page, tokens
 * that expire after 15 minutes (every CC list parameter in openapi.json says so).
 *
 * Tokens are opaque, short (28 characters: the queue-agents schema caps them at 100) and signed.
 * A token carries: the list it belongs to, the filters it was issued for (as a hash), the last
 * row's seq (keyset paging: no duplicates and no gaps while rows are added), the issue time and
 * the state epoch. Choices where Zoom's docs are silent:
 * - expired, forged, foreign or pre-reset tokens → 400 code 300 "The next page token is invalid or expired.";
 * - the filters must be sent again with the token (Zoom: "resend the same query parameters"); a
 *   token sent with different filters (absent ≠ present) is refused the same way;
 * - page_size may change between pages.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { validationFailed, invalidPageToken } from './errors';

export enum ListKind {
  Users = 1,
  Roles = 2,
  RoleUsers = 3,
  Queues = 4,
  QueueAgents = 5,
  UserQueues = 6,
}

/**
 * `page_size`: default 30; integers 1..max, else 400/300. With `clampAbove`, larger values up to
 * `max` are answered with `clampAbove` rows a page (queue agents: the response schema caps
 * page_size at 100, the request declares no maximum — the emulator serves 100 and says so in the
 * response's page_size).
 */
export function parsePageSize(raw: string | null, max = 300, clampAbove?: number): number {
  if (raw === null || raw === '') return 30;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 1 || n > max) {
    throw validationFailed([{ field: 'page_size', message: `page_size must be an integer between 1 and ${max}.` }]);
  }
  return clampAbove !== undefined ? Math.min(n, clampAbove) : n;
}

export class PageTokens {
  private readonly secret = randomBytes(16);

  constructor(
    private readonly clock: () => number,
    private readonly ttlMs: number,
    private readonly epoch: () => number,
  ) {}

  issue(kind: ListKind, filterKey: string, afterSeq: number): string {
    const buf = Buffer.alloc(15);
    buf.writeUInt8(kind, 0);
    buf.writeUInt16BE(this.epoch() & 0xffff, 1);
    buf.writeUInt32BE(afterSeq >>> 0, 3);
    buf.writeUInt32BE(Math.floor(this.clock() / 1000) >>> 0, 7);
    filterHash(filterKey).copy(buf, 11);
    return Buffer.concat([buf, this.mac(buf)]).toString('base64url');
  }

  /** The seq after which the next page starts; throws 400/300 for any token it cannot honour. */
  read(token: string, kind: ListKind, filterKey: string): number {
    const raw = Buffer.from(token, 'base64url');
    // Node's decoder skips stray characters: insist on the exact canonical text.
    if (raw.length !== 21 || raw.toString('base64url') !== token) throw invalidPageToken();
    const body = raw.subarray(0, 15);
    if (!timingSafeEqual(raw.subarray(15), this.mac(body))) throw invalidPageToken();
    const issuedMs = body.readUInt32BE(7) * 1000;
    if (
      body.readUInt8(0) !== kind ||
      body.readUInt16BE(1) !== (this.epoch() & 0xffff) ||
      !body.subarray(11, 15).equals(filterHash(filterKey)) ||
      this.clock() - issuedMs > this.ttlMs
    ) {
      throw invalidPageToken();
    }
    return body.readUInt32BE(3);
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 6);
  }
}

function filterHash(filterKey: string): Buffer {
  return createHash('sha256').update(filterKey).digest().subarray(0, 4);
}

/** The canonical filter key of a query: the named parameters as sent (absent and empty differ). */
export function filterKeyOf(query: URLSearchParams, names: string[], extra = ''): string {
  return JSON.stringify([extra, ...names.map((n) => query.get(n))]);
}

/** Keyset paging: fetch `pageSize + 1` rows after `afterSeq`, return the page and the next token. */
export function pageOf<T>(rows: T[], pageSize: number, seqOf: (row: T) => number, next: (afterSeq: number) => string): { items: T[]; nextPageToken: string } {
  if (rows.length <= pageSize) return { items: rows, nextPageToken: '' };
  const items = rows.slice(0, pageSize);
  return { items, nextPageToken: next(seqOf(items[items.length - 1]!)) };
}

/** Reads next_page_token from the query (absent/empty → start at the beginning). */
export function startAfter(query: URLSearchParams, tokens: PageTokens, kind: ListKind, filterKey: string): number {
  const t = query.get('next_page_token');
  return t ? tokens.read(t, kind, filterKey) : 0;
}
