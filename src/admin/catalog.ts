/**
 * The role and queue names that exist in ZCC, read only when a request names some: what an admin
 * request is checked against before anything starts (CLI and console alike).
 */
import { collect, queueIdOf, type ZoomCcClient } from '../zoom';
import type { Catalog } from './validate';

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

export async function readCatalog(zoom: ZoomCcClient, need: { roles: boolean; queues: boolean }): Promise<Catalog> {
  return {
    roles: need.roles ? (await readRoles(zoom)).map((r) => r.name) : [],
    queues: need.queues ? (await readQueues(zoom)).map((q) => q.name) : [],
  };
}
