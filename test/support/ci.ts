/**
 * Tests that need something outside the repository (a PostgreSQL server, Zoom's openapi.json)
 * skip locally with a printed reason, but must not skip in CI: a skipped test there is a check
 * nobody runs. Under CI=true (as CI services and `.ci/run` set it) a missing prerequisite
 * becomes a failing test that names what is missing and how to provide it.
 */

/** CI services set CI=true (some CI=1). */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Reports a prerequisite `file`'s tests lack: under CI a failing test, else a console warning.
 * `what` says what is missing and what does not run; `fix` how to provide it.
 */
export function missingPrerequisite(file: string, what: string, fix: string): void {
  const message = `${file}: ${what}; fix: ${fix}`;
  if (IN_CI) {
    test(`prerequisite: ${what}`, () => {
      throw new Error(`CI=true, and CI runs every test rather than skip it. ${message}`);
    });
  } else {
    console.warn(`${message} (skipped; with CI=true this fails)`);
  }
}

/** `describe` when `present`, else `describe.skip` after reporting the missing prerequisite. */
export function describeIf(present: boolean, file: string, what: string, fix: string): jest.Describe {
  if (present) return describe;
  missingPrerequisite(file, what, fix);
  return describe.skip;
}

const PG_FIX =
  'set ZCC_TEST_PG_URL to a PostgreSQL server where the user may create databases ' +
  '(e.g. postgres://postgres@127.0.0.1:5432/postgres; `scripts/pg-throwaway.sh start DIR` starts a throwaway one and prints its URL)';

/**
 * ZCC_TEST_PG_URL, or undefined after reporting that `file`'s PostgreSQL cases (`skipped`, e.g.
 * "the PostgreSQL migration tests") do not run.
 */
export function testPgUrl(file: string, skipped: string): string | undefined {
  const url = process.env.ZCC_TEST_PG_URL;
  if (!url) missingPrerequisite(file, `ZCC_TEST_PG_URL is unset, so ${skipped} cannot run`, PG_FIX);
  return url;
}
