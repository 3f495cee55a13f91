/**
 * The request core every ZCC call goes through: token, rate governor, fetch with a timeout, JSON,
 * error classification and retries.
 *
 * Retry policy:
 * - Retryable answers (429 per-second, 5xx, network errors, timeouts, dropped connections) are retried
 *   with exponential back-off and jitter, for every operation zcc-sync uses. GET, PATCH, DELETE and
 *   role/queue assignment are idempotent. Creates are retried too, on purpose: if the first attempt
 *   was applied but its answer was lost (5xx after apply, dropped connection), the retry answers
 *   1007 "user already exists", which is classified `already_done` and marked
 *   `afterAmbiguousFailure`, so the user is never created twice and the caller counts it as reached.
 * - A 429 waits for `X-RateLimit-Reset` (unix seconds) or `Retry-After` (seconds or a date) when the
 *   server sends one (Zoom's headers are UNCONFIRMED for ZCC, so they are optional), else backs off;
 *   either way the whole label is held back through the governor so other callers slow down too.
 * - A daily-limit 429 throws `ZoomDailyLimitError` at once.
 * - A 401 drops the cached token, renews it once and retries (not counted as an attempt).
 */
import type { TokenManager } from './auth';
import { recordCall } from './calls';
import { metrics } from '../metrics/events';
import { describeNetworkError } from './auth';
import {
  ZoomApiError,
  ZoomDailyLimitError,
  classify,
  isDailyLimit,
  type OperationIntent,
  type ZoomErrorDetail,
} from './errors';
import type { RateGovernor } from './governor';
import type { RateLabel, ZoomLogger } from './types';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The static facts of one API operation. */
export interface OperationSpec {
  /** zcc-sync's name for it (logs, tests). */
  name: string;
  method: HttpMethod;
  /** Relative to baseUrl, e.g. `/contact_center/users/{userId}`. */
  pathTemplate: string;
  label: RateLabel;
  intent: OperationIntent;
}

export interface RetryOptions {
  /** Attempts per call for 5xx/network failures (first try included). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Extra tries allowed for per-second 429s (pacing, not failures). */
  maxRateLimitRetries?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  maxRateLimitRetries: 10,
};

export type QueryValue = string | number | boolean | undefined | string[];

export interface RequestArgs {
  op: OperationSpec;
  pathParams?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
}

export interface HttpCoreOptions {
  baseUrl: string;
  tokens: TokenManager;
  governor: RateGovernor;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  logger: ZoomLogger;
  fetchImpl: typeof fetch;
}

/** Longest wait a rate-limit header may impose in-process (protects against clock skew). */
const MAX_HEADER_WAIT_MS = 60_000;

export class HttpCore {
  constructor(private readonly o: HttpCoreOptions) {}

