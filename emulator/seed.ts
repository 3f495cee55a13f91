/**
 * The seed file: validation and normalisation into what the state loader needs.
 * Bad seeds fail with every problem listed (field path + message), never half-loaded.
 */
import { z } from 'zod';
import type { IdFactory } from './ids';
import { PACKAGES, type PackageName, type Seed, type UserAccess } from './types';

export const DEFAULT_ROLES = [
  { name: 'Admin', description: 'Administrator role.' },
  { name: 'Supervisor', description: 'Supervisor role.' },
  { name: 'Agent', description: 'Agent role.' },
];

const email = z.string().trim().min(3).regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address');
const capacity = z.number().int().min(0);

export const seedSchema = z
  .object({
    accountUsers: z.array(z.object({ email, name: z.string().optional() }).strict()).optional(),
    roles: z.array(z.object({ name: z.string().trim().min(1), description: z.string().optional() }).strict()).optional(),
    queues: z
      .array(z.object({ name: z.string().trim().min(1), channel: z.enum(['voice', 'video', 'messaging', 'email']).optional() }).strict())
      .optional(),
    licenses: z.object({ essentials: capacity.optional(), premium: capacity.optional(), elite: capacity.optional() }).strict().optional(),
    ccUsers: z
      .array(
        z
          .object({
            email,
            role: z.string().optional(),
            package: z.enum(PACKAGES as [PackageName, ...PackageName[]]).optional(),
            access: z.enum(['active', 'inactive']).optional(),
            queues: z.array(z.string()).optional(),
            name: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export class SeedError extends Error {
  constructor(readonly problems: { field: string; message: string }[]) {
    super(`invalid seed: ${problems.slice(0, 10).map((p) => `${p.field}: ${p.message}`).join('; ')}${problems.length > 10 ? ` (+${problems.length - 10} more)` : ''}`);
  }
}

export interface NormalizedSeed {
  accountUsers: { email: string; name: string }[];
  roles: { name: string; description: string }[];
  queues: { name: string; channel: string }[];
  licenses: Record<PackageName, number | null>;
  ccUsers: { email: string; role: string; package: PackageName; access: UserAccess; queues: string[] }[];
}

/** The role that unassign falls back to and that seed users without a role get. */
export function defaultRoleName(roles: { name: string }[]): string | undefined {
  return (roles.find((r) => r.name.toLowerCase() === 'agent') ?? roles[0])?.name;
}

export function nameFromEmail(address: string): string {
  return address.split('@')[0]!.replace(/[._-]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
}

export function normalizeSeed(input: unknown, ids: IdFactory): NormalizedSeed {
  const parsed = seedSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new SeedError(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })));
  }
  const seed: Seed = parsed.data;
  const problems: { field: string; message: string }[] = [];

  const roles = (seed.roles ?? DEFAULT_ROLES).map((r) => ({ name: r.name.trim(), description: r.description ?? `${r.name} role.` }));
  const queues = (seed.queues ?? []).map((q) => ({ name: q.name.trim(), channel: q.channel ?? 'voice' }));
  unique(roles.map((r) => r.name.toLowerCase()), 'roles', problems);
  unique(queues.map((q) => q.name.toLowerCase()), 'queues', problems);

  const account = new Map<string, { email: string; name: string }>();
  (seed.accountUsers ?? []).forEach((u, i) => {
    const e = u.email.trim().toLowerCase();
    if (account.has(e)) problems.push({ field: `accountUsers.${i}.email`, message: `duplicate email ${e}` });
    account.set(e, { email: e, name: u.name?.trim() || nameFromEmail(e) });
  });

  const roleByKey = new Map<string, string>();
  for (const r of roles) {
    roleByKey.set(r.name.toLowerCase(), r.name);
    roleByKey.set(ids.role(r.name), r.name);
  }
  const queueByKey = new Map<string, string>();
  for (const q of queues) {
    queueByKey.set(q.name.toLowerCase(), q.name);
    queueByKey.set(ids.queue(q.name), q.name);
    queueByKey.set(ids.ccQueue(q.name), q.name);
  }
  const fallbackRole = defaultRoleName(roles);

  const used: Record<PackageName, number> = { essentials: 0, premium: 0, elite: 0 };
  const seen = new Set<string>();
  const ccUsers: NormalizedSeed['ccUsers'] = [];
  (seed.ccUsers ?? []).forEach((u, i) => {
    const e = u.email.trim().toLowerCase();
    if (seen.has(e)) problems.push({ field: `ccUsers.${i}.email`, message: `duplicate ZCC user ${e}` });
    seen.add(e);
    // A ZCC user must be a Zoom account user; the seed adds the missing ones to the account.
    if (!account.has(e)) account.set(e, { email: e, name: u.name?.trim() || nameFromEmail(e) });
    const role = u.role === undefined ? fallbackRole : (roleByKey.get(u.role.toLowerCase()) ?? roleByKey.get(u.role));
    if (!role) {
      problems.push({
        field: `ccUsers.${i}.role`,
        message: `unknown role ${JSON.stringify(u.role ?? '')}; roles: ${roles.map((r) => r.name).join(', ') || '(none)'}`,
      });
    }
    const userQueues: string[] = [];
    (u.queues ?? []).forEach((q, j) => {
      const name = queueByKey.get(q.toLowerCase()) ?? queueByKey.get(q);
      if (!name) {
        problems.push({ field: `ccUsers.${i}.queues.${j}`, message: `unknown queue ${JSON.stringify(q)}; queues: ${queues.map((x) => x.name).join(', ') || '(none)'}` });
      } else if (!userQueues.includes(name)) userQueues.push(name);
    });
    const pkg = u.package ?? 'essentials';
    used[pkg] += 1;
    ccUsers.push({ email: e, role: role ?? '', package: pkg, access: u.access ?? 'active', queues: userQueues });
  });

  const licenses = { essentials: null, premium: null, elite: null } as Record<PackageName, number | null>;
  for (const p of PACKAGES) {
    const cap = seed.licenses?.[p];
    if (cap === undefined) continue;
    licenses[p] = cap;
    if (used[p] > cap) problems.push({ field: `licenses.${p}`, message: `capacity ${cap} but ccUsers hold ${used[p]} ${p} licenses` });
  }
  if (problems.length) throw new SeedError(problems);
  return { accountUsers: [...account.values()], roles, queues, licenses, ccUsers };
}

function unique(keys: string[], field: string, problems: { field: string; message: string }[]): void {
  const seen = new Set<string>();
  keys.forEach((k, i) => {
    if (seen.has(k)) problems.push({ field: `${field}.${i}.name`, message: `duplicate name ${k}` });
    seen.add(k);
  });
}
