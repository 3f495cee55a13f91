/**
 * Bad input that no retry can fix (a wrong password, an unknown role, a mapping without groups):
 * activities turn it into a non-retryable Temporal failure of type `InputError`, so the run fails
 * at once with the message instead of retrying for minutes.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}
