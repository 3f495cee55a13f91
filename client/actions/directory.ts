/** What `zcc-sync directory preview` does (its options: client/commands/directory.ts). */
import { previewDirectory, renderPreview } from '../../src/ldap/preview';
import { CliExit, EXIT_BAD_INPUT, EXIT_FAILED, fail, loadConfigOrExit, printError, printJson, printLine, type ConfigOptions, type JsonOptions } from '../common';

/** The command's options (declared here, the command imports the type: no import loop). */
export interface PreviewOptions extends ConfigOptions, JsonOptions {
  limit: string;
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function preview(opts: PreviewOptions): Promise<void> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 0) fail(`--limit: got "${opts.limit}" — expected a whole number of members to show per group, e.g. --limit 20`, EXIT_BAD_INPUT);
  const { config } = loadConfigOrExit(opts);
  if (config.mappings.length === 0) fail('mappings: no group is mapped, so there is nothing to preview; add at least one mapping (group, role, package) to the config', EXIT_BAD_INPUT);
  let result;
  try {
    result = await previewDirectory(config, limit, quiet);
  } catch (err) {
    // The read's own message (secrets scrubbed) says what failed and the fix.
    printError(err, config);
    throw new CliExit(EXIT_FAILED, 'directory preview failed');
  }
  if (opts.json) printJson(result);
  else for (const line of renderPreview(result)) printLine(line);
}
