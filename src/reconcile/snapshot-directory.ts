/** Step 1 of a reconcile: the mapped groups' members, read from the directory into the store. */
import { InputError } from '../domain/errors';
import type { DirectoryUser } from '../domain/types';
import { DirectoryError } from '../ldap/connect';
import { readDirectory } from '../ldap/snapshot';
import type { Heartbeat, RunServices } from '../runs/services';
import { inTransaction } from '../store/db';
import { recordDirectoryUsers } from '../store/runs';
import { addDirectoryUsers, clearDirectorySnapshot } from '../store/snapshots';
import { replaceRunWarnings } from '../store/warnings';
import { saveRunMarker } from '../store/facts';

export async function snapshotDirectory(deps: Pick<RunServices, 'db' | 'config' | 'logger'>, runId: string, heartbeat: Heartbeat): Promise<{ users: number; warnings: number }> {
  const { db, config } = deps;
  const groups = [...new Set(config.mappings.map((m) => m.group))];
  if (groups.length === 0) throw new InputError('mappings: no group is mapped; add at least one mapping (group, role, package) to the config');
  // Users are written as the read hands them over (500 at a time), so the worker never holds
  // the whole snapshot twice; a retried activity starts by dropping what an earlier try wrote.
  await clearDirectorySnapshot(db, runId);
  // Without a marker of its own (no syncprov's contextCSN, no AD USN), deltas read the entries
  // modified since the read began (modifyTimestamp, with an overlap for clock skew).
  const startedAt = new Date().toISOString();
  let snapshot: Awaited<ReturnType<typeof readDirectory>>;
  try {
    snapshot = await readDirectory(config.directory, groups, deps.logger, heartbeat, (users: DirectoryUser[]) => addDirectoryUsers(db, runId, users));
  } catch (err) {
    // A wrong password, a missing group or a bad filter will not heal by retrying: fail now.
    if (err instanceof DirectoryError && !err.retryable) throw new InputError(`directory: ${err.message}`);
    throw err;
  }
  const { userCount, disabledCount, warnings } = snapshot;
  await inTransaction(db, async (trx) => {
    await replaceRunWarnings(trx, runId, warnings);
    // Where the next delta reads changes from, once this run has applied (src/reconcile/finish.ts).
    await saveRunMarker(trx, runId, snapshot.marker ?? { kind: 'timestamp', at: startedAt });
    // The shrink guard compares enabled users: disabling half a group is a shrink too.
    await recordDirectoryUsers(trx, runId, userCount - disabledCount);
  });
  return { users: userCount, warnings: warnings.length };
}
