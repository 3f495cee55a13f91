/**
 * The CLI's read-only view of ZCC for `users …`: a client from the config, the role and queue
 * names that exist (for validation), and a clear exit 1 when ZCC cannot be read.
 */
import type { Config } from '../../src/config/schema';
import { collect, createZoomClient, queueIdOf, type ZoomCcClient } from '../../src/zoom';
import type { Catalog } from '../../src/admin/validate';
import { CliExit, EXIT_FAILED, fail } from '../common';

export function zoomClient(config: Config): ZoomCcClient {
  return createZoomClient(config.contactCenter);
}

export interface NamedId {
  name: string;
  id: string;
}

export async function readRoles(zoom: ZoomCcClient): Promise<NamedId[]> {
  return (await collect(zoom.listRoles())).map((r) => ({ name: r.role_name, id: r.role_id }));
}

export async function readQueues(zoom: ZoomCcClient): Promise<Array<NamedId & { agents?: number }>> {
  return (await collect(zoom.listQueues())).map((q) => ({ name: q.queue_name, id: queueIdOf(q), agents: q.agents_count }));
}

/** Role and queue names, fetched only when the request names some (no call otherwise). */
export async function readCatalog(zoom: ZoomCcClient, need: { roles: boolean; queues: boolean }): Promise<Catalog> {
  return withZoom(async () => ({
    roles: need.roles ? (await readRoles(zoom)).map((r) => r.name) : [],
    queues: need.queues ? (await readQueues(zoom)).map((q) => q.name) : [],
  }));
}

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
