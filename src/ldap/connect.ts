/**
 * Opens a bound LDAP connection for the directory snapshot: ldap:// or ldaps://, optional
 * StartTLS, an optional CA file, connect and per-operation timeouts.
 *
 * Errors name the server and the bind DN and say what failed; they never contain the password
 * (server messages are scrubbed of it too). Each error says whether a retry can help, so the
 * activity can fail fast on a wrong password instead of retrying it.
 */
import { readFileSync } from 'fs';
import { isIP } from 'net';
import type { ConnectionOptions } from 'tls';
import { Client, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { redactSecrets } from '../log/redact';

export type DirectoryConfig = Config['directory'];
export type DirectoryLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

/** A directory read that failed. `retryable: false` when trying again cannot help (config, credentials). */
export class DirectoryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DirectoryError';
  }
}

/** The server refused the bind DN's password (LDAP result code 49): a sign-in's "wrong password". */
export class DirectoryCredentialsError extends DirectoryError {}

/** Connect timeout: bounded separately so an unreachable host fails in seconds, not minutes. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Node's socket error codes that mean "the server could not be reached (yet)". */
function describeConnectError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return 'connection refused (is the server running, and is the port right?)';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'host name not found';
  if (e?.code === 'ETIMEDOUT' || e?.message === 'Connection timeout') return 'connection timed out';
  if (e?.code === 'ECONNRESET') return 'connection reset by the server';
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_TLS') || /certificate|self.signed|TLS|SSL/i.test(e?.message ?? '')) {
    return `TLS handshake failed: ${e.message} (check directory.tlsCaFile and the server name in directory.url)`;
  }
  return e?.message ?? String(err);
}

function tlsOptions(dir: DirectoryConfig, hostname: string): ConnectionOptions {
  const options: ConnectionOptions = { host: hostname, minVersion: 'TLSv1.2' };
  // SNI takes a host name only; certificate checks still use `host` for an IP address.
  if (!isIP(hostname)) options.servername = hostname;
  if (dir.tlsCaFile) {
    try {
      options.ca = readFileSync(dir.tlsCaFile);
    } catch (err) {
      throw new DirectoryError(`directory.tlsCaFile: cannot read "${dir.tlsCaFile}": ${(err as Error).message}`, false);
    }
  }
  return options;
}

/**
 * Returns a connected, bound client. The caller must `unbind()` it (also on error paths).
 * An empty `bindDN` binds anonymously; a bind DN with an empty password is refused, because
 * LDAP servers treat that as an *unauthenticated* bind that succeeds and then sees nothing —
 * which would look like an empty directory.
 */
/** LDAP result code 8: strongerAuthRequired (AD: "Strong(er) authentication required"). */
const STRONGER_AUTH_REQUIRED = 8;

export async function connectDirectory(dir: DirectoryConfig, logger: DirectoryLogger): Promise<Client> {
  const url = new URL(dir.url);
  const secure = url.protocol === 'ldaps:';
  if (secure && dir.startTls) {
    throw new DirectoryError(`directory.startTls is true but directory.url "${dir.url}" is already ldaps://; use one or the other`, false);
  }
  if (dir.bindDN !== '' && dir.bindPassword === '') {
    throw new DirectoryError(
      `directory.bindPassword is empty for bind DN "${dir.bindDN}": an empty password is an unauthenticated bind; set the password (e.g. through an environment variable)`,
      false,
    );
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const tls = secure || dir.startTls ? tlsOptions(dir, hostname) : undefined;
  const client = new Client({
    url: dir.url,
    timeout: dir.timeoutMs,
    connectTimeout: Math.min(dir.timeoutMs, CONNECT_TIMEOUT_MS),
    tlsOptions: secure ? tls : undefined,
    strictDN: false, // DNs come from config and from the server; the server is the judge of their syntax
  });
  const scrub = (text: string) => redactSecrets(text, [dir.bindPassword]);
  const fail = async (err: DirectoryError): Promise<never> => {
    await client.unbind().catch(() => undefined);
    throw err;
  };

  if (dir.startTls) {
    try {
      await client.startTLS(tls);
    } catch (err) {
      return fail(new DirectoryError(`StartTLS with LDAP server ${dir.url} failed: ${scrub(describeConnectError(err))}`, !(err instanceof ResultCodeError), { cause: err }));
    }
  }

  if (dir.bindDN === '') {
    logger.warn({ url: dir.url }, 'directory.bindDN is empty: reading the directory anonymously');
    return client;
  }
  // Bind errors carry no `cause`: the message says enough, and nothing from the bind request
  // (which held the password) can travel on into logs or workflow history.
  try {
    await client.bind(dir.bindDN, dir.bindPassword);
  } catch (err) {
    if (err instanceof InvalidCredentialsError) {
      return fail(new DirectoryCredentialsError(`LDAP bind as "${dir.bindDN}" to ${dir.url} failed: invalid credentials (wrong password, or no such bind DN)`, false));
    }
    if (err instanceof ResultCodeError && err.code === STRONGER_AUTH_REQUIRED) {
      // Active Directory refuses a simple bind over an unprotected connection.
      return fail(new DirectoryError(
        `LDAP bind as "${dir.bindDN}" to ${dir.url} failed: the server requires a protected connection for a password bind (${scrub(err.message)}); use ldaps:// in directory.url (usually port 636, with directory.tlsCaFile for a private CA) or set directory.startTls: true`,
        false,
      ));
    }
    if (err instanceof ResultCodeError) {
      return fail(new DirectoryError(`LDAP bind as "${dir.bindDN}" to ${dir.url} failed: ${scrub(err.message)} (LDAP result code ${err.code})`, false));
    }
    return fail(new DirectoryError(`LDAP bind as "${dir.bindDN}" to ${dir.url} failed: ${scrub(describeConnectError(err))}`, true));
  }
  logger.debug({ url: dir.url, bindDN: dir.bindDN, startTls: dir.startTls }, 'directory: bound');
  return client;
}
