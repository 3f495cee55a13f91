/**
 * Step 2 of a reconcile (beside step 1): the mapped roles' and queues' ids, every ZCC user and the
 * mapped queues' agents (zcc-sync manages those queues, no others), read into the store.
 *
 * Users and agents are read at the same time and written page by page: the reads are what a no-op
 * run waits on (~1,470 pages at 100k users), and no list is ever held whole. Membership joins
 * users at plan time. Once both are read, the ZCC mirror (src/store/zcc-mirror.ts) becomes them.
 */
import { InputError } from '../domain/errors';
import { actualUserOf } from './actual';
import type { Heartbeat, RunServices } from '../runs/services';
import { putFact, saveNames } from '../store/facts';
import { addContactCenterUsers, addQueueMembers, clearContactCenterSnapshot } from '../store/snapshots';
import { replaceZccMirrorFromSnapshot } from '../store/zcc-mirror';
import { ZoomInputError } from '../zoom';

export async function snapshotContactCenter(deps: Pick<RunServices, 'db' | 'config' | 'zoom'>, runId: string, heartbeat: Heartbeat): Promise<{ users: number; queues: number; members: number }> {
  const { db, config, zoom } = deps;
  let roles: Map<string, string>;
  let queues: Map<string, string>;
  try {
    roles = await zoom.resolveRoles([...new Set(config.mappings.map((m) => m.role))]);
    queues = await zoom.resolveQueues([...new Set(config.mappings.flatMap((m) => m.queues))]);
  } catch (err) {
    // An unknown role or queue name fails the run before any change.
    if (err instanceof ZoomInputError) throw new InputError(`mappings: ${err.message}`);
    throw err;
  }
  const names = { roles: Object.fromEntries(roles), queues: Object.fromEntries(queues) };
  await saveNames(db, runId, names);
  // Delta and on-demand runs reuse them (src/reconcile/snapshot-scope-in-zcc.ts).
  await putFact(db, 'lastNames', names);

  await clearContactCenterSnapshot(db, runId);
  let users = 0;
  let members = 0;
  const beat = () => heartbeat({ users, members });
  const readUsers = async () => {
    for await (const page of zoom.listUsers()) {
      await addContactCenterUsers(db, runId, page.items.map(actualUserOf));
      users += page.items.length;
      beat();
    }
  };
  const readAgents = async (queue: string, queueId: string) => {
    for await (const page of zoom.listQueueAgents(queueId)) {
      const emails = page.items.filter((a) => a.user_email).map((a) => (a.user_email as string).toLowerCase());
      await addQueueMembers(db, runId, queue, emails);
      members += emails.length;
      beat();
    }
  };
  await Promise.all([readUsers(), ...[...queues].map(([name, id]) => readAgents(name, id))]);
  // The whole account was read: the ZCC mirror (the console's users list) becomes this snapshot.
  await replaceZccMirrorFromSnapshot(db, runId, names);
  return { users, queues: queues.size, members };
}
