/**
 * Server-to-Server OAuth token manager (API.md §3).
 *
 * - `POST {tokenUrl}` with the form body `grant_type=account_credentials&account_id=…` and
 *   `Authorization: Basic base64(clientId:clientSecret)` (form body, not query string: Zoom's docs
 *   allow both but the query form was reported to start failing).
 * - The token is cached and renewed when ≤ 60 s of life are left (as Zoom's Rivet SDK does). When a
 *   token lives ≤ 120 s (short TTLs in tests), the margin is half its life so it is still used.
 * - One renewal in flight at a time: concurrent callers share the promise.
 * - `invalidate(token)` after a 401 drops the token only if it is still the current one, so a burst
 *   of 401s from one stale token causes one renewal, not one per caller.
 * - Neither the secret nor the token ever appears in an error or a log line.
 */
import { ZoomAuthError, scrub } from './errors';
import type { TokenCheck, TokenResponse, ZoomLogger } from './types';

export interface TokenManagerOptions {
  tokenUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  logger: ZoomLogger;
  fetchImpl: typeof fetch;
  /** Attempts for transient token failures (network, 5xx, 429). */
  maxAttempts?: number;
  now?: () => number;
}

interface CachedToken {
  value: string;
  expiresAt: number; // ms since epoch
  renewAt: number;
  scopes: string[];
}

const RENEW_MARGIN_MS = 60_000;

export class TokenManager {
  private current: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  /** Token requests sent (for logs and tests). */
  requests = 0;
  private readonly now: () => number;

  constructor(private readonly opts: TokenManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A valid access token, renewing it first when needed. */
  async getToken(): Promise<string> {
    const t = this.current;
    if (t && this.now() < t.renewAt) return t.value;
    return (await this.renew()).value;
  }

  /** Drops `token` if it is still the cached one (after the API answered 401 to it). */
  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined;
  }

  /** Forces a fresh token request and reports its life and scopes (for `config check`). */
  async checkToken(): Promise<TokenCheck> {
    this.current = undefined;
    const t = await this.renew();
    return { expiresInSeconds: Math.round((t.expiresAt - this.now()) / 1000), scopes: t.scopes };
  }

  private renew(): Promise<CachedToken> {
    if (!this.inflight) {
      this.inflight = this.requestWithRetry().then(
        (t) => {
          this.current = t;
          this.inflight = undefined;
          return t;
        },
        (err: unknown) => {
          this.inflight = undefined;
          throw err;
        },
      );
    }
    return this.inflight;
  }

  private async requestWithRetry(): Promise<CachedToken> {
    const max = this.opts.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce();
      } catch (err) {
        if (!(err instanceof ZoomAuthError) || !err.retryable || attempt >= max) throw err;
        const delay = 200 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        this.opts.logger.warn({ tokenUrl: this.opts.tokenUrl, attempt, status: err.status }, 'ZCC token request failed, retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async requestOnce(): Promise<CachedToken> {
    const { tokenUrl, accountId, clientId, clientSecret } = this.opts;
    const secrets = [clientSecret];
    const missing = (['accountId', 'clientId', 'clientSecret'] as const).filter((k) => !this.opts[k]);
    if (missing.length) {
      throw new ZoomAuthError(tokenUrl, 0, `not attempted: ${missing.map((k) => `contactCenter.${k}`).join(', ')} is empty`, false,
        'set it in the config file (the secret can come from ${ENV} interpolation)');
    }
    const body = new URLSearchParams({ grant_type: 'account_credentials', account_id: accountId });
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    this.requests++;
    let res: Response;
    try {
      res = await this.opts.fetchImpl(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: body.toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new ZoomAuthError(tokenUrl, 0, scrub(describeNetworkError(err), secrets), true);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      throw new ZoomAuthError(tokenUrl, res.status, scrub(describeTokenError(text), secrets), res.status === 429 || res.status >= 500);
    }
    let parsed: Partial<TokenResponse>;
    try {
      parsed = JSON.parse(text) as Partial<TokenResponse>;
    } catch {
      throw new ZoomAuthError(tokenUrl, res.status, 'answer is not JSON', false);
    }
    if (typeof parsed.access_token !== 'string' || !parsed.access_token || typeof parsed.expires_in !== 'number') {
      throw new ZoomAuthError(tokenUrl, res.status, 'answer has no access_token/expires_in', false);
    }
    const lifeMs = parsed.expires_in * 1000;
    const margin = Math.min(RENEW_MARGIN_MS, lifeMs / 2);
    const now = this.now();
    this.opts.logger.debug({ tokenUrl, expiresIn: parsed.expires_in }, 'ZCC access token obtained');
    return {
      value: parsed.access_token,
      expiresAt: now + lifeMs,
      renewAt: now + lifeMs - margin,
      scopes: typeof parsed.scope === 'string' ? parsed.scope.split(' ').filter(Boolean) : [],
    };
  }
}

/** "invalid client" from Zoom's `{ reason, error }` / `{ code, message }` token error bodies. */
function describeTokenError(text: string): string {
  try {
    const b = JSON.parse(text) as { error?: unknown; reason?: unknown; code?: unknown; message?: unknown };
    const parts: string[] = [];
    if (typeof b.error === 'string') parts.push(b.error.replace(/_/g, ' '));
    if (typeof b.reason === 'string') parts.push(`(${b.reason})`);
    if (typeof b.code === 'number' || typeof b.code === 'string') parts.push(`code ${b.code}`);
    if (typeof b.message === 'string') parts.push(b.message);
    if (parts.length) return parts.join(' ');
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200) || 'no details';
}

export function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${err.message} (${cause.code})`;
    if (cause?.message) return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}
