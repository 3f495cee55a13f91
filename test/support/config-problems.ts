/** The text of the ConfigError that fn throws (fails the test when it throws nothing or something else). */
import { ConfigError } from '../../src/config/errors';

export function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