  buildUrl(args: Pick<RequestArgs, 'op' | 'pathParams' | 'query'>): string {
    const path = args.op.pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = args.pathParams?.[name];
      if (v === undefined || v === '') throw new TypeError(`${args.op.name}: path parameter ${name} is missing`);
      return encodeURIComponent(v);
    });
    const url = new URL(this.o.baseUrl.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(args.query ?? {})) {
      if (v === undefined) continue;
      // Zoom documents array query parameters as "a comma-separated list" (batch delete).
      url.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    return url.toString();
  }

  async request<T>(args: RequestArgs): Promise<T> {
    const { op } = args;
    const url = this.buildUrl(args);
    const { retry, logger } = this.o;
    let failures = 0; // 5xx / network
    let rateLimited = 0;
    let renewedAfter401 = false;
    let ambiguous = false;

    for (;;) {
      const token = await this.o.tokens.getToken();
      // Acquire the slot last, right before sending, so pacing holds at the server too.
      await this.o.governor.acquire(op.label);

      let res: Response;
      let text: string;
      recordCall(op.method, op.pathTemplate);
      const endpoint = `${op.method} ${op.pathTemplate}`;
      try {
        res = await this.o.fetchImpl(url, {
          method: op.method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(args.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: args.body !== undefined ? JSON.stringify(args.body) : undefined,
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        text = await res.text();
      } catch (err) {
        metrics.zoomRequest(endpoint, 'error');
        // The request may have reached the server and been applied: later answers are ambiguous.
        ambiguous = true;
        failures++;
        const e = new ZoomApiError({
          status: 0, message: describeNetworkError(err), method: op.method, pathTemplate: op.pathTemplate,
          kind: 'retryable', afterAmbiguousFailure: ambiguous, cause: err,
        });
        if (failures >= retry.maxAttempts) throw this.giveUp(e, failures);
        await this.backoffSleep(op, failures, e);
        continue;
      }

      metrics.zoomRequest(endpoint, String(res.status));
      if (res.ok) return parseBody<T>(text, op);

      const body = parseErrorBody(text);
      if (res.status === 401 && !renewedAfter401) {
        renewedAfter401 = true;
        this.o.tokens.invalidate(token);
        logger.info({ op: op.name, code: body.code }, 'ZCC answered 401: renewing the access token once');
        continue;
      }

      if (res.status === 429) {
        metrics.zoomRateLimited(op.label);
        const message = body.message ?? 'Too many requests';
        if (isDailyLimit(res.headers, message)) {
          const retryAt = parseRetryAfterDate(res.headers.get('retry-after'));
          logger.warn({ op: op.name, retryAt }, 'ZCC daily rate limit reached');
          throw new ZoomDailyLimitError({
            status: 429, code: body.code, message, errors: body.errors, method: op.method,
            pathTemplate: op.pathTemplate, afterAmbiguousFailure: ambiguous, retryAt,
          });
        }
        rateLimited++;
        const wait = rateLimitWaitMs(res.headers, Date.now()) ?? this.backoffMs(rateLimited);
        this.o.governor.penalize(op.label, wait);
        const e = new ZoomApiError({
          status: 429, code: body.code, message, errors: body.errors, method: op.method,
          pathTemplate: op.pathTemplate, kind: 'retryable', afterAmbiguousFailure: ambiguous,
        });
        if (rateLimited > retry.maxRateLimitRetries) throw this.giveUp(e, rateLimited);
        logger.info({ op: op.name, waitMs: Math.round(wait), label: op.label }, 'ZCC answered 429: holding the label back');
        continue; // the governor holds this label (and everyone on it) for `wait`
      }

      const kind = classify(res.status, body.code, op.intent);
      const e = new ZoomApiError({
        status: res.status, code: body.code, message: body.message ?? (res.statusText || 'no message'),
        errors: body.errors, method: op.method, pathTemplate: op.pathTemplate, kind, afterAmbiguousFailure: ambiguous,
      });
      if (kind !== 'retryable') throw e;
      ambiguous = true; // a 5xx may come after the change was applied
      failures++;
      if (failures >= retry.maxAttempts) throw this.giveUp(e, failures);
      await this.backoffSleep(op, failures, e);
    }
  }

  private giveUp(e: ZoomApiError, tries: number): ZoomApiError {
    this.o.logger.warn({ method: e.method, path: e.pathTemplate, status: e.status, code: e.code, tries }, 'ZCC call failed after retries');
    return e;
  }

  private backoffMs(n: number): number {
    const { baseDelayMs, maxDelayMs } = this.o.retry;
    const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
    return d / 2 + Math.random() * (d / 2); // "equal jitter": never 0, never in lock-step
  }

  private async backoffSleep(op: OperationSpec, n: number, e: ZoomApiError): Promise<void> {
    const wait = this.backoffMs(n);
    this.o.logger.info({ op: op.name, status: e.status, code: e.code, attempt: n, waitMs: Math.round(wait) }, 'ZCC call failed, retrying');
    await new Promise((r) => setTimeout(r, wait));
  }
}

interface ParsedErrorBody {
  code?: number;
  message?: string;
  errors?: ZoomErrorDetail[];
}

function parseErrorBody(text: string): ParsedErrorBody {
  if (!text) return {};
  try {
    const b = JSON.parse(text) as { code?: unknown; message?: unknown; errors?: unknown };
    const code = typeof b.code === 'number' ? b.code : typeof b.code === 'string' && /^\d+$/.test(b.code) ? Number(b.code) : undefined;
    return {
      code,
      message: typeof b.message === 'string' ? b.message : undefined,
      errors: Array.isArray(b.errors) ? (b.errors as ZoomErrorDetail[]) : undefined,
    };
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function parseBody<T>(text: string, op: OperationSpec): T {
  if (!text) return undefined as T; // 204
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ZoomApiError({
      status: 200, message: 'answer is not JSON', method: op.method, pathTemplate: op.pathTemplate, kind: 'bad_request',
    });
  }
}

/** Milliseconds to wait after a per-second 429, from its headers; undefined when it gave none. */
export function rateLimitWaitMs(headers: Headers, nowMs: number): number | undefined {
  const reset = headers.get('x-ratelimit-reset');
  if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) {
    return clampWait(Number(reset) * 1000 - nowMs);
  }
  const ra = headers.get('retry-after');
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return clampWait(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return clampWait(at - nowMs);
  }
  return undefined;
}

function clampWait(ms: number): number {
  // A reset "now" (same second) still deserves a short pause; a far one is capped (clock skew).
  return Math.min(MAX_HEADER_WAIT_MS, Math.max(20, ms));
}

function parseRetryAfterDate(value: string | null): Date | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return new Date(Date.now() + Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}
