/**
 * The demo's sample data hangs together: directory, emulator seed and mappings tell one story.
 */
import { mappingSchema } from '../src/config/schema';
import { CONSOLE_DEMO_ACCOUNTS, CONSOLE_NESTED_GROUP, consoleDirectoryGroups } from '../devstack/console-accounts';
import { escapeDnValue, groupDn } from '../devstack/ldif';
import { SAMPLE_HAND_MADE, SAMPLE_NO_MAIL_UID, sampleDirectorySpec, sampleMappings, sampleSeed } from '../devstack/sample';
import { seedSchema } from '../emulator/seed';

const spec = sampleDirectorySpec();
const seed = sampleSeed();
const mappings = sampleMappings();
const mailOf = (uid: string) => spec.users.find((u) => u.uid === uid)?.mail === null ? undefined : `${uid}@example.com`;

/** Group cn → every uid in it, nested groups expanded. */
function expand(cn: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(cn)) return out;
  seen.add(cn);
  const g = spec.groups.find((x) => x.cn === cn)!;
  for (const uid of g.members ?? []) out.add(uid);
  for (const inner of g.groups ?? []) for (const uid of expand(inner, seen)) out.add(uid);
  return out;
}

test('about 300 users in 4 contact-centre groups, one of them nested; the console groups besides', () => {
  const console = new Set(consoleDirectoryGroups().map((g) => g.cn));
  const cc = spec.groups.filter((g) => !console.has(g.cn));
  expect(spec.users.length).toBeGreaterThanOrEqual(300);
  expect(cc).toHaveLength(4);
  expect(cc.filter((g) => g.groups?.length)).toHaveLength(1);
  expect(new Set(spec.users.map((u) => u.uid)).size).toBe(spec.users.length);
  // The console's role groups (and the group nested in one) are in the directory, never mapped.
  expect(spec.groups.filter((g) => console.has(g.cn))).toHaveLength(console.size);
  for (const m of mappings) expect([...console].map((cn) => groupDn(cn))).not.toContain(m.group);
});

test('the console demo accounts are sample people with their own password, in the groups their roles say', () => {
  for (const a of CONSOLE_DEMO_ACCOUNTS) {
    const u = spec.users.find((x) => x.uid === a.name);
    expect(u).toMatchObject({ displayName: a.displayName, password: a.password });
    const direct = spec.groups.filter((g) => g.members?.includes(a.name)).map((g) => g.cn);
    expect(direct.filter((cn) => cn.startsWith('console-') || cn === CONSOLE_NESTED_GROUP)).toEqual(a.memberOf ? [a.memberOf] : []);
  }
  // Only they have a password of their own.
  expect(spec.users.filter((u) => u.password !== undefined)).toHaveLength(CONSOLE_DEMO_ACCOUNTS.length);
});

test('the seed is a valid emulator seed; three directory people are not Zoom users', () => {
  expect(seedSchema.safeParse(seed).success).toBe(true);
  const account = new Set(seed.accountUsers.map((u) => u.email));
  const missing = spec.users.map((u) => mailOf(u.uid)).filter((m): m is string => !!m && !account.has(m));
  expect(missing).toHaveLength(3);
  expect(spec.users.find((u) => u.uid === SAMPLE_NO_MAIL_UID)?.mail).toBeNull();
});

test('hand-made ZCC users exist in the account and are in no directory group', () => {
  const account = new Set(seed.accountUsers.map((u) => u.email));
  for (const h of SAMPLE_HAND_MADE) {
    expect(account.has(h.email)).toBe(true);
    expect(seed.ccUsers.map((u) => u.email)).toContain(h.email);
    expect(spec.users.some((u) => mailOf(u.uid) === h.email)).toBe(false);
  }
});

test('mappings are valid, name existing groups, roles and queues, and the licenses suffice', () => {
  const roles = new Set(seed.roles.map((r) => r.name));
  const queues = new Set(seed.queues.map((q) => q.name));
  const need = { essentials: 0, premium: 0, elite: 0 };
  const best = new Map<string, (typeof mappings)[number]>();
  for (const m of mappings) {
    expect(mappingSchema.safeParse(m).success).toBe(true);
    expect(roles.has(m.role)).toBe(true);
    for (const q of m.queues) expect(queues.has(q)).toBe(true);
    const cn = spec.groups.find((g) => groupDn(g.cn) === m.group)?.cn;
    expect(cn).toBeDefined();
    for (const uid of expand(cn!)) {
      const prev = best.get(uid);
      if (!prev || m.priority > prev.priority) best.set(uid, m);
    }
  }
  const account = new Set(seed.accountUsers.map((u) => u.email));
  for (const [uid, m] of best) {
    const mail = mailOf(uid);
    if (mail && account.has(mail)) need[m.package]++;
  }
  for (const h of SAMPLE_HAND_MADE) need[h.package]++;
  for (const p of ['essentials', 'premium', 'elite'] as const) expect(need[p]).toBeLessThanOrEqual(seed.licenses[p]);
});

test('DN values are escaped per RFC 4514', () => {
  expect(escapeDnValue('Smith, John')).toBe('Smith\\, John');
  expect(escapeDnValue('#hash')).toBe('\\#hash');
  expect(escapeDnValue(' lead')).toBe('\\ lead');
  expect(escapeDnValue('a+b="c"<d>;e\\')).toBe('a\\+b\\=\\"c\\"\\<d\\>\\;e\\\\');
});
