/**
 * Step 2 of a delta or on-demand run: the ZCC state of the run's users only, read one user at a
 * time (a search by email, then the user's queues when they hold a license) — never the account's
 * whole user list, which at 100k users is ~1,500 calls.
 *
 * Role and queue ids come from the last run that resolved them when it resolved every mapped
 * name (two list calls saved per run); otherwise they are resolved as a full run does.
 */
import { InputError } from '../domain/errors';
import { actualUserOf } from './actual';
import type { Heartbeat, RunServices } from '../runs/services';
import { getFact, putFact, saveNames, type NameMaps } from '../store/facts';
import { runScope } from '../store/mirror';
import { addContactCenterUsers, addQueueMembers, clearContactCenterSnapshot } from '../store/snapshots';
import { updateZccMirrorFromScope } from '../store/zcc-mirror';
import { runPool } from '../util/pool';
import { ZoomInputError } from '../zoom';

/** Users read at once: each is one or two calls, and the client's governor paces them. */
const READ_LANES = 4;

export async function snapshotScopeInContactCenter(deps: Pick<RunServices, 'db' | 'config' | 'zoom'>, runId: string, heartbeat: Heartbeat): Promise<{ users: number; queues: number; members: number }> {
  const { db, zoom } = deps;
  const names = await mappedNames(deps);
  await saveNames(db, runId, names);
  const queueNameOf = new Map(Object.entries(names.queues).map(([name, id]) => [id, name]));

  await clearContactCenterSnapshot(db, runId);
  let users = 0;
  let members = 0;
  await runPool(await runScope(db, runId), READ_LANES, async (email) => {
    const found = await zoom.findUserByEmail(email);
    if (!found) return;
    const queues: string[] = [];
    if (queueNameOf.size > 0) {
      for await (const page of zoom.listUserQueues(found.user_id)) {
        for (const q of page.items) {
          const name = queueNameOf.get(q.queue_id ?? '') ?? queueNameOf.get(q.cc_queue_id ?? '');
          if (name !== undefined) queues.push(name);
        }
      }
    }
    await addContactCenterUsers(db, runId, [actualUserOf(found)]);
    for (const queue of queues) await addQueueMembers(db, runId, queue, [found.user_email.toLowerCase()]);
    users++;
    members += queues.length;
    heartbeat({ users, members });
  });
  // What ZCC said of these users goes to the ZCC mirror (users without a license leave it).
  await updateZccMirrorFromScope(db, runId, names);
  return { users, queues: queueNameOf.size, members };
}

/** The mapped roles' and queues' ids: the last resolution when it covers every mapped name. */
async function mappedNames(deps: Pick<RunServices, 'db' | 'config' | 'zoom'>): Promise<NameMaps> {
  const { db, config, zoom } = deps;
  const roleNames = [...new Set(config.mappings.map((m) => m.role))];
  const queueNames = [...new Set(config.mappings.flatMap((m) => m.queues))];
  const last = await getFact(db, 'lastNames');
  if (last && roleNames.every((r) => r in last.roles) && queueNames.every((q) => q in last.queues)) {
    return { roles: pick(last.roles, roleNames), queues: pick(last.queues, queueNames) };
  }
  try {
    const names = {
      roles: Object.fromEntries(await zoom.resolveRoles(roleNames)),
      queues: Object.fromEntries(await zoom.resolveQueues(queueNames)),
    };
    await putFact(db, 'lastNames', names);
    return names;
  } catch (err) {
    if (err instanceof ZoomInputError) throw new InputError(`mappings: ${err.message}`);
    throw err;
  }
}

const pick = (map: Record<string, string>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, map[k]]));
