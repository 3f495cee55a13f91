/** LDAP failures as DirectoryErrors: what failed, why, and whether a retry can help. */
import {
  AdminLimitExceededError,
  BusyError,
  FilterParser,
  InsufficientAccessError,
  InvalidDNSyntaxError,
  ResultCodeError,
  SizeLimitExceededError,
  TimeLimitExceededError,
  UnavailableError,
  type Filter,
} from 'ldapts';
import { DirectoryError } from '../connect';

function describe(err: unknown): { message: string; retryable: boolean } {
  if (err instanceof DirectoryError) return { message: err.message, retryable: err.retryable };
  if (err instanceof SizeLimitExceededError || err instanceof AdminLimitExceededError) {
    return {
      message: `${err.message} (LDAP result code ${err.code}): the bind DN may read fewer entries than the directory holds; raise its size limit (OpenLDAP: olcLimits size.prtotal=unlimited; AD: MaxPageSize/MaxValRange) — a partial read is never used`,
      retryable: false,
    };
  }
  if (err instanceof InsufficientAccessError) return { message: `${err.message} (LDAP result code ${err.code}): the bind DN may not read this`, retryable: false };
  if (err instanceof BusyError || err instanceof UnavailableError || err instanceof TimeLimitExceededError) {
    return { message: `${err.message} (LDAP result code ${err.code})`, retryable: true };
  }
  if (err instanceof ResultCodeError) return { message: `${err.message} (LDAP result code ${err.code})`, retryable: false };
  const e = err as NodeJS.ErrnoException;
  return { message: e?.code ? `${e.message} (${e.code})` : (e?.message ?? String(err)), retryable: true };
}

/** A member DN that is malformed, not readable by the bind DN, or referred elsewhere (code 10). */
export function unreadableDn(err: unknown): boolean {
  return err instanceof InvalidDNSyntaxError || err instanceof InsufficientAccessError || (err instanceof ResultCodeError && err.code === 10);
}

export function wrap(what: string, err: unknown): DirectoryError {
  if (err instanceof DirectoryError) return err;
  const { message, retryable } = describe(err);
  return new DirectoryError(`${what} failed: ${message}`, retryable);
}

/** A configured filter, parsed; a typo fails the read (non-retryable) instead of being guessed. */
export function parseFilter(field: string, filter: string): Filter {
  // ldapts tolerates a missing final ')' ("(&(a=b)(c=d)"); a filter typo must fail, not be guessed.
  // Parentheses inside values are always escaped (\28 \29), so raw ones must balance.
  let depth = 0;
  for (const ch of filter) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) throw new DirectoryError(`${field} "${filter}" is not a valid LDAP filter: unbalanced parentheses`, false);
  try {
    return FilterParser.parseString(filter);
  } catch (err) {
    throw new DirectoryError(`${field} "${filter}" is not a valid LDAP filter: ${(err as Error).message}`, false);
  }
}
