/**
 * Zoom's error answers: HTTP status + body `{ code, message, errors? }` (API.md §8).
 * Every code and message here is taken from the error lists in openapi.json, except where a
 * comment says the emulator chose one because Zoom documents none.
 */

export interface FieldError {
  field: string;
  message: string;
}

export class ZoomError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }

  body(): { code: number; message: string; errors?: FieldError[] } {
    return this.errors ? { code: this.code, message: this.message, errors: this.errors } : { code: this.code, message: this.message };
  }
}

export const validationFailed = (errors: FieldError[]) => new ZoomError(400, 300, 'Validation Failed.', errors);
export const invalidJsonBody = () => new ZoomError(400, 300, 'Request Body should be a valid JSON object.');
export const invalidPageToken = () => new ZoomError(400, 300, 'The next page token is invalid or expired.');

export const userNotAccountUser = (who: string) => new ZoomError(400, 1004, `Invalid user ID or user email: ${who}.`);
export const userAlreadyExists = (email: string) => new ZoomError(400, 1007, `User already exists: ${email}.`);
export const userIdentityMissing = () => new ZoomError(400, 1009, 'User ID or user email cannot be empty at the same time.');
export const templateNotFound = (id: string) => new ZoomError(400, 8003, `User template not found: ${id}`);
export const packageNotEnough = () => new ZoomError(400, 290010, 'The selected package or add-ons is not enough.');
export const userDoesNotExist = (who: string) => new ZoomError(404, 1001, `User does not exist: ${who}.`);
/** GET /users/{userId}: the spec documents 404 code 300 "Invalid user ID." (not 1001). */
export const invalidUserId = () => new ZoomError(404, 300, 'Invalid user ID.');
export const usersDoNotExist = (who: string[]) => new ZoomError(404, 1012, `User does not exist: [${who.join(', ')}].`);
export const roleDoesNotExist = (id: string) => new ZoomError(404, 2201, `Role does not exist: ${id}.`);
export const countryDoesNotExist = (c: string) => new ZoomError(404, 2202, `Country ISO Code does not exist: ${c}.`);
export const regionDoesNotExist = () => new ZoomError(404, 1017, 'Region does not exist.');
export const statusDoesNotExist = (s: string) => new ZoomError(404, 1101, `Status does not exist: ${s}.`);
export const subStatusDoesNotExist = (s: string) => new ZoomError(404, 1102, `Sub status does not exist: ${s}.`);
export const queueDoesNotExist = (id: string) => new ZoomError(404, 1201, `Queue does not exist: ${id}.`);
export const queueAgentDoesNotExist = (id: string) => new ZoomError(404, 1201, `Queue agent does not exist: ${id}.`);

export const INVALID_TOKEN = { code: 124, message: 'Invalid access token.' };
export const EXPIRED_TOKEN = { code: 124, message: 'Access token is expired.' };
export const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';
export const DAILY_MESSAGE =
  'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.';
