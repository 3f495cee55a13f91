/**
 * Console sign-in against the directory zcc-sync already reads:
 *  1. an empty name or password is refused before anything is sent (an empty password would be
 *     an unauthenticated bind, which LDAP servers accept);
 *  2. the service account (directory.bindDN) finds the one entry the name stands for
 *     (find-user.ts: uid/mail, or sAMAccountName/userPrincipalName/mail on AD, escaped);
 *  3. a bind as that entry with the typed password, on a new connection (user-bind.ts);
 *  4. the roles: the console.roles groups holding the user, nesting included (role-groups.ts).
 * The password is never logged and never part of a message; a directory that cannot be reached
 * or read is `directory_unavailable`.
 */
import type { Client } from 'ldapts';
import type { Config } from '../../src/config/schema';
import { connectDirectory, DirectoryError, type DirectoryConfig } from '../../src/ldap/connect';
import { redactSecrets } from '../../src/log/redact';
import { findUser } from './find-user';
import { QUIET } from './quiet-logger';
import { rolesOf } from './role-groups';
import type { SignInFailureReason, SignInResult } from './types';
import { passwordIsRight } from './user-bind';

export type { ConsoleRole, ConsoleUser, SignInResult, SignInFailureReason } from './types';

/** A person waits for this page: a slow directory fails the sign-in in seconds, not in directory.timeoutMs. */
const SIGN_IN_TIMEOUT_MS = 15_000;

const WRONG = 'Wrong name or password.';

export async function signIn(config: Config, name: string, password: string): Promise<SignInResult> {
  const who = name.trim();
  if (who === '' || password === '') return fail('empty', 'Enter your name and your password.');
  const dir: DirectoryConfig = { ...config.directory, timeoutMs: Math.min(config.directory.timeoutMs, SIGN_IN_TIMEOUT_MS) };
  const scrub = (text: string) => redactSecrets(text, [password, dir.bindPassword]);

  let service: Client | undefined;
  try {
    service = await connectDirectory(dir, QUIET);
    const found = await findUser(service, dir, who);
    if (found.kind !== 'one') return fail('unknown', WRONG);
    if (!(await passwordIsRight(dir, found.dn, password))) return fail('bad_password', WRONG);
    const { roles, unusable } = await rolesOf(service, dir, config.console.roles, found.dn);
    if (roles.length === 0) {
      const note = unusable.length ? ` (the console's role groups ${unusable.map((g) => `"${g}"`).join(', ')} do not exist or are not groups: check console.roles)` : '';
      return fail('no_role', `You are not in any of the console's role groups; ask an administrator for access.${note}`);
    }
    return { ok: true, user: { name: who, dn: found.dn, displayName: found.displayName, roles } };
  } catch (err) {
    const why = err instanceof DirectoryError ? err.message : (err as Error)?.message ?? String(err);
    return fail('directory_unavailable', scrub(`The directory cannot check sign-ins right now: ${why}`));
  } finally {
    await service?.unbind().catch(() => undefined);
  }
}

function fail(reason: SignInFailureReason, message: string): SignInResult {
  return { ok: false, reason, message };
}
