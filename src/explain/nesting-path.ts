/**
 * How a mapped group reaches a user: the chain of nested groups between them. The directory
 * snapshot only keeps WHICH mapped groups reach a user (src/ldap/snapshot/group-membership.ts);
 * `users explain` shows HOW, from the same group graph the read built.
 *
 * The walk follows the snapshot's rules: a member that is a user is a leaf (never expanded), a
 * member that is a group is expanded only with `nestedGroups: expand`, and each group is visited
 * once, so a cycle of nested groups ends the branch instead of looping. Breadth first: the path
 * shown is a shortest one (direct membership before any nesting), ties broken by member order.
 */
import type { GroupNode } from '../ldap/snapshot/records';

/**
 * The DNs from the mapped group (`rootKey`, normalised) to one of `targets` (normalised member
 * DNs of the user's entries), as the directory wrote them; null when the group does not reach them.
 */
export function nestingPath(
  groups: ReadonlyMap<string, GroupNode>,
  isUser: (key: string) => boolean,
  rootKey: string,
  targets: ReadonlySet<string>,
  expand: boolean,
): string[] | null {
  const root = groups.get(rootKey);
  if (!root) return null;
  // Each queued group remembers the DN chain that reached it.
  let frontier: Array<{ node: GroupNode; path: string[] }> = [{ node: root, path: [root.dn] }];
  const visited = new Set<string>([rootKey]);
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { node, path } of frontier) {
      for (let i = 0; i < node.keys.length; i++) {
        const key = node.keys[i];
        if (targets.has(key)) return [...path, node.members[i]];
        if (!expand || isUser(key) || visited.has(key)) continue;
        const nested = groups.get(key);
        if (!nested) continue;
        visited.add(key);
        next.push({ node: nested, path: [...path, nested.dn] });
      }
    }
    frontier = next;
  }
  return null;
}

/** `cn=cc-agents,ou=groups,dc=example,dc=com` → `cn=cc-agents`: the part an admin recognises. */
export function firstRdn(dn: string): string {
  let escaped = false;
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (escaped) escaped = false;
    else if (ch === '\\') escaped = true;
    else if (ch === ',') return dn.slice(0, i).trim();
  }
  return dn.trim();
}
