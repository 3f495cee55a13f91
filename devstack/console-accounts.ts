/**
 * The console's demo sign-ins, one source for the sample directory (devstack/sample.ts), the
 * tests, the README and `zcc-sync demo`: three role groups (the defaults of console.roles), a
 * nested group that gives its members a role through nesting, and four sample people with a
 * known password — one per role and one in no role group (signs in, gets "no role").
 *
 * The role groups are not mapped (sampleMappings): they decide who may use the console, not who
 * gets a Zoom license. The people are ones the sample already has, so no user count changes.
 */
import type { DirectorySpecGroup, DirectorySpecUser } from './ldif';

/** The password of every demo console account (other sample people keep ldif's USER_PASSWORD). */
export const CONSOLE_DEMO_PASSWORD = 'console-demo';

/** cn of each role's group under the group base; console.roles defaults to these DNs. */
export const CONSOLE_ROLE_GROUPS = {
  viewer: 'console-viewers',
  operator: 'console-operators',
  approver: 'console-approvers',
} as const;

/** A team group nested into console-operators: its members are operators through nesting. */
export const CONSOLE_NESTED_GROUP = 'it-helpdesk';

export type DemoConsoleRole = keyof typeof CONSOLE_ROLE_GROUPS;

export interface ConsoleDemoAccount {
  /** The sign-in name (uid; the mail `<uid>@example.com` works too). */
  name: string;
  password: string;
  displayName: string;
  /** The roles sign-in returns. */
  roles: DemoConsoleRole[];
  /** cn of the one demo group the account is a direct member of; null: none. */
  memberOf: string | null;
  /** How the account gets them, for people reading the demo's output. */
  why: string;
}

export const CONSOLE_DEMO_ACCOUNTS: readonly ConsoleDemoAccount[] = [
  {
    name: 'kara.moore', password: CONSOLE_DEMO_PASSWORD, displayName: 'Kara Moore', roles: ['viewer'],
    memberOf: CONSOLE_ROLE_GROUPS.viewer, why: `member of ${CONSOLE_ROLE_GROUPS.viewer}`,
  },
  {
    name: 'ada.king', password: CONSOLE_DEMO_PASSWORD, displayName: 'Ada King', roles: ['operator'],
    memberOf: CONSOLE_NESTED_GROUP, why: `member of ${CONSOLE_NESTED_GROUP}, nested in ${CONSOLE_ROLE_GROUPS.operator}`,
  },
  {
    name: 'finn.ortiz', password: CONSOLE_DEMO_PASSWORD, displayName: 'Finn Ortiz', roles: ['approver'],
    memberOf: CONSOLE_ROLE_GROUPS.approver, why: `member of ${CONSOLE_ROLE_GROUPS.approver}`,
  },
  {
    name: 'dan.adams', password: CONSOLE_DEMO_PASSWORD, displayName: 'Dan Adams', roles: [],
    memberOf: null, why: 'in no console role group: signs in, then is refused',
  },
];

const membersOf = (cn: string) => CONSOLE_DEMO_ACCOUNTS.filter((a) => a.memberOf === cn).map((a) => a.name);

/** The role groups and the nested group, as DirectorySpec groups (groupOfNames under the group base). */
export function consoleDirectoryGroups(): DirectorySpecGroup[] {
  return [
    { cn: CONSOLE_ROLE_GROUPS.viewer, description: 'zcc-sync console: viewers', members: membersOf(CONSOLE_ROLE_GROUPS.viewer) },
    { cn: CONSOLE_ROLE_GROUPS.operator, description: 'zcc-sync console: operators', members: membersOf(CONSOLE_ROLE_GROUPS.operator), groups: [CONSOLE_NESTED_GROUP] },
    { cn: CONSOLE_ROLE_GROUPS.approver, description: 'zcc-sync console: approvers', members: membersOf(CONSOLE_ROLE_GROUPS.approver) },
    { cn: CONSOLE_NESTED_GROUP, description: `IT helpdesk (nested in ${CONSOLE_ROLE_GROUPS.operator})`, members: membersOf(CONSOLE_NESTED_GROUP) },
  ];
}

/** `users` with the demo accounts' passwords set; every demo account must be one of them. */
export function withConsolePasswords(users: DirectorySpecUser[]): DirectorySpecUser[] {
  const accounts = new Map(CONSOLE_DEMO_ACCOUNTS.map((a) => [a.name, a]));
  const out = users.map((u) => {
    const a = accounts.get(u.uid);
    return a ? { ...u, password: a.password } : u;
  });
  for (const name of accounts.keys()) {
    if (!users.some((u) => u.uid === name)) throw new Error(`console demo account "${name}" is not a sample directory user`);
  }
  return out;
}

/** The demo sign-ins as lines for a terminal or the README: name, password, roles, why. */
export function consoleDemoAccountLines(): string[] {
  return CONSOLE_DEMO_ACCOUNTS.map((a) => `${a.name.padEnd(11)} ${a.password}   ${(a.roles.join(', ') || 'no role').padEnd(9)} (${a.why})`);
}
