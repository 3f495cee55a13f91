/**
 * One user as the directory read sees them, for `users explain`: their entry (DN, name, id,
 * disabled?), where their email comes from (attribute, raw value, domain rewrite), and the path
 * through nested groups from each mapped group that reaches them.
 *
 * It is the reconcile's own read of the mapped groups (the steps of readDirectoryWith in
 * src/ldap/snapshot.ts, in the same order, over the same DirectoryReader), because a user's
 * groups, email and disabled flag only mean what they mean in a run when they come from the same
 * read; one user cannot be read on their own (membership is stored on the groups). It keeps what
 * the snapshot drops as it goes — the group graph (for the nesting path) and the raw email — and
 * hands over only this user, through the snapshot's own hand-over (so the DirectoryUser is built
 * exactly as a run builds it).
 */
import type { DirectoryUser, DirectoryWarning } from '../domain/types';
import { connectDirectory, type DirectoryConfig, type DirectoryLogger } from '../ldap/connect';
import { markDisabledUsers } from '../ldap/snapshot/disabled-users';
import { settleEmails } from '../ldap/snapshot/emails';
import { assignMappedGroups } from '../ldap/snapshot/group-membership';
import { handOverUsers } from '../ldap/snapshot/hand-over';
import { distinctMappedGroups, readMappedGroups } from '../ldap/snapshot/mapped-groups';
import { readMemberUsers } from '../ldap/snapshot/member-users';
import { resolveOtherMembers } from '../ldap/snapshot/nested-members';
import { DirectoryReader } from '../ldap/snapshot/reader';
import { keyOf, unpackFields, type UserRecord } from '../ldap/snapshot/records';
import { nestingPath } from './nesting-path';

export interface MappedGroupPath {
  /** The mapped group as the config spells it. */
  group: string;
  /** DNs from the mapped group through nested groups to the user's entry; [group, user] when direct. */
  path: string[];
}

export interface DirectoryEntry {
  /** The user as a reconcile's snapshot holds them; null when no mapped group reaches this email. */
  user: DirectoryUser | null;
  /** The email attribute read (directory.attributes.email). */
  emailAttribute: string;
  /** Its value on the entry (the first, when several), before any domain rewrite. */
  emailValue: string | null;
  /** The directory.emailDomains rewrite applied, when one was. */
  rewrite: { from: string; to: string } | null;
  groups: MappedGroupPath[];
  /** Warnings of the read about this user's entries or the groups on their paths. */
  warnings: DirectoryWarning[];
}

export async function readDirectoryEntry(dir: DirectoryConfig, mappedGroupDNs: string[], email: string, logger: DirectoryLogger): Promise<DirectoryEntry> {
  const client = await connectDirectory(dir, logger);
  try {
    const reader = new DirectoryReader(client, dir);
    const mapped = distinctMappedGroups(mappedGroupDNs);
    const mappedList = [...mapped.values()];
    const warnings: DirectoryWarning[] = [];
    const groups = await readMappedGroups(reader, mapped);
    const users = await readMemberUsers(reader, groups, warnings);
    await resolveOtherMembers(reader, groups, users, warnings);
    assignMappedGroups(mapped, groups, users, reader.expand, warnings);
    await markDisabledUsers(reader, users);
    const keys = settleEmails(users, mappedList, dir.attributes.email, dir.emailDomains, warnings);

    const none: DirectoryEntry = { user: null, emailAttribute: dir.attributes.email, emailValue: null, rewrite: null, groups: [], warnings: [] };
    const keptKey = keys.find((k) => users.get(k)?.email === email);
    if (keptKey === undefined) return none;
    const kept = users.get(keptKey) as UserRecord;
    // Entries with the same email were merged into the kept one (their groups count): paths may end at any of them.
    const duplicates = warnings.filter((w) => w.code === 'duplicate_email' && w.message.includes(` ${email} as `)).map((w) => keyOf(w.subject));
    const targets = new Set([keptKey, ...duplicates]);
    const rootKeys = [...mapped.keys()];
    const paths = [...(kept.groups ?? [])].sort((a, b) => a - b).map((i) => ({
      group: mappedList[i],
      path: nestingPath(groups, (k) => users.has(k), rootKeys[i], targets, reader.expand) ?? [mappedList[i]],
    }));
    const [, , ...emails] = unpackFields(kept.fields);
    const raw = emails.length > 0 ? emails[0].toLowerCase() : null;
    const onPaths = new Set(paths.flatMap((p) => p.path).map(keyOf));
    const mine = warnings.filter((w) => targets.has(keyOf(w.subject)) || (w.code === 'nested_cycle' && onPaths.has(keyOf(w.subject))));
    const handed = await handOverUsers(users, [keptKey], mappedList, undefined);
    return {
      user: handed.users[0] ?? null,
      emailAttribute: dir.attributes.email,
      emailValue: raw,
      rewrite: raw !== null && raw !== email ? { from: raw, to: email } : null,
      groups: paths,
      warnings: mine,
    };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
