/**
 * The reconcile benchmark's data: N directory users in 4 mapped groups (a few % in two groups),
 * the mappings (role, package, queues, priority per group), the emulator seed (all N users plus
 * 1% extra joiners in the Zoom account), and the 1% churn applied online with the admin bind.
 */
import { Attribute, Change, Client } from 'ldapts';
import { groupDn, userDn, USER_PASSWORD, type DirectorySpec } from '../devstack/ldif';
import type { Seed } from '../emulator/types';

export interface GroupDef {
  cn: string;
  role: string;
  package: 'essentials' | 'premium';
  queues: string[];
  priority: number;
}

export const GROUPS: GroupDef[] = [
  { cn: 'cc-agents', role: 'Agent', package: 'essentials', queues: ['Support'], priority: 10 },
  { cn: 'cc-supervisors', role: 'Supervisor', package: 'premium', queues: ['Support', 'Escalations'], priority: 20 },
  { cn: 'cc-sales', role: 'Agent', package: 'premium', queues: ['Sales'], priority: 15 },
  { cn: 'cc-billing', role: 'Agent', package: 'essentials', queues: ['Billing'], priority: 12 },
];
export const QUEUES = ['Support', 'Escalations', 'Sales', 'Billing'];

export const uidOf = (i: number) => `u${String(i).padStart(6, '0')}`;
export const joinerUid = (i: number) => `j${String(i).padStart(6, '0')}`;
const mailOf = (uid: string) => `${uid}@example.com`;

/**
 * Groups of user i: 55% agents, 10% supervisors, 20% sales, 15% billing; every 25th user
 * (4%) is in sales too (two groups: the higher priority wins the role, queues are the union).
 */
export function groupsOf(i: number): string[] {
  const r = i % 20;
  const primary = r <= 10 ? 'cc-agents' : r <= 12 ? 'cc-supervisors' : r <= 16 ? 'cc-sales' : 'cc-billing';
  return i % 25 === 1 && primary !== 'cc-sales' ? [primary, 'cc-sales'] : [primary];
}

/** 1% of the users leave: every 100th (i ≡ 50 mod 100). */
export const isLeaver = (i: number) => i % 100 === 50;
export const joinerCount = (n: number) => Math.ceil(n / 100);

export function mappings(): Array<Record<string, unknown>> {
  return GROUPS.map((g) => ({
    group: groupDn(g.cn),
    role: g.role,
    package: g.package,
    queues: g.queues,
    priority: g.priority,
    ...(g.cn === 'cc-agents' ? { settings: { country_iso_code: 'US' } } : {}),
  }));
}

export function directorySpec(n: number): DirectorySpec {
  const members = new Map<string, string[]>(GROUPS.map((g) => [g.cn, []]));
  const users: DirectorySpec['users'] = [];
  for (let i = 1; i <= n; i++) {
    const uid = uidOf(i);
    users.push({ uid, displayName: `Bench User ${i}` });
    for (const g of groupsOf(i)) members.get(g)!.push(uid);
  }
  return { users, groups: GROUPS.map((g) => ({ cn: g.cn, members: members.get(g.cn)! })) };
}

export function seed(n: number): Seed {
  const accountUsers: NonNullable<Seed['accountUsers']> = [];
  for (let i = 1; i <= n; i++) accountUsers.push({ email: mailOf(uidOf(i)), name: `Bench User ${i}` });
  for (let i = 1; i <= joinerCount(n); i++) accountUsers.push({ email: mailOf(joinerUid(i)), name: `Joiner ${i}` });
  return {
    accountUsers,
    roles: [{ name: 'Admin' }, { name: 'Supervisor' }, { name: 'Agent' }],
    queues: QUEUES.map((name) => ({ name })),
  };
}

export interface ChurnResult {
  leavers: number;
  joiners: number;
  seconds: number;
}

/**
 * 1% churn, online (the memberof overlay keeps memberOf in step): the leavers are removed from
 * every group they are in, and 1% new users are added and put into groups by the same rule.
 * One modify per group carries all its member changes, so the directory edit itself is quick.
 */
export async function applyChurn(target: { url: string; adminDN: string; adminPassword: string }, n: number): Promise<ChurnResult> {
  const t0 = performance.now();
  const client = new Client({ url: target.url, timeout: 600_000, connectTimeout: 10_000 });
  await client.bind(target.adminDN, target.adminPassword);
  try {
    const remove = new Map<string, string[]>(GROUPS.map((g) => [g.cn, []]));
    const add = new Map<string, string[]>(GROUPS.map((g) => [g.cn, []]));
    let leavers = 0;
    for (let i = 1; i <= n; i++) {
      if (!isLeaver(i)) continue;
      leavers++;
      for (const g of groupsOf(i)) remove.get(g)!.push(userDn(uidOf(i)));
    }
    const joiners = joinerCount(n);
    for (let j = 1; j <= joiners; j++) {
      const uid = joinerUid(j);
      await client.add(userDn(uid), {
        objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
        uid,
        cn: `Joiner ${j}`,
        sn: String(j),
        displayName: `Joiner ${j}`,
        mail: mailOf(uid),
        userPassword: USER_PASSWORD,
      });
      // Same group rule as the original users, shifted so joiners land in every group.
      for (const g of groupsOf(j)) add.get(g)!.push(userDn(uid));
    }
    for (const g of GROUPS) {
      const changes: Change[] = [];
      const del = remove.get(g.cn)!;
      const ins = add.get(g.cn)!;
      if (del.length) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: del }) }));
      if (ins.length) changes.push(new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: ins }) }));
      if (changes.length) await client.modify(groupDn(g.cn), changes);
    }
    return { leavers, joiners, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
