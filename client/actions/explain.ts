/**
 * What `zcc-sync users explain EMAIL` does (declared in client/commands/users.ts): reads the
 * directory, ZCC and the store for one user and prints why they have what they have
 * (src/explain/). Read-only, no workflow: it works while Temporal or the worker is down.
 */
import { InputError } from '../../src/domain/errors';
import { explainUser } from '../../src/explain/explain-user';
import { renderExplanation } from '../../src/explain/render';
import { closeStore, openStore, type Store } from '../../src/store/db';
import { createZoomClient } from '../../src/zoom';
import { CliExit, EXIT_BAD_INPUT, EXIT_FAILED, fail, loadConfigOrExit, printError, printJson, printLine, type ConfigOptions, type JsonOptions } from '../common';

/** The command's options (declared here, the command imports the type: no import loop). */
export type ExplainOptions = ConfigOptions & JsonOptions;

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function explain(emailArg: string, opts: ExplainOptions): Promise<void> {
  const email = emailArg.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    fail(`EMAIL: got "${emailArg}" — expected one email address, e.g. zcc-sync users explain ann.lee@example.com`, EXIT_BAD_INPUT);
  }
  const { config } = loadConfigOrExit(opts);
  if (config.mappings.length === 0) {
    fail('mappings: no group is mapped, so no user can be explained; add at least one mapping (group, role, package) to the config', EXIT_BAD_INPUT);
  }
  let db: Store | undefined;
  let explanation;
  try {
    db = await openStore(config);
    explanation = await explainUser({ config, db, zoom: createZoomClient(config.contactCenter), logger: quiet }, email, new Date());
  } catch (err) {
    // The read's own message (secrets scrubbed) says what failed and the fix.
    printError(err, config);
    if (err instanceof InputError) throw new CliExit(EXIT_BAD_INPUT, (err as Error).message);
    throw new CliExit(EXIT_FAILED, 'users explain failed');
  } finally {
    await closeStore(db);
  }
  if (opts.json) printJson(explanation);
  else for (const line of renderExplanation(explanation)) printLine(line);
}
