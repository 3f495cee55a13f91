/**
 * An admin job's users as ZCC has them, with their membership of the queues the job names.
 *
 * A search is one call per user; a full listing is one call per 300 users of the account. Search
 * when the job has fewer users than the account has pages (the account size is remembered from
 * the last full listing); with no size known yet, search only for small jobs (≤ 20 users) and
 * otherwise list, which records the size for next time.
 */
import type { ActualUser } from '../domain/types';
import { actualUserOf } from '../reconcile/actual';
import type { Heartbeat, RunServices } from '../runs/services';
import { getFact, putFact } from '../store/facts';
import { runPool } from '../util/pool';
import { itemsOf, type ZoomCcClient } from '../zoom';

/** The ZCC reads a job needs (the apply engine does the writes with the same client). */
export type AdminZoomReads = Pick<ZoomCcClient, 'allUsers' | 'listQueueAgents' | 'resolveRoles' | 'resolveQueues'>;

/** Without a known account size, jobs of at most this many users search user by user. */
export const SEARCH_MAX_UNKNOWN = 20;
const LIST_PAGE = 300;
/** Searches at once. */
const SEARCH_LANES = 4;

export async function readJobUsers(
  deps: Pick<RunServices, 'db'> & { zoom: AdminZoomReads },
  emails: Set<string>,
  queues: Map<string, string>,
  heartbeat: Heartbeat,
): Promise<Map<string, ActualUser>> {
  const known = await getFact(deps.db, 'zccAccountUsers');
  const bySearch = known === null ? emails.size <= SEARCH_MAX_UNKNOWN : emails.size < Math.ceil(known / LIST_PAGE);
  const found = bySearch ? await searchUsers(deps.zoom, [...emails], heartbeat) : await listUsers(deps, emails, heartbeat);
  // Queue membership of the job's users, for the queues the job names only.
  for (const [name, id] of queues) {
    for await (const agent of itemsOf(deps.zoom.listQueueAgents(id))) {
      const u = found.get((agent.user_email ?? '').toLowerCase());
      if (u && !u.queues.includes(name)) u.queues.push(name);
    }
  }
  return found;
}

async function searchUsers(zoom: AdminZoomReads, emails: string[], heartbeat: Heartbeat): Promise<Map<string, ActualUser>> {
  const found = new Map<string, ActualUser>();
  await runPool(emails, SEARCH_LANES, async (email) => {
    for await (const u of zoom.allUsers({ search_key: email })) {
      if (u.user_email?.toLowerCase() === email) found.set(email, actualUserOf(u));
    }
  });
  heartbeat({ searched: emails.length });
  return found;
}

async function listUsers(deps: Pick<RunServices, 'db'> & { zoom: AdminZoomReads }, emails: Set<string>, heartbeat: Heartbeat): Promise<Map<string, ActualUser>> {
  const found = new Map<string, ActualUser>();
  let seen = 0;
  for await (const u of deps.zoom.allUsers()) {
    seen++;
    const email = (u.user_email ?? '').toLowerCase();
    if (emails.has(email)) found.set(email, actualUserOf(u));
    if (seen % 3000 === 0) heartbeat({ listed: seen });
  }
  await putFact(deps.db, 'zccAccountUsers', seen);
  return found;
}
