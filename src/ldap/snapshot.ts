/**
 * Directory snapshot: who is in the mapped groups, with email, display name and unique id.
 *
 * 0. The directory's change marker (./changes/marker.ts), read first and returned with the
 *    snapshot: delta runs read what changed since it. Unavailable → null; never fails the read.
 * 1. Read each mapped group entry (base search, member attribute; AD ranged retrieval
 *    `member;range=0-1499` followed to the end). A mapped group that does not exist fails the
 *    read: a typo in a group DN must not look like "everyone left".
 * 2. Read all users under `userBase` matching `userFilter` in ONE paged search (not one search
 *    per member), and join members to users by normalised DN.
 * 3. Member DNs that are not users are looked up: a group is expanded (`nestedGroups: expand`,
 *    cycles reported and cut) or skipped with a warning (`ignore`); anything else is reported as
 *    an unresolved member.
 * 4. Users are keyed by lower-cased email. Members without an email, duplicate emails and
 *    unresolved members are returned as warnings — never dropped silently.
 *
 * Any failed or partial read (connection lost, size/time limit, timeout) throws a
 * DirectoryError: this function never returns fewer users than the directory holds.
 * Filters come from config only and are parsed as filters; no value read from the directory or
 * the config is ever spliced into filter text (DNs travel as search bases).
 */
import type { DirectoryWarning } from '../domain/types';
import { metrics } from '../metrics/events';
import { readChangeMarker } from './changes/marker';
import { connectDirectory, type DirectoryConfig, type DirectoryLogger } from './connect';
import { handOverUsers } from './snapshot/hand-over';
import { settleEmails } from './snapshot/emails';
import { markDisabledUsers } from './snapshot/disabled-users';
import { assignMappedGroups } from './snapshot/group-membership';
import { distinctMappedGroups, readMappedGroups } from './snapshot/mapped-groups';
import { readMemberUsers } from './snapshot/member-users';
import { resolveOtherMembers } from './snapshot/nested-members';
import { DirectoryReader } from './snapshot/reader';
import type { DirectorySnapshot, ReadProgress, SearchClient, UserSink } from './snapshot/types';

export type { DirectorySnapshot, DirectoryStats, ReadProgress, SearchClient, UserSink } from './snapshot/types';

/** Connects, reads, and always closes the connection. */
export async function readDirectory(
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  onProgress?: (p: ReadProgress) => void,
  sink?: UserSink,
): Promise<DirectorySnapshot> {
  try {
    const client = await connectDirectory(dir, logger);
    try {
      // Before the read: what changes during it is seen again by the next delta (harmless).
      const marker = await readChangeMarker(client, dir).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'directory: could not read the change marker; delta runs will need a full reconcile first');
        return null;
      });
      const snapshot = await readDirectoryWith(client, dir, mappedGroupDNs, logger, onProgress, sink);
      return { ...snapshot, marker };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  } catch (err) {
    metrics.directoryReadFailed();
    throw err;
  }
}

/**
 * The snapshot over an already bound connection (the caller closes it), in five steps (files in
 * ./snapshot/). The steps share the users and groups maps and fill them in place: at 100k users
 * nothing big is copied from one step to the next.
 */
export async function readDirectoryWith(
  client: SearchClient,
  dir: DirectoryConfig,
  mappedGroupDNs: string[],
  logger: DirectoryLogger,
  onProgress?: (p: ReadProgress) => void,
  sink?: UserSink,
): Promise<DirectorySnapshot> {
  const t0 = performance.now();
  const reader = new DirectoryReader(client, dir, onProgress);
  const mapped = distinctMappedGroups(mappedGroupDNs);
  const mappedList = [...mapped.values()];
  const warnings: DirectoryWarning[] = [];

  // 1. The mapped groups: normalised DN → group (nested groups join them in step 3).
  const groups = await readMappedGroups(reader, mapped);
  logger.debug({ groups: groups.size }, 'directory: mapped groups read');

  // 2. Their member users under userBase, in one paged search: normalised DN → user.
  const users = await readMemberUsers(reader, groups, warnings);
  logger.debug({ members: users.size, usersRead: reader.stats.usersRead, pages: reader.stats.pages }, 'directory: users read');

  // 3. Members that are not those users: nested groups (and, expanded, their users) or unresolved.
  await resolveOtherMembers(reader, groups, users, warnings);

  // 4. Each user's mapped groups, through nesting or direct only.
  assignMappedGroups(mapped, groups, users, reader.expand, warnings);

  // 4b. Which of them are disabled in the directory (leavers, groups unchanged).
  await markDisabledUsers(reader, users);

  // 5. Each user's email (rewritten, duplicates merged), then the users to the sink in batches of 500.
  const keys = settleEmails(users, mappedList, dir.attributes.email, dir.emailDomains, warnings);
  const handedOver = await handOverUsers(users, keys, mappedList, sink);

  const ms = Math.round(performance.now() - t0);
  metrics.directoryRead(handedOver.userCount, (performance.now() - t0) / 1000);
  reader.progress('done');
  logger.info({ users: handedOver.userCount, warnings: warnings.length, ...reader.stats, ms }, 'directory: snapshot read');
  return { users: handedOver.users, userCount: handedOver.userCount, disabledCount: handedOver.disabledCount, warnings, stats: { ...reader.stats, ms } };
}
