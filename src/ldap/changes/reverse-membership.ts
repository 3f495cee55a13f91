/**
 * Which mapped groups reach one user, read upwards from the user: the groups (matching
 * groupFilter) that list the user as a member, then the groups that list those, and so on
 * (`nestedGroups: expand`; with `ignore`, the first step only) — a handful of indexed
 * `(member=DN)` searches, however large the groups.
 *
 * Why not the delta's membership re-read: an on-demand sync names a few users, and reading every
 * member of every mapped group (100k DNs, normalised and joined to the mirror) cost it ~2.7 s of
 * its ~3.3 s at 100k users. The result is the full read's: a nested group counts when it matches
 * groupFilter, cycles end the walk, and every mapped group must exist (a typo never reads as
 * "not a member"). The searches run under the naming contexts that hold the mapped groups, where
 * a nested group of theirs may be anywhere the full read would follow it.
 */
import { DirectoryError } from '../connect';
import { normalizeDn } from '../dn';
import { attr, text } from '../snapshot/entries';
import { wrap } from '../snapshot/read-errors';
import type { DirectoryReader } from '../snapshot/reader';
import type { SearchClient } from '../snapshot/types';
import { baseEntry, namingContextOf } from './marker';

export interface ReverseMembership {
  /** Indexes (into the mapped groups, in config order) of the mapped groups that reach `userDn`, ascending. */
  groupsOf(userDn: string): Promise<number[]>;
  /** `(member=…)` searches made. */
  readonly searches: number;
}

/** Checks every mapped group exists and is a group, then returns the upward walk. */
export async function reverseMembership(client: SearchClient, reader: DirectoryReader, mapped: Map<string, string>): Promise<ReverseMembership> {
  for (const dn of mapped.values()) {
    const found = await reader.lookupGroup(dn, false, true);
    if (found.kind === 'missing') {
      throw new DirectoryError(`mapped group "${dn}" does not exist (or the bind DN may not read it); check the mapping's group DN — a missing group is never read as "no members"`, false);
    }
    if (found.kind === 'notGroup') throw new DirectoryError(`mapped group "${dn}" exists but does not match directory.groupFilter "${reader.dir.groupFilter}"`, false);
  }
  const bases = await searchBases(client, [...mapped.values()], reader.dir.groupBase);
  const index = new Map([...mapped.keys()].map((key, i) => [key, i] as const));
  let searches = 0;

  const parentsOf = async (dn: string): Promise<string[]> => {
    const parents: string[] = [];
    for (const base of bases) {
      searches++;
      try {
        for await (const page of reader.groupsWithMember(base, dn)) {
          reader.checkSession(`reading the groups of "${dn}"`);
          for (const e of page.searchEntries) parents.push(e.dn);
        }
      } catch (err) {
        throw wrap(`reading the groups that list "${dn}" under "${base}"`, err);
      }
    }
    return parents;
  };

  return {
    get searches() {
      return searches;
    },
    async groupsOf(userDn) {
      const reached = new Set<number>();
      const seen = new Set([normalizeDn(userDn)]);
      let frontier = [userDn];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const dn of frontier) {
          for (const parent of await parentsOf(dn)) {
            const key = normalizeDn(parent);
            const i = index.get(key);
            if (i !== undefined) reached.add(i);
            if (!seen.has(key)) {
              seen.add(key);
              next.push(parent);
            }
          }
        }
        // With `ignore`, only the groups that list the user directly count.
        frontier = reader.expand ? next : [];
      }
      return [...reached].sort((a, b) => a - b);
    },
  };
}

/** The naming contexts holding the mapped groups (each once); groupBase when the rootDSE names none. */
async function searchBases(client: SearchClient, mappedDns: string[], groupBase: string): Promise<string[]> {
  const root = await baseEntry(client, '', ['namingContexts']);
  const contexts = root ? attr(root, 'namingContexts').map(text) : [];
  const bases = new Map<string, string>();
  for (const dn of mappedDns) {
    const base = namingContextOf(contexts, dn) ?? groupBase;
    bases.set(normalizeDn(base), base);
  }
  if (bases.size === 0) throw new DirectoryError('no naming context holds the mapped groups', false);
  return [...bases.values()];
}

