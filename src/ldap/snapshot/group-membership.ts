/**
 * Step 4: which mapped groups reach each user, through nesting (`expand`) or directly only
 * (`ignore`). The result lives on the user records (`groups`), not in a map of its own.
 */
import type { DirectoryWarning } from '../../domain/types';
import type { GroupNode, UserRecord } from './records';

/** Sets each reached user's `groups` to the indexes of its mapped groups (ascending, no repeats). */
export function assignMappedGroups(
  mapped: Map<string, string>,
  groups: Map<string, GroupNode>,
  users: Map<string, UserRecord>,
  expand: boolean,
  warnings: DirectoryWarning[],
): void {
  const single = [...mapped.keys()].map((_, i) => Object.freeze([i])); // the common case, shared
  const mappedList = [...mapped.values()];
  const walk = new NestingWalk(groups, users, expand, warnings);
  [...mapped.keys()].forEach((rootKey, index) => {
    const reached = walk.usersReachedFrom(rootKey);
    if (reached.size === 0) {
      warnings.push({ code: 'empty_group', subject: mappedList[index], message: `mapped group "${mappedList[index]}" has no user members that could be resolved` });
    }
    // Mapped groups are visited in index order, so each list stays ascending and duplicate-free.
    for (const ukey of reached) {
      const rec = users.get(ukey) as UserRecord;
      rec.groups = rec.groups ? [...rec.groups, index] : single[index];
    }
  });
}

/**
 * Depth-first walks from each mapped group. A nested group skipped (`ignore`) or a cycle is
 * warned about once for the whole snapshot, however many mapped groups reach it.
 */
class NestingWalk {
  private readonly cycles = new Set<string>();
  private readonly ignored = new Set<string>();

  constructor(
    private readonly groups: Map<string, GroupNode>,
    private readonly users: Map<string, UserRecord>,
    private readonly expand: boolean,
    private readonly warnings: DirectoryWarning[],
  ) {}

  /** The keys of the users a group reaches (each nested group expanded once). */
  usersReachedFrom(rootKey: string): Set<string> {
    const reached = new Set<string>();
    const visited = new Set<string>();
    const path: string[] = [];
    const visit = (gkey: string) => {
      visited.add(gkey);
      path.push(gkey);
      const group = this.groups.get(gkey) as GroupNode;
      for (const mkey of group.keys) {
        if (this.users.has(mkey)) {
          reached.add(mkey);
        } else if (this.groups.has(mkey)) {
          if (!this.expand) this.reportIgnored(gkey, mkey);
          else if (path.includes(mkey)) this.reportCycle(path.slice(path.indexOf(mkey)), mkey);
          else if (!visited.has(mkey)) visit(mkey);
        }
      }
      path.pop();
    };
    visit(rootKey);
    return reached;
  }

  private reportIgnored(gkey: string, mkey: string): void {
    const id = `${gkey}|${mkey}`;
    if (this.ignored.has(id)) return;
    this.ignored.add(id);
    this.warnings.push({
      code: 'nested_ignored',
      subject: this.dnOf(mkey),
      message: `nested group in "${this.dnOf(gkey)}" skipped (directory.nestedGroups is ignore); its members are not provisioned through it`,
    });
  }

  /** `loop`: the path from `mkey` to the group that names it again. */
  private reportCycle(loop: string[], mkey: string): void {
    const id = [...loop].sort().join('|');
    if (this.cycles.has(id)) return;
    this.cycles.add(id);
    const names = [...loop, mkey].map((k) => `"${this.dnOf(k)}"`);
    this.warnings.push({ code: 'nested_cycle', subject: this.dnOf(mkey), message: `nested groups form a cycle: ${names.join(' → ')}; each group is expanded once` });
  }

  private dnOf(gkey: string): string {
    return (this.groups.get(gkey) as GroupNode).dn;
  }
}
