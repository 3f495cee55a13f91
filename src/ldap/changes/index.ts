/**
 * Delta and on-demand directory reads (issue 14): the change marker, the changes since a stored
 * marker against the directory mirror, and named users. One purpose per file:
 *   types.ts            ChangeMarker, MirrorEntry, DirectoryChanges
 *   marker.ts           reading and comparing markers (the idle poll's only searches)
 *   since-filter.ts     "changed since the marker" as a filter object
 *   changed-users.ts    the users changed since the marker, read afresh
 *   mirror-records.ts   the mirror as the snapshot's records
 *   membership.ts       the mapped groups' membership re-read, without the paged search of all users
 *   disabled-lookups.ts disabled or not, for single users
 *   current-users.ts    DirectoryUsers as the full read builds them, compared with the mirror
 *   read-changes.ts     readDirectoryChanges
 *   named-users.ts      readNamedUsers
 */
export type { ChangeMarker, ChangeStats, DirectoryChanges, MirrorEntry } from './types';
export { compareMarkers, markerText, readChangeMarker, type MarkerComparison } from './marker';
export { changedSinceFilter, DEFAULT_OVERLAP_SECONDS } from './since-filter';
export { readDirectoryChanges, readDirectoryChangesWith, type ChangeReadOptions } from './read-changes';
export { readNamedUsers, readNamedUsersWith, type NamedUsers } from './named-users';
