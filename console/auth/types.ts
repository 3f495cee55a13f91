/** What a console sign-in returns: the person and their roles, or why not. */

export const CONSOLE_ROLES = ['viewer', 'operator', 'approver'] as const;
/** viewer: look; operator: run and change things; approver: approve held runs. The console treats operator and approver as implying viewer. */
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export interface ConsoleUser {
  /** The name as signed in with (trimmed). */
  name: string;
  /** The directory entry that bound. */
  dn: string;
  displayName: string;
  /** The console.roles whose groups hold the user (directly, or through nesting with nestedGroups: expand), in CONSOLE_ROLES order. */
  roles: ConsoleRole[];
}

export type SignInFailureReason = 'empty' | 'unknown' | 'bad_password' | 'no_role' | 'directory_unavailable';

/**
 * `message` can be shown to the person signing in: it never holds the password, and it is the
 * same for `unknown` and `bad_password` (the page must not tell which names exist; the reason
 * is for the audit log).
 */
export type SignInResult =
  | { ok: true; user: ConsoleUser }
  | { ok: false; reason: SignInFailureReason; message: string };
