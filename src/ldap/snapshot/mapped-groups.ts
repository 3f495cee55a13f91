/** Step 1: the mapped groups. Each must exist and be a group: a typo in a group DN must not look like "everyone left". */
import { DirectoryError } from '../connect';
import { normalizeDn } from '../dn';
import type { DirectoryReader } from './reader';
import type { GroupNode } from './records';

/** Mapped group DNs by normalised DN, each once, keeping the configured spelling and order. */
export function distinctMappedGroups(mappedGroupDNs: string[]): Map<string, string> {
  const mapped = new Map<string, string>();
  for (const dn of mappedGroupDNs) if (!mapped.has(normalizeDn(dn))) mapped.set(normalizeDn(dn), dn);
  if (mapped.size === 0) throw new DirectoryError('no mapped groups to read: config.mappings is empty', false);
  return mapped;
}

/** Reads each mapped group with its members; returns normalised DN → group (nested groups join it in step 3). */
export async function readMappedGroups(reader: DirectoryReader, mapped: Map<string, string>): Promise<Map<string, GroupNode>> {
  const groups = new Map<string, GroupNode>();
  reader.progress('groups');
  for (const [key, dn] of mapped) {
    const found = await reader.lookupGroup(dn, true, true);
    if (found.kind === 'missing') {
      throw new DirectoryError(`mapped group "${dn}" does not exist (or the bind DN may not read it); check the mapping's group DN — a missing group is never read as "no members"`, false);
    }
    if (found.kind === 'notGroup') {
      throw new DirectoryError(`mapped group "${dn}" exists but does not match directory.groupFilter "${reader.dir.groupFilter}"`, false);
    }
    groups.set(key, found.node);
  }
  return groups;
}
