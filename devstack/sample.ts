/**
 * The demo's sample data, one source of truth for all three sides of `zcc-sync dev up`:
 *  - sampleDirectorySpec(): the LDAP directory (~300 people in 4 contact-centre groups, plus the
 *                           console's role groups and demo sign-ins: devstack/console-accounts.ts);
 *  - sampleSeed():          the ZCC emulator's account, matching it (with deliberate gaps);
 *  - sampleMappings():      the config's group → role/package/queues mappings.
 *
 * The story it tells: most directory people are Zoom users and get licensed by group; three are
 * not Zoom users yet ("not a Zoom user" in the plan); one has no mail; two hand-made ZCC users
 * are in no group and must never be touched.
 */
import type { Mapping } from '../src/config/schema';
import { consoleDirectoryGroups, withConsolePasswords } from './console-accounts';
import { groupDn, type DirectorySpec, type DirectorySpecUser } from './ldif';

const GIVEN = ['Ada', 'Ben', 'Chloe', 'Dan', 'Ella', 'Finn', 'Gina', 'Hugo', 'Iris', 'Jack', 'Kara', 'Liam', 'Maya', 'Noah', 'Olga', 'Paul', 'Quinn', 'Rosa', 'Sam', 'Tara'];
const SURNAMES = ['Adams', 'Baker', 'Clark', 'Diaz', 'Evans', 'Fox', 'Garcia', 'Hill', 'Ito', 'Jones', 'King', 'Lopez', 'Moore', 'Novak', 'Ortiz'];

/** Group sizes: users [from, to) of the sample list. */
const AGENTS = [0, 200] as const; // cc-agents (direct members) — also contains cc-sales (nested)
const SALES = [200, 250] as const; // cc-sales: nested into cc-agents
const SUPERVISORS = [250, 290] as const; // cc-supervisors
const ESCALATIONS = [290, 300] as const; // cc-escalations, plus 5 supervisors (a user in two mapped groups)

/** The three directory people who are not Zoom users (absent from the emulator's account). */
const NOT_ZOOM_USERS = [7, 123, 260];
export const SAMPLE_NO_MAIL_UID = 'no.mail';

export const SAMPLE_GROUPS = {
  agents: 'cc-agents',
  sales: 'cc-sales',
  supervisors: 'cc-supervisors',
  escalations: 'cc-escalations',
} as const;

/** Hand-made ZCC users: in no directory group, so zcc-sync must never change them. */
export const SAMPLE_HAND_MADE = [
  { email: 'admin.hand@example.com', name: 'Admin Byhand', role: 'Admin', package: 'elite' as const, access: 'active' as const, queues: [] as string[] },
  { email: 'night.supervisor@example.com', name: 'Night Supervisor', role: 'Supervisor', package: 'premium' as const, access: 'active' as const, queues: ['Escalations'] },
];

function sampleUsers(): DirectorySpecUser[] {
  const users: DirectorySpecUser[] = [];
  for (let i = 0; i < 300; i++) {
    const given = GIVEN[i % GIVEN.length]!;
    const surname = SURNAMES[Math.floor(i / GIVEN.length)]!;
    const uid = `${given}.${surname}`.toLowerCase();
    users.push({ uid, cn: `${given} ${surname}`, displayName: `${given} ${surname}`, attributes: { givenName: given } });
  }
  return users;
}

const range = (users: DirectorySpecUser[], [from, to]: readonly [number, number]) => users.slice(from, to).map((u) => u.uid);

export function sampleDirectorySpec(): DirectorySpec {
  const users = sampleUsers();
  const noMail: DirectorySpecUser = { uid: SAMPLE_NO_MAIL_UID, cn: 'Nomail Person', mail: null };
  return {
    // The console's demo accounts are sample people with a known password; its role groups are not mapped.
    users: withConsolePasswords([...users, noMail]),
    groups: [
      { cn: SAMPLE_GROUPS.agents, description: 'Contact-centre agents', members: [...range(users, AGENTS), noMail.uid], groups: [SAMPLE_GROUPS.sales] },
      { cn: SAMPLE_GROUPS.sales, description: 'Sales agents (nested in cc-agents)', members: range(users, SALES) },
      { cn: SAMPLE_GROUPS.supervisors, description: 'Contact-centre supervisors', members: range(users, SUPERVISORS) },
      {
        cn: SAMPLE_GROUPS.escalations,
        description: 'Escalation desk',
        members: [...range(users, ESCALATIONS), ...range(users, [SUPERVISORS[0], SUPERVISORS[0] + 5])],
      },
      ...consoleDirectoryGroups(),
    ],
  };
}

export interface SampleSeed {
  accountUsers: { email: string; name: string }[];
  roles: { name: string }[];
  queues: { name: string }[];
  licenses: { essentials: number; premium: number; elite: number };
  ccUsers: { email: string; role: string; package: 'essentials' | 'premium' | 'elite'; access: 'active' | 'inactive'; queues: string[] }[];
}

/** The emulator seed (`zcc-sync emulator --seed FILE`) that matches the sample directory. */
export function sampleSeed(): SampleSeed {
  const users = sampleUsers();
  const skip = new Set(NOT_ZOOM_USERS.map((i) => users[i]!.uid));
  const accountUsers = users
    .filter((u) => !skip.has(u.uid))
    .map((u) => ({ email: `${u.uid}@example.com`, name: u.displayName! }));
  // Zoom users who are not in the directory at all (the account holds more than the contact centre).
  for (const name of ['Reception Desk', 'Finance Team', 'Board Room']) {
    accountUsers.push({ email: `${name.toLowerCase().replace(/ /g, '.')}@example.com`, name });
  }
  for (const h of SAMPLE_HAND_MADE) accountUsers.push({ email: h.email, name: h.name });
  return {
    accountUsers,
    roles: [{ name: 'Agent' }, { name: 'Supervisor' }, { name: 'Admin' }],
    queues: [{ name: 'Sales' }, { name: 'Support' }, { name: 'Billing' }, { name: 'Escalations' }],
    // Enough for everyone mapped (~300) plus the hand-made users, with a little headroom.
    licenses: { essentials: 280, premium: 45, elite: 15 },
    ccUsers: SAMPLE_HAND_MADE.map(({ email, role, package: pkg, access, queues }) => ({ email, role, package: pkg, access, queues })),
  };
}

/** The config's `mappings` for the sample directory (highest priority wins role/package/settings; queues add up). */
export function sampleMappings(): Mapping[] {
  return [
    {
      group: groupDn(SAMPLE_GROUPS.supervisors),
      role: 'Supervisor',
      package: 'premium',
      queues: ['Support', 'Escalations'],
      settings: { channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 3 } } },
      priority: 30,
    },
    {
      group: groupDn(SAMPLE_GROUPS.escalations),
      role: 'Agent',
      package: 'elite',
      queues: ['Escalations', 'Billing'],
      settings: {},
      priority: 20,
    },
    {
      group: groupDn(SAMPLE_GROUPS.sales),
      role: 'Agent',
      package: 'essentials',
      queues: ['Sales'],
      settings: {},
      priority: 15,
    },
    {
      group: groupDn(SAMPLE_GROUPS.agents),
      role: 'Agent',
      package: 'essentials',
      queues: ['Support'],
      settings: { country_iso_code: 'US' },
      priority: 10,
    },
  ];
}
