/**
 * The CLI's read-only view of ZCC for `users …`: a client from the config, the role and queue
 * names that exist (for validation), and a clear exit 1 when ZCC cannot be read.
 */
import type { Config } from '../../src/config/schema';
import { createZoomClient, type ZoomCcClient } from '../../src/zoom';
import { CliExit, EXIT_FAILED, fail } from '../common';

export function zoomClient(config: Config): ZoomCcClient {
  return createZoomClient(config.contactCenter);
}

export type { NamedId } from '../../src/admin/catalog';
export { readQueues, readRoles } from '../../src/admin/catalog';

/** Runs a ZCC read; a failure (network, credentials) ends the command with exit 1 and the reason. */
export async function withZoom<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CliExit) throw err; // a bad-input exit decided inside fn
    fail(`cannot read Zoom Contact Center: ${(err as Error).message} (fix: check contactCenter in the config, or run \`zcc-sync config check\`)`, EXIT_FAILED);
  }
}

/** Exact name, else the one name equal ignoring case. */
export function findByName<T extends { name: string }>(items: T[], name: string): T | undefined {
  const exact = items.find((i) => i.name === name);
  if (exact) return exact;
  const loose = items.filter((i) => i.name.toLowerCase() === name.toLowerCase());
  return loose.length === 1 ? loose[0] : undefined;
}
