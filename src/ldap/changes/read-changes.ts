/**
 * The delta read: what changed in the mapped groups' membership since a stored marker.
 *
 * 1. The marker now (./marker.ts). Unmoved → idle: an idle poll costs the marker's one or two
 *    base searches and nothing else. Another DC, a restored DC, another kind of marker → full.
 * 2. The users changed since the stored marker, read afresh (./changed-users.ts).
 * 3. The membership, re-read whole from the groups (./membership.ts), with the users known from
 *    the mirror and step 2; member DNs known to neither are looked up one by one.
 * 4. Whether the looked-up users are disabled (./disabled-lookups.ts).
 * 5. Groups and emails settled as the full read does (./current-users.ts), and the result compared
 *    with the mirror: changed users, and mirror entries gone.
 *
 * Deletions are seen through step 3: a deleted user drops out of its groups (OpenLDAP's memberof
 * refint; AD removes the links), and the delete moves the marker. A directory that leaves a
 * deleted user's DN in its groups (no refint) keeps it a member here until a full reconcile: the
 * mirror vouches for a DN no search looks at. Time passing is no change either: an AD account whose
 * accountExpires passes is disabled for the full read, not for a delta, until its entry changes.
 */
import type { DirectoryWarning } from '../../domain/types';
import { connectDirectory, type DirectoryConfig, type DirectoryLogger } from '../connect';
import { distinctMappedGroups } from '../snapshot/mapped-groups';
import { DirectoryReader } from '../snapshot/reader';
import type { SearchClient } from '../snapshot/types';
import { readChangedUsers } from './changed-users';
import { compareWithMirror, provisionedUsers } from './current-users';
import { markDisabledByLookup } from './disabled-lookups';
import { compareMarkers, markerText, readChangeMarker } from './marker';
import { readMembership } from './membership';
import { recordsFromMirror } from './mirror-records';
import { changedSinceFilter } from './since-filter';
import type { ChangeMarker, DirectoryChanges, MirrorEntry } from './types';

export interface ChangeReadOptions {
  /** Timestamp markers only: seconds read again before the stored time (clock skew). Default 300. */
  overlapSeconds?: number;
  /** Read and compare even when the marker did not move (users whose change failed are due again). */
  force?: boolean;
}

/** Connects, reads the changes, and always closes the connection. */
export async function readDirectoryChanges(
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  since: ChangeMarker,
  mirror: Map<string, MirrorEntry>,
  opts: ChangeReadOptions = {},
): Promise<DirectoryChanges> {
  const client = await connectDirectory(dir, logger);
  try {
    return await readDirectoryChangesWith(client, dir, mappedGroupDNs, logger, since, mirror, opts);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** The delta read over an already bound connection (the caller closes it). */
export async function readDirectoryChangesWith(
  client: SearchClient,
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  since: ChangeMarker,
  mirror: Map<string, MirrorEntry>,
  opts: ChangeReadOptions = {},
): Promise<DirectoryChanges> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const mapped = distinctMappedGroups(mappedGroupDNs); // an empty mapping fails before any search
  const now = await readChangeMarker(client, dir);
  const gate = compareMarkers(since, now);
  if (gate.kind === 'idle' && !opts.force) {
    logger.debug({ marker: markerText(since), ms: Math.round(performance.now() - t0) }, 'directory: no change since the marker');
    return { kind: 'idle', marker: now as ChangeMarker };
  }
  if (gate.kind === 'full') {
    logger.info({ reason: gate.reason }, 'directory: changes cannot be read since the stored marker; a full reconcile is needed');
    return { kind: 'full', reason: gate.reason, marker: now };
  }
  // A directory without a marker of its own: the time this read began, on this machine's clock.
  const marker: ChangeMarker = now ?? { kind: 'timestamp', at: startedAt };

  const reader = new DirectoryReader(client, dir);
  const warnings: DirectoryWarning[] = [];
  // Milliseconds per step, for the log: where a slow delta spends its time.
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    phases[name] = Math.round(t - mark);
    mark = t;
  };
  phase('marker');
  const changed = await readChangedUsers(reader, changedSinceFilter(since, opts.overlapSeconds), warnings);
  phase('changedUsers');
  const users = recordsFromMirror(mirror, changed.notUsers);
  for (const [key, rec] of changed.users) users.set(key, rec);
  phase('mirror');
  const membership = await readMembership(reader, mapped, users, warnings);
  phase('membership');
  const disabledLookups = await markDisabledByLookup(reader, users, membership.lookedUp);
  phase('disabled');
  const current = provisionedUsers(reader, mapped, membership.groups, users, warnings);
  phase('users');
  const diff = compareWithMirror(current, mirror);
  phase('compare');

  const stats = {
    groupsRead: reader.stats.groupsRead,
    usersRead: reader.stats.usersRead,
    lookups: membership.lookups + disabledLookups,
    ms: Math.round(performance.now() - t0),
  };
  logger.info({ since: markerText(since), marker: markerText(marker), members: current.size, changed: diff.changed.length, gone: diff.gone.length, warnings: warnings.length, ...stats, phases }, 'directory: changes read');
  return { kind: 'changes', marker, changed: diff.changed, gone: diff.gone, warnings, stats };
}
