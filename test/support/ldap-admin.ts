/**
 * Change a running test directory online, bound as the rootdn — joiners, leavers and movers for
 * reconcile tests. Online changes go through the memberof overlay, so `memberOf` on users
 * follows group edits (unlike slapadd, which needs it precomputed).
 *
 * groupOfNames needs at least one member: removing a group's last member puts the reader
 * account in as placeholder (as devstack/ldif.ts does for empty groups), and adding a member
 * to such a group removes the placeholder again.
 */
import { Attribute, Change, Client, EqualityFilter } from 'ldapts';
import { GROUPS_BASE, READER_DN, USER_PASSWORD, escapeDnValue, groupDn, userDn, type DirectorySpecGroup, type DirectorySpecUser } from '../../devstack/ldif';

export interface LdapAdminTarget {
  url: string;
  adminDN: string;
  adminPassword: string;
}

/** Run `fn` with a client bound as the rootdn; always unbinds. */
export async function withAdmin<T>(target: LdapAdminTarget, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: target.url, timeout: 10_000, connectTimeout: 5_000 });
  try {
    await client.bind(target.adminDN, target.adminPassword);
    return await fn(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Add a user under ou=people (same attributes as the LDIF generator), optionally into groups (cns). */
export async function addUser(target: LdapAdminTarget, user: DirectorySpecUser, groups: string[] = []): Promise<string> {
  const dn = userDn(user.uid);
  const cn = user.cn ?? user.displayName ?? user.uid;
  const mail = user.mail === undefined ? `${user.uid}@example.com` : user.mail;
  const attributes: Record<string, string | string[]> = {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
    uid: user.uid,
    cn,
    sn: cn.trim().split(/\s+/).pop() || user.uid,
    displayName: user.displayName ?? cn,
    userPassword: USER_PASSWORD,
    ...(mail ? { mail } : {}),
    ...user.attributes,
  };
  await withAdmin(target, (c) => c.add(dn, attributes));
  for (const g of groups) await addGroupMember(target, g, user.uid);
  return dn;
}

/** Delete a user; the overlay (refint) removes it from its groups. */
export async function deleteUser(target: LdapAdminTarget, uid: string): Promise<void> {
  // A group left without members would violate groupOfNames: give those the placeholder first.
  const dn = userDn(uid);
  await withAdmin(target, async (c) => {
    const { searchEntries } = await c.search(GROUPS_BASE, {
      filter: new EqualityFilter({ attribute: 'member', value: dn }),
      attributes: ['member'],
    });
    for (const g of searchEntries) {
      const members = ([] as string[]).concat(g.member as string | string[]);
      if (members.length === 1) {
        await c.modify(g.dn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [READER_DN] }) }));
      }
    }
    await c.del(dn);
  });
}

/** Replace (or with null, remove) attributes of a user. */
export async function modifyUser(target: LdapAdminTarget, uid: string, changes: Record<string, string | string[] | null>): Promise<void> {
  const mods = Object.entries(changes).map(([type, value]) =>
    value === null
      ? new Change({ operation: 'delete', modification: new Attribute({ type }) })
      : new Change({ operation: 'replace', modification: new Attribute({ type, values: Array.isArray(value) ? value : [value] }) }),
  );
  await withAdmin(target, (c) => c.modify(userDn(uid), mods));
}

async function groupMembers(c: Client, cn: string): Promise<string[]> {
  const { searchEntries } = await c.search(groupDn(cn), { scope: 'base', attributes: ['member'] });
  const raw = searchEntries[0]?.member;
  return raw === undefined ? [] : ([] as string[]).concat(raw as string | string[]);
}

const sameDn = (a: string, b: string) => a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();

/** Add a user (by uid) or, with `{ group: cn }`, a nested group to a group. */
export async function addGroupMember(target: LdapAdminTarget, groupCn: string, member: string | { group: string }): Promise<void> {
  const memberDn = typeof member === 'string' ? userDn(member) : groupDn(member.group);
  await withAdmin(target, async (c) => {
    const members = await groupMembers(c, groupCn);
    const changes = [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) })];
    if (members.some((m) => sameDn(m, READER_DN))) {
      changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [READER_DN] }) }));
    }
    await c.modify(groupDn(groupCn), changes);
  });
}

/** Remove a user (by uid) or a nested group from a group. */
export async function removeGroupMember(target: LdapAdminTarget, groupCn: string, member: string | { group: string }): Promise<void> {
  const memberDn = typeof member === 'string' ? userDn(member) : groupDn(member.group);
  await withAdmin(target, async (c) => {
    const members = await groupMembers(c, groupCn);
    const changes = [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn] }) })];
    if (members.length === 1) {
      changes.unshift(new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [READER_DN] }) }));
    }
    await c.modify(groupDn(groupCn), changes);
  });
}

/** Add a group (groupOfNames) with user members and nested groups. */
export async function addGroup(target: LdapAdminTarget, group: DirectorySpecGroup): Promise<string> {
  const dn = groupDn(group.cn);
  const member = [...(group.members ?? []).map(userDn), ...(group.groups ?? []).map(groupDn)];
  await withAdmin(target, (c) =>
    c.add(dn, {
      objectClass: ['top', 'groupOfNames'],
      cn: group.cn,
      member: member.length ? member : [READER_DN],
      ...(group.description ? { description: group.description } : {}),
    }),
  );
  return dn;
}

export async function deleteGroup(target: LdapAdminTarget, cn: string): Promise<void> {
  await withAdmin(target, (c) => c.del(groupDn(cn)));
}

/**
 * Rename a user entry: modrdn to `uid=<newUid>` in the same container, the old RDN value removed.
 * The memberof overlay's refint rewrites the member values that named the old DN.
 */
export async function renameUser(target: LdapAdminTarget, uid: string, newUid: string): Promise<string> {
  await withAdmin(target, (c) => c.modifyDN(userDn(uid), `uid=${escapeDnValue(newUid)}`));
  return userDn(newUid);
}
