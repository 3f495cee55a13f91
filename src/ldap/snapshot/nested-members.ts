/**
 * Step 3: member DNs that are not users read in step 2. A group is read (and, with
 * `nestedGroups: expand`, its members are resolved in turn, round after round); with `expand`, a
 * member of a nested group under userBase is read as a user. Anything else is reported as an
 * unresolved member.
 */
import type { DirectoryWarning } from '../../domain/types';
import { runPool } from '../../util/pool';
import type { DirectoryReader } from './reader';
import type { GroupNode, UserRecord } from './records';

/** Member lookups (non-user member DNs) in flight at once on the one connection. */
const LOOKUP_CONCURRENCY = 8;

export interface ResolveOptions {
  /**
   * Look unknown members of the mapped groups up as users too (first round). The full read does
   * not: its paged user search kept them all. A delta read has no such search: its users come
   * from the mirror, and a member it does not know is looked up in every round.
   */
  usersInFirstRound?: boolean;
  /** Called with the key of each user found by a lookup (a delta read checks whether it is disabled). */
  onUserFound?: (key: string) => void;
}

/**
 * Resolves the members of the groups that are neither users nor known groups: adds the nested
 * groups found to `groups` and the users found to `users`, and warns about the rest. Returns how
 * many member DNs were looked up.
 */
export async function resolveOtherMembers(
  reader: DirectoryReader,
  groups: Map<string, GroupNode>,
  users: Map<string, UserRecord>,
  warnings: DirectoryWarning[],
  options: ResolveOptions = {},
): Promise<number> {
  const resolution = new MemberResolution(reader, groups, users, options.onUserFound);
  reader.progress('nested');
  let frontier = [...groups.keys()];
  let firstRound = !options.usersInFirstRound; // the full read: the mapped groups' member users were all kept in step 2
  let lookups = 0;
  while (frontier.length > 0) {
    const unknown = resolution.unknownMembersOf(frontier);
    lookups += unknown.size;
    const found = await resolution.lookUp(unknown, firstRound);
    reader.progress('nested');
    // With `ignore`, nested groups are identified but not read further.
    frontier = reader.expand ? found : [];
    firstRound = false;
  }
  resolution.reportUnresolved(warnings);
  return lookups;
}

class MemberResolution {
  /** Normalised DNs known to be neither user nor group. */
  private readonly notGroup = new Set<string>();
  /** Unresolved DN → the groups naming it. */
  private readonly referencedBy = new Map<string, Set<string>>();
  /** Unresolved DN, normalised → as a group listed it. */
  private readonly asWritten = new Map<string, string>();

  constructor(
    private readonly reader: DirectoryReader,
    private readonly groups: Map<string, GroupNode>,
    private readonly users: Map<string, UserRecord>,
    private readonly onUserFound?: (key: string) => void,
  ) {}

  /**
   * Members of the frontier groups that are not a known user or group, not yet looked up:
   * normalised → as written. Notes which groups name each member not yet resolved.
   */
  unknownMembersOf(frontier: string[]): Map<string, string> {
    const unknown = new Map<string, string>();
    for (const gkey of frontier) {
      const group = this.groups.get(gkey) as GroupNode;
      group.keys.forEach((mkey, i) => {
        if (this.users.has(mkey) || this.groups.has(mkey)) return;
        if (!this.notGroup.has(mkey) && !unknown.has(mkey)) unknown.set(mkey, group.members[i]);
        if (!this.asWritten.has(mkey)) this.asWritten.set(mkey, group.members[i]);
        const refs = this.referencedBy.get(mkey) ?? new Set<string>();
        refs.add(group.dn);
        this.referencedBy.set(mkey, refs);
      });
    }
    return unknown;
  }

  /** Looks each unknown member up, a few at a time; returns the keys of the groups found. */
  async lookUp(unknown: Map<string, string>, firstRound: boolean): Promise<string[]> {
    const found: string[] = [];
    await runPool([...unknown], LOOKUP_CONCURRENCY, async ([mkey, dn]) => {
      // Members of nested groups were not kept by the user search: a user among them is read now.
      if (!firstRound && this.reader.inUserBase(mkey)) {
        const user = await this.reader.lookupUser(dn);
        if (user) {
          this.users.set(mkey, user);
          this.onUserFound?.(mkey);
          this.referencedBy.delete(mkey);
          return;
        }
      }
      const r = await this.reader.lookupGroup(dn, this.reader.expand, false);
      if (r.kind === 'group') {
        this.groups.set(mkey, r.node);
        this.referencedBy.delete(mkey);
        found.push(mkey);
      } else {
        this.notGroup.add(mkey);
      }
    });
    return found;
  }

  /** One warning per member DN that is neither a user nor a group, naming the groups that list it. */
  reportUnresolved(warnings: DirectoryWarning[]): void {
    for (const mkey of this.notGroup) {
      const refs = [...(this.referencedBy.get(mkey) ?? [])].sort();
      const dn = this.asWritten.get(mkey) ?? mkey;
      warnings.push({
        code: 'unresolved_member',
        subject: dn,
        message: `member of ${refs.map((r) => `"${r}"`).join(', ')} is not a user under "${this.reader.dir.userBase}" matching directory.userFilter, nor a group (it does not exist, is outside the user base, or the bind DN may not read it); not provisioned`,
      });
    }
  }
}
