/**
 * One user as a reconcile's ZCC snapshot would hold them (src/reconcile/snapshot-contact-center.ts):
 * the user object through `actualUserOf`, and their queues as the mapped queues' names from the
 * config — only mapped queues, spelled as the mappings spell them, because that is what the planner
 * compares. The snapshot reads every mapped queue's agent list; for one user their own queue list
 * (agent assignments, the API's default) is one call instead of one per 100 agents of each queue,
 * matched to the mapped queues by id.
 */
import type { ActualUser } from '../domain/types';
import { InputError } from '../domain/errors';
import { actualUserOf } from '../reconcile/actual';
import { ZoomInputError, type ZoomCcClient } from '../zoom';

export async function readZccUser(zoom: ZoomCcClient, email: string, mappedQueues: string[]): Promise<ActualUser | null> {
  const found = await zoom.findUserByEmail(email);
  if (!found) return null;
  let ids: Map<string, string>;
  try {
    ids = await zoom.resolveQueues([...new Set(mappedQueues)]);
  } catch (err) {
    // An unknown queue name fails a run before any change; here it is the same config mistake.
    if (err instanceof ZoomInputError) throw new InputError(`mappings: ${err.message}`);
    throw err;
  }
  const mine = new Set<string>();
  for await (const page of zoom.listUserQueues(found.user_id)) {
    for (const q of page.items) for (const id of [q.cc_queue_id, q.queue_id]) if (id) mine.add(id);
  }
  const user = actualUserOf(found);
  for (const [name, id] of ids) if (mine.has(id)) user.queues.push(name);
  user.queues.sort();
  return user;
}
