/**
 * The delta benchmark's data: the reconcile benchmark's directory (N users in 4 mapped groups,
 * bench/reconcile-data.ts), an emulator seed in which those N users already hold the license,
 * role, package and queues their groups map to (so the setup's full reconcile plans nothing and
 * needs no 10-minute initial provisioning at real rates), and the joiners written online.
 */
import { Attribute, Change, Client } from 'ldapts';
import { groupDn, userDn, USER_PASSWORD } from '../devstack/ldif';
import type { Seed } from '../emulator/types';
import { GROUPS, groupsOf, QUEUES, uidOf, type GroupDef } from './reconcile-data';

export const mailOf = (uid: string) => `${uid}@example.com`;
/** Joiners of the scheduled-delta phase and of the on-demand runs: new uids, never in the directory at start. */
export const deltaJoinerUid = (i: number) => `dj${String(i).padStart(6, '0')}`;
export const onDemandUid = (i: number) => `od${String(i).padStart(6, '0')}`;

/**
 * The mappings without the agents' `settings` (country US) of the reconcile benchmark: the
 * emulator's seed cannot set a user's settings, so with them every seeded agent would get an
 * update and the setup's full run would not be a no-op.
 */
export function deltaMappings(): Array<Record<string, unknown>> {
  return GROUPS.map((g) => ({ group: groupDn(g.cn), role: g.role, package: g.package, queues: g.queues, priority: g.priority }));
}

export interface Desired {
  role: string;
  package: GroupDef['package'];
  queues: string[];
}

/** What the mappings give a member of these groups: the highest priority's role and package, the union of queues. */
export function desiredOf(groupCns: string[]): Desired {
  const groups = GROUPS.filter((g) => groupCns.includes(g.cn));
  const win = groups.reduce((a, b) => (b.priority > a.priority ? b : a));
  const queues = QUEUES.filter((q) => groups.some((g) => g.queues.includes(q)));
  return { role: win.role, package: win.package, queues };
}

/**
 * Every directory user already provisioned as the mappings say; the joiners (and on-demand users)
 * only in the Zoom account (ZCC gives a license to account users only).
 */
export function deltaSeed(n: number, extraUids: string[]): Seed {
  const accountUsers: NonNullable<Seed['accountUsers']> = [];
  const ccUsers: NonNullable<Seed['ccUsers']> = [];
  for (let i = 1; i <= n; i++) {
    const email = mailOf(uidOf(i));
    const d = desiredOf(groupsOf(i));
    accountUsers.push({ email, name: `Bench User ${i}` });
    ccUsers.push({ email, role: d.role, package: d.package, queues: d.queues });
  }
  for (const uid of extraUids) accountUsers.push({ email: mailOf(uid), name: `Joiner ${uid}` });
  return { accountUsers, ccUsers, roles: [{ name: 'Admin' }, { name: 'Supervisor' }, { name: 'Agent' }], queues: QUEUES.map((name) => ({ name })) };
}

/**
 * Adds one user under ou=people and into its groups (one modify per group), bound as the rootdn
 * on an open connection. Resolves when the last group modify is answered: the moment the user is
 * a member of a mapped group.
 */
export async function addJoiner(admin: Client, uid: string, groupCns: string[]): Promise<void> {
  await admin.add(userDn(uid), {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
    uid,
    cn: `Joiner ${uid}`,
    sn: uid,
    displayName: `Joiner ${uid}`,
    mail: mailOf(uid),
    userPassword: USER_PASSWORD,
  });
  for (const cn of groupCns) {
    await admin.modify(groupDn(cn), [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [userDn(uid)] }) })]);
  }
}

export async function openAdmin(target: { url: string; adminDN: string; adminPassword: string }): Promise<Client> {
  const client = new Client({ url: target.url, timeout: 60_000, connectTimeout: 10_000 });
  await client.bind(target.adminDN, target.adminPassword);
  return client;
}
