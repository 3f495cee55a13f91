/**
 * Server-to-Server OAuth (API.md §3): `POST /oauth/token` with `grant_type=account_credentials`,
 * `account_id` and HTTP Basic client id/secret; bearer tokens checked on every API call.
 *
 * Choices where Zoom's docs are silent (also in emulator/README.md):
 * - Parameters are read from the form body, then the query string (docs: either is allowed).
 *   Client id/secret from Basic auth, else from `client_id`/`client_secret` parameters.
 * - Errors use Zoom's OAuth body `{ reason, error }`:
 *   no grant_type → 400 invalid_request "Missing grant type";
 *   no client id/secret → 401 invalid_client "Client ID or client secret is missing." (4706);
 *   wrong client id or secret → 401 invalid_client "Invalid client_id or client_secret" (4702/4704);
 *   other grant type → 400 unsupported_grant_type "Grant type is not supported from token endpoint." (4705);
 *   missing or wrong account_id → 400 invalid_request "Invalid account_id".
 * - Several tokens may be valid at once (Zoom: "You can generate and use multiple access tokens").
 * - API calls: no/unknown bearer → 401 `{code:124, message:"Invalid access token."}`; an expired
 *   one → 401 `{code:124, message:"Access token is expired."}`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EXPIRED_TOKEN, INVALID_TOKEN } from './errors';
import type { Credentials } from './types';

export const SCOPES = [
  'contact_center_user:read:admin',
  'contact_center_user:write:admin',
  'contact_center_role:read:admin',
  'contact_center_role:write:admin',
  'contact_center_queue:read:admin',
  'contact_center_queue:write:admin',
].join(' ');

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

export class TokenStore {
  private tokens = new Map<string, number>(); // token → expiry (ms)

  constructor(
    private readonly creds: Credentials,
    private readonly ttlSeconds: number,
    private readonly clock: () => number,
  ) {}

  /** Answers `POST /oauth/token`. */
  request(headers: { authorization?: string }, form: URLSearchParams, query: URLSearchParams): TokenReply {
    const param = (n: string) => form.get(n) ?? query.get(n) ?? undefined;
    const grant = param('grant_type');
    if (!grant) return oauthError(400, 'invalid_request', 'Missing grant type');
    let clientId = param('client_id');
    let clientSecret = param('client_secret');
    const basic = /^Basic\s+(.+)$/i.exec(headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        clientId = decoded.slice(0, colon);
        clientSecret = decoded.slice(colon + 1);
      }
    }
    if (!clientId || !clientSecret) return oauthError(401, 'invalid_client', 'Client ID or client secret is missing.');
    if (!same(clientId, this.creds.clientId) || !same(clientSecret, this.creds.clientSecret)) {
      return oauthError(401, 'invalid_client', 'Invalid client_id or client_secret');
    }
    if (grant !== 'account_credentials') return oauthError(400, 'unsupported_grant_type', 'Grant type is not supported from token endpoint.');
    if (param('account_id') !== this.creds.accountId) return oauthError(400, 'invalid_request', 'Invalid account_id');
    return { status: 200, body: this.issue() };
  }

  issue(): Record<string, unknown> {
    const now = this.clock();
    if (this.tokens.size > 1000) for (const [t, exp] of this.tokens) if (exp <= now) this.tokens.delete(t);
    const token = `emu.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, now + this.ttlSeconds * 1000);
    return { access_token: token, token_type: 'bearer', expires_in: this.ttlSeconds, scope: SCOPES };
  }

  /** null when the bearer is good, else the 401 body. */
  check(authorization: string | undefined): { code: number; message: string } | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const exp = m ? this.tokens.get(m[1]!) : undefined;
    if (exp === undefined) return INVALID_TOKEN;
    return exp > this.clock() ? null : EXPIRED_TOKEN;
  }

  expireAll(): void {
    const past = this.clock() - 1;
    for (const t of this.tokens.keys()) this.tokens.set(t, past);
  }
}

function oauthError(status: number, error: string, reason: string): TokenReply {
  return { status, body: { reason, error } };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
