/**
 * Desired state: what each directory user in a mapped group should look like in ZCC.
 *
 * A user in several mapped groups gets role, package and settings from ONE mapping — the one
 * with the highest `priority`; on a tie, the mapping listed first in the config wins (so an
 * admin can read the outcome off the file top to bottom). Settings are not merged across
 * mappings: mixing fields from two mappings would give a combination nobody configured.
 * Queues are the union of all the user's mappings, de-duplicated (case-insensitively, first
 * spelling kept) and sorted.
 */
import type { Mapping, UserSettings } from '../config/schema';
import type { DesiredUser, DirectoryUser } from '../domain/types';
import { normalizeDn } from '../ldap/dn';

/** Settings as the planner compares them: `user_access` is the planner's decision, not the mapping's. */
function mappingSettings(settings: UserSettings | undefined): UserSettings {
  const { user_access: _ignored, ...rest } = settings ?? {};
  return rest;
}

/** Sorted, case-insensitively de-duplicated queue names. */
export function unionQueues(lists: Iterable<readonly string[]>): string[] {
  const byKey = new Map<string, string>();
  for (const list of lists) for (const q of list) if (!byKey.has(q.toLowerCase())) byKey.set(q.toLowerCase(), q);
  return [...byKey.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function desiredState(users: DirectoryUser[], mappings: Mapping[]): Map<string, DesiredUser> {
  // Mappings by normalised group DN, keeping config order (the tie-breaker).
  const byGroup = new Map<string, Array<{ mapping: Mapping; index: number }>>();
  mappings.forEach((mapping, index) => {
    const key = normalizeDn(mapping.group);
    const list = byGroup.get(key) ?? [];
    list.push({ mapping, index });
    byGroup.set(key, list);
  });

  // Users share a handful of group strings: normalise each once, not once per user.
  const normalized = new Map<string, string>();
  const norm = (dn: string) => {
    let key = normalized.get(dn);
    if (key === undefined) normalized.set(dn, (key = normalizeDn(dn)));
    return key;
  };

  // The same email may arrive twice (callers that do not de-duplicate): merge their groups.
  const groupsByEmail = new Map<string, { user: DirectoryUser; groups: Set<string> }>();
  for (const user of users) {
    const email = user.email.trim().toLowerCase();
    const entry = groupsByEmail.get(email) ?? { user, groups: new Set<string>() };
    for (const g of user.groups) entry.groups.add(norm(g));
    groupsByEmail.set(email, entry);
  }

  const desired = new Map<string, DesiredUser>();
  for (const [email, { user, groups }] of groupsByEmail) {
    const matched: Array<{ mapping: Mapping; index: number }> = [];
    for (const g of groups) matched.push(...(byGroup.get(g) ?? []));
    if (matched.length === 0) continue; // in no mapped group: not desired
    const unique = [...new Map(matched.map((m) => [m.index, m])).values()];
    const winner = unique.reduce((best, m) =>
      m.mapping.priority > best.mapping.priority || (m.mapping.priority === best.mapping.priority && m.index < best.index) ? m : best,
    );
    desired.set(email, {
      email,
      displayName: user.displayName,
      roleName: winner.mapping.role,
      packageName: winner.mapping.package,
      queues: unionQueues(unique.sort((a, b) => a.index - b.index).map((m) => m.mapping.queues)),
      settings: mappingSettings(winner.mapping.settings),
    });
  }
  return desired;
}
