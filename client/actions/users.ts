/**
 * What `zcc-sync users list | assign | edit | remove` do (their options: client/commands/users.ts).
 * The work itself is in client/users/: list.ts reads ZCC, job.ts runs a write as a workflow.
 */
import { loadConfigOrExit, type ConfigOptions, type JsonOptions } from '../common';
import { listUsers, printUsers, type ListOptions } from '../users/list';
import { zoomClient } from '../users/zcc';

export { runWrite as write } from '../users/job';

export async function list(opts: ListOptions & ConfigOptions & JsonOptions): Promise<void> {
  const { config } = loadConfigOrExit(opts);
  printUsers(await listUsers(zoomClient(config), opts), Boolean(opts.json));
}
