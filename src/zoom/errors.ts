/**
 * The errors the ZCC client throws, and the one place that classifies Zoom's answers.
 *
 * Classification depends on what the caller wanted: "user already exists" (1007) means the goal is
 * reached for a create, and "does not exist" (1001 / 1012 / 1201) means the goal is reached for a
 * delete or a removal, but both are real failures for other operations.
 */

export type ZoomErrorKind =
  | 'retryable' // 429 (per-second), 5xx, network errors, timeouts, dropped connections
  | 'already_done' // 1007 on create; 1001/1012/1201 on delete or removal
  | 'not_zoom_user' // 1004: the email/id is not a user of the Zoom account
  | 'license_exhausted' // 290010: package or add-ons not enough
  | 'daily_limit' // 429 daily limit: not retried in-process (ZoomDailyLimitError)
  | 'bad_request'; // every other 4xx

/** What the operation wants, for classification. */
export type OperationIntent = 'create' | 'remove' | 'other';

export interface ZoomErrorDetail {
  field?: string;
  message?: string;
  [k: string]: unknown;
}

export interface ZoomApiErrorInit {
  status: number; // 0 for network errors
  code?: number;
  message: string;
  errors?: ZoomErrorDetail[];
  method: string;
  pathTemplate: string;
  kind: ZoomErrorKind;
  /** An earlier attempt of the same call failed without a clear answer (5xx, dropped connection). */
  afterAmbiguousFailure?: boolean;
  cause?: unknown;
}

/** Any failed ZCC API call. `message` never contains tokens or secrets. */
export class ZoomApiError extends Error {
  override readonly name: string = 'ZoomApiError';
  readonly status: number;
  readonly code?: number;
  /** Zoom's own message, as it sent it. */
  readonly zoomMessage: string;
  readonly errors: ZoomErrorDetail[];
  readonly method: string;
  readonly pathTemplate: string;
  readonly kind: ZoomErrorKind;
  readonly afterAmbiguousFailure: boolean;

  constructor(init: ZoomApiErrorInit) {
    const codePart = init.code !== undefined ? ` code ${init.code}` : '';
    const statusPart = init.status === 0 ? 'network error' : String(init.status);
    super(`ZCC ${init.method} ${init.pathTemplate} failed: ${statusPart}${codePart}: ${init.message}`);
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
    this.status = init.status;
    this.code = init.code;
    this.zoomMessage = init.message;
    this.errors = init.errors ?? [];
    this.method = init.method;
    this.pathTemplate = init.pathTemplate;
    this.kind = init.kind;
    this.afterAmbiguousFailure = init.afterAmbiguousFailure ?? false;
  }

  /** A plain, serialisable summary (for outcomes, workflow payloads and logs). */
  toJSON(): { status: number; code?: number; kind: ZoomErrorKind; message: string } {
    return { status: this.status, code: this.code, kind: this.kind, message: this.message };
  }
}

/**
 * A daily-limit 429. Retrying in-process is pointless (the limit resets at a fixed time), so it is
 * thrown at once; `retryAt` is when Zoom says calls may resume, when it said so.
 */
export class ZoomDailyLimitError extends ZoomApiError {
  override readonly name: string = 'ZoomDailyLimitError';
  readonly retryAt?: Date;

  constructor(init: Omit<ZoomApiErrorInit, 'kind'> & { retryAt?: Date }) {
    super({ ...init, kind: 'daily_limit' });
    this.retryAt = init.retryAt;
  }
}

/** The OAuth token request failed: names the token URL and the config fields to check. */
export class ZoomAuthError extends Error {
  override readonly name: string = 'ZoomAuthError';
  readonly tokenUrl: string;
  readonly status: number; // 0 for network errors
  readonly retryable: boolean;

  constructor(tokenUrl: string, status: number, detail: string, retryable: boolean, fix?: string) {
    fix ??= status === 0 || status >= 500
      ? 'check contactCenter.tokenUrl and that the token service is reachable'
      : 'check contactCenter.clientId/clientSecret/accountId';
    const statusPart = status === 0 ? 'network error' : String(status);
    super(`ZCC token request to ${tokenUrl} failed: ${statusPart} ${detail} — ${fix}`);
    this.tokenUrl = tokenUrl;
    this.status = status;
    this.retryable = retryable;
  }
}

/** Bad input given to the client (unknown role/queue name, a batch over the API's maximum…). */
export class ZoomInputError extends Error {
  override readonly name: string = 'ZoomInputError';
}

/** A list kept returning the same page token or the same page: stopped instead of looping. */
export class ZoomPagingError extends Error {
  override readonly name: string = 'ZoomPagingError';
}

const ALREADY_DONE_CODES: Record<OperationIntent, readonly number[]> = {
  create: [1007],
  remove: [1001, 1012, 1201],
  other: [],
};

/** Classifies an HTTP answer (non-2xx) for an operation with the given intent. */
export function classify(status: number, code: number | undefined, intent: OperationIntent): ZoomErrorKind {
  if (status === 0 || status === 429 || status >= 500) return 'retryable';
  if (code !== undefined && ALREADY_DONE_CODES[intent].includes(code)) return 'already_done';
  // Zoom's generic docs give 409 for "exists" (API.md §1.4, UNCONFIRMED for ZCC): tolerate it on create.
  if (intent === 'create' && status === 409) return 'already_done';
  if (code === 1004) return 'not_zoom_user';
  if (code === 290010) return 'license_exhausted';
  return 'bad_request';
}

const DAILY_MESSAGE = /maximum daily rate limit/i;

/** Whether a 429 is the daily limit (header `X-RateLimit-Type: Daily-limit` or the documented message). */
export function isDailyLimit(headers: Headers, message: string | undefined): boolean {
  const type = headers.get('x-ratelimit-type');
  if (type && /daily/i.test(type)) return true;
  return DAILY_MESSAGE.test(message ?? '');
}

/** Replaces every occurrence of each secret in `text` (defence in depth for messages we build). */
export function scrub(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out;
}
