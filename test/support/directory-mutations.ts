/**
 * Randomized directory changes for the delta invariant test (issue 14, item 4): a seeded PRNG, a
 * model of the test directory, and a generator of random mutations applied online to a real
 * slapd through ./ldap-admin (so the memberof overlay, refint and ppolicy see real changes).
 *
 * The model holds what the directory holds: user entries (uid, mail, locked by ppolicy), mapped
 * groups and nested groups with their direct members (users and groups). From it the test
 * computes what ZCC must look like (`desiredUsers`, the rules of src/reconcile/desired.ts:
 * role and package of the highest-priority mapping, ties to the first in the config, queues the
 * union) and checks the emulator against it.
 *
 * Every mutation is generated against the model (so it is always valid LDAP: never adding a
 * member twice, never unlocking an unlocked account, never nesting a group into itself), the
 * model is updated, and the change is written to slapd. Each one is described in one line, so a
 * failing sequence prints its history and can be replayed from its seed.
 *
 * Mutation kinds: join (a new user entry, or an existing non-member, added to a mapped or nested
 * group), leave, move (between mapped groups), nested-group edits (a user into/out of a nested
 * group; a nested group into/out of a mapped group, or the inner nested group into/out of the
 * outer one — never the reverse, so nesting has no cycles), disable and enable (ppolicy's
 * `pwdAccountLockedTime: 000001010000Z`), entry deletion (refint drops it from its groups; a
 * later join often re-creates the same DN), email change (to another of the user's pool
 * addresses, to one another entry held before, rarely to one another entry holds now: a
 * duplicate, which the directory read merges into one ZCC user), rename (modrdn: a new DN for the
 * same entry; refint rewrites its memberships) and display-name change (seen by a delta, nothing
 * for ZCC).
 */
import type { PackageName } from '../../emulator/types';
import { EqualityFilter } from 'ldapts';
import { addGroupMember, addUser, deleteUser, modifyUser, removeGroupMember, renameUser, withAdmin, type LdapAdminTarget } from './ldap-admin';
import { PEOPLE_BASE, READER_DN, groupDn, userDn, type DirectorySpec } from '../../devstack/ldif';
import { mulberry32 } from '../../src/util/mulberry32';
export { mulberry32 };

/** ppolicy's "locked until an administrator unlocks it". */
export const LOCKED = '000001010000Z';

// ---------------------------------------------------------------------------------------------
// PRNG


export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  /** [0, 1) */
  float(): number {
    return this.next();
  }
  /** An integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick of an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One key of `weights`, drawn in proportion to its weight (weights ≤ 0 are never drawn). */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = (Object.entries(weights) as Array<[K, number]>).filter(([, w]) => w > 0);
    const total = entries.reduce((s, [, w]) => s + w, 0);
    if (total <= 0) throw new Error('Rng.weighted: nothing to draw');
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

/** A seed from the environment (replay) or a fresh random one. */
export function seedFromEnv(name = 'ZCC_DELTA_SEED'): number {
  const raw = process.env[name];
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${name}=${raw}: expected an integer in [0, 2^32)`);
    return n;
  }
  return Math.floor(Math.random() * 0x7fffffff);
}

// ---------------------------------------------------------------------------------------------
// The model

/** A mapped group as the config maps it (config order matters: ties go to the first). */
export interface ModelMapping {
  cn: string;
  role: string;
  package: PackageName;
  queues: string[];
  priority: number;
}

export interface ModelUser {
  /** The entry's uid (its RDN): `u007`, or `u007-r1` after a rename. */
  uid: string;
  /** The pool uid whose addresses the entry uses (its uid before any rename). */
  home: string;
  mail: string;
  displayName: string;
  locked: boolean;
}

export interface ModelGroup {
  cn: string;
  mapped: boolean;
  /** uids of direct user members. */
  users: Set<string>;
  /** cns of directly nested groups. */
  groups: Set<string>;
}

export interface DesiredZccUser {
  email: string;
  role: string;
  package: PackageName;
  queues: string[];
}

export interface ModelOptions {
  /** uids a join may create: `uidOf(1..poolSize)`. */
  poolSize: number;
  /** Nested group → the groups it may be nested into (mapped groups, or an outer nested group). */
  nestParents: Record<string, string[]>;
}

export const uidOf = (i: number): string => `u${String(i).padStart(3, '0')}`;

/** Every address a pool user may have: `<uid>@example.com` and two aliases an email change moves to. */
export function poolEmails(uid: string): string[] {
  return [`${uid}@example.com`, `${uid}.a@example.com`, `${uid}.b@example.com`];
}

export class DirectoryModel {
  readonly users = new Map<string, ModelUser>();
  readonly groups = new Map<string, ModelGroup>();
  /** Every address an entry has held (lower-cased): an address freed by a delete or an email change may be given to another user. */
  readonly everUsed = new Set<string>();
  /** uids whose entry was deleted (a join may re-create one: same DN, a new entry). */
  readonly deleted = new Set<string>();
  /** Renames so far (the suffix of the next new uid). */
  renames = 0;
  /** Mapped groups in config order. */
  readonly mappings: ModelMapping[];
  readonly options: ModelOptions;

  constructor(spec: DirectorySpec, mappings: ModelMapping[], options: ModelOptions, locked: string[] = []) {
    this.mappings = mappings;
    this.options = options;
    const mapped = new Set(mappings.map((m) => m.cn));
    for (const u of spec.users) {
      const mail = u.mail === undefined ? `${u.uid}@example.com` : u.mail;
      if (!mail) throw new Error(`model: ${u.uid} has no mail (not modelled)`);
      this.users.set(u.uid, { uid: u.uid, home: u.uid, mail, displayName: u.displayName ?? u.uid, locked: locked.includes(u.uid) });
      this.everUsed.add(mail.toLowerCase());
    }
    for (const g of spec.groups) {
      this.groups.set(g.cn, { cn: g.cn, mapped: mapped.has(g.cn), users: new Set(g.members ?? []), groups: new Set(g.groups ?? []) });
    }
    for (const m of mappings) if (!this.groups.has(m.cn)) throw new Error(`model: mapped group ${m.cn} is not in the directory`);
    for (const [child, parents] of Object.entries(options.nestParents)) {
      if (!this.groups.has(child)) throw new Error(`model: nested group ${child} is not in the directory`);
      for (const p of parents) if (!this.groups.has(p)) throw new Error(`model: nest parent ${p} is not in the directory`);
    }
  }

  get mappedCns(): string[] {
    return this.mappings.map((m) => m.cn);
  }

  get nestedCns(): string[] {
    return [...this.groups.values()].filter((g) => !g.mapped).map((g) => g.cn);
  }

  /** Whether an entry has this address now (emails stay unique in the test directory). */
  emailInUse(email: string): boolean {
    const e = email.toLowerCase();
    return [...this.users.values()].some((u) => u.mail.toLowerCase() === e);
  }

  /** Groups holding `uid` directly. */
  directGroupsOf(uid: string): string[] {
    return [...this.groups.values()].filter((g) => g.users.has(uid)).map((g) => g.cn);
  }

  /** All groups `uid` is in, directly or through nesting (cycle-safe). */
  effectiveGroupsOf(uid: string): Set<string> {
    const found = new Set(this.directGroupsOf(uid));
    let frontier = [...found];
    while (frontier.length) {
      const next: string[] = [];
      for (const g of this.groups.values()) {
        if (found.has(g.cn)) continue;
        if (frontier.some((f) => g.groups.has(f))) {
          found.add(g.cn);
          next.push(g.cn);
        }
      }
      frontier = next;
    }
    return found;
  }

  /** Mapped groups `uid` is in (directly or nested). */
  mappedGroupsOf(uid: string): string[] {
    const eff = this.effectiveGroupsOf(uid);
    return this.mappedCns.filter((cn) => eff.has(cn));
  }

  /**
   * What ZCC must hold for every enabled member of a mapped group, by lower-cased email. Entries
   * sharing an email are one ZCC user, as the directory read settles them: the entry first in DN
   * order is kept (its lock decides), with the mapped groups of all of them.
   */
  desiredUsers(): Map<string, DesiredZccUser> {
    const byEmail = new Map<string, { kept: ModelUser; groups: Set<string> }>();
    const members = [...this.users.values()]
      .map((u) => ({ u, groups: this.mappedGroupsOf(u.uid), key: userDn(u.uid).toLowerCase() }))
      .filter((x) => x.groups.length > 0)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { u, groups } of members) {
      const email = u.mail.toLowerCase();
      const entry = byEmail.get(email) ?? { kept: u, groups: new Set<string>() };
      for (const g of groups) entry.groups.add(g);
      byEmail.set(email, entry);
    }
    const out = new Map<string, DesiredZccUser>();
    for (const [email, { kept, groups }] of byEmail) {
      if (kept.locked) continue;
      const matched = this.mappings.map((m, index) => ({ m, index })).filter(({ m }) => groups.has(m.cn));
      const winner = matched.reduce((best, x) => (x.m.priority > best.m.priority ? x : best));
      const byKey = new Map<string, string>();
      for (const { m } of matched) for (const q of m.queues) if (!byKey.has(q.toLowerCase())) byKey.set(q.toLowerCase(), q);
      const queues = [...byKey.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.set(email, { email, role: winner.m.role, package: winner.m.package, queues });
    }
    return out;
  }

  /** One line per user and group, for failure messages. */
  describe(): string {
    const users = [...this.users.values()]
      .sort((a, b) => a.uid.localeCompare(b.uid))
      .map((u) => `${u.uid}${u.home !== u.uid ? ` (was ${u.home})` : ''} <${u.mail}>${u.locked ? ' LOCKED' : ''} in [${this.directGroupsOf(u.uid).join(', ')}] → mapped [${this.mappedGroupsOf(u.uid).join(', ')}]`);
    const groups = [...this.groups.values()].map(
      (g) => `${g.mapped ? 'mapped' : 'nested'} ${g.cn}: users [${[...g.users].sort().join(', ')}] groups [${[...g.groups].sort().join(', ')}]`,
    );
    return [...groups, ...users].join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations

export interface Mutation {
  kind: MutationKind;
  /** One line: what changed in the directory. */
  text: string;
  /** Writes the change to slapd (the model already holds it). */
  apply(target: LdapAdminTarget): Promise<void>;
}

export type MutationKind =
  | 'join-new'
  | 'join-existing'
  | 'leave'
  | 'move'
  | 'nested-user-add'
  | 'nested-user-remove'
  | 'nest'
  | 'unnest'
  | 'disable'
  | 'enable'
  | 'delete'
  | 'email'
  | 'rename'
  | 'display-name';

/** Relative frequencies of the kinds (only kinds with a valid candidate are drawn). */
export const DEFAULT_WEIGHTS: Record<MutationKind, number> = {
  'join-new': 12,
  'join-existing': 12,
  leave: 10,
  move: 10,
  'nested-user-add': 7,
  'nested-user-remove': 6,
  nest: 5,
  unnest: 5,
  disable: 8,
  enable: 8,
  delete: 6,
  email: 10,
  rename: 5,
  'display-name': 3,
};

type Candidate = () => Mutation;

/**
 * An address for the entry of pool uid `home` (a joiner, or an email change away from
 * `current`): mostly one of its own pool addresses; sometimes (`reuse`) one another entry held
 * before and no entry holds now — a deleted user's, or one freed by an email change (a re-hire, a
 * reassigned mailbox); rarely (`duplicate`) the address another entry has now (two entries, one
 * ZCC user: the directory read merges them).
 */
function pickAddress(rng: Rng, model: DirectoryModel, home: string, opts: { current?: string; primary: number; reuse: number; duplicate: number }): { mail: string; note: string } {
  const own = poolEmails(home);
  const free = (e: string) => e !== opts.current?.toLowerCase() && !model.emailInUse(e);
  const reusable = [...model.everUsed].filter((e) => !own.includes(e) && free(e)).sort();
  const taken = [...new Set([...model.users.values()].map((u) => u.mail.toLowerCase()))].filter((e) => e !== opts.current?.toLowerCase()).sort();
  const r = rng.float();
  if (taken.length && r < opts.duplicate) return { mail: rng.pick(taken), note: ' (DUPLICATE: another entry has this address)' };
  if (reusable.length && r < opts.duplicate + opts.reuse) return { mail: rng.pick(reusable), note: ' (an address another entry held before)' };
  if (free(own[0]!) && r < opts.duplicate + opts.reuse + opts.primary) return { mail: own[0]!, note: '' };
  const aliases = own.filter(free);
  if (aliases.length) return { mail: rng.pick(aliases), note: '' };
  if (reusable.length) return { mail: rng.pick(reusable), note: ' (an address another entry held before)' };
  // All of its own addresses taken by others: any pool address nobody holds.
  const anyFree = Array.from({ length: model.options.poolSize }, (_, i) => poolEmails(uidOf(i + 1))).flat().filter(free);
  return { mail: rng.pick(anyFree), note: ' (another pool address)' };
}

function who(model: DirectoryModel, uid: string): string {
  const u = model.users.get(uid);
  return u ? `${uid} <${u.mail}>` : uid;
}

/** Every kind with at least one valid instance now, as a generator of that instance. */
function candidates(rng: Rng, model: DirectoryModel): Partial<Record<MutationKind, Candidate>> {
  const out: Partial<Record<MutationKind, Candidate>> = {};
  const uids = [...model.users.keys()].sort();
  const allGroups = [...model.groups.keys()];
  const mapped = model.mappedCns;
  const nested = model.nestedCns;
  const notMemberPairs = (groups: string[]) =>
    uids.flatMap((uid) => groups.filter((g) => !model.groups.get(g)!.users.has(uid)).map((g) => [uid, g] as const));
  const memberPairs = (groups: string[]) => groups.flatMap((g) => [...model.groups.get(g)!.users].sort().map((uid) => [uid, g] as const));

  const free: string[] = [];
  for (let i = 1; i <= model.options.poolSize; i++) if (!model.users.has(uidOf(i))) free.push(uidOf(i));
  if (free.length) {
    out['join-new'] = () => {
      // Often a deleted uid re-created (same DN, a new entry), else a new one; sometimes with an
      // alias, a reused or a duplicate address.
      const recreatable = free.filter((uid) => model.deleted.has(uid));
      const uid = recreatable.length && rng.chance(0.4) ? rng.pick(recreatable) : rng.pick(free);
      const recreated = model.deleted.delete(uid);
      const { mail, note } = pickAddress(rng, model, uid, { primary: 0.55, reuse: 0.2, duplicate: 0.05 });
      const group = rng.pick(allGroups);
      const displayName = `Delta ${uid}`;
      model.users.set(uid, { uid, home: uid, mail, displayName, locked: false });
      model.everUsed.add(mail.toLowerCase());
      model.groups.get(group)!.users.add(uid);
      return {
        kind: 'join-new',
        text: `join-new: create ${uid}${recreated ? ' (re-created)' : ''} <${mail}>${note} and add it to ${group}`,
        apply: async (t) => {
          await addUser(t, { uid, mail, displayName });
          await addGroupMember(t, group, uid);
        },
      };
    };
  }

  const joinable = notMemberPairs(allGroups);
  if (joinable.length) {
    out['join-existing'] = () => {
      const [uid, group] = rng.pick(joinable);
      model.groups.get(group)!.users.add(uid);
      return { kind: 'join-existing', text: `join-existing: add ${who(model, uid)} to ${group}`, apply: (t) => addGroupMember(t, group, uid) };
    };
  }

  const leavable = memberPairs(allGroups);
  if (leavable.length) {
    out.leave = () => {
      const [uid, group] = rng.pick(leavable);
      model.groups.get(group)!.users.delete(uid);
      return { kind: 'leave', text: `leave: remove ${who(model, uid)} from ${group}`, apply: (t) => removeGroupMember(t, group, uid) };
    };
  }

  const movable = memberPairs(mapped).flatMap(([uid, from]) =>
    mapped.filter((to) => to !== from && !model.groups.get(to)!.users.has(uid)).map((to) => [uid, from, to] as const),
  );
  if (movable.length) {
    out.move = () => {
      const [uid, from, to] = rng.pick(movable);
      model.groups.get(from)!.users.delete(uid);
      model.groups.get(to)!.users.add(uid);
      return {
        kind: 'move',
        text: `move: ${who(model, uid)} from ${from} to ${to}`,
        apply: async (t) => {
          await removeGroupMember(t, from, uid);
          await addGroupMember(t, to, uid);
        },
      };
    };
  }

  const nestedJoinable = notMemberPairs(nested);
  if (nestedJoinable.length) {
    out['nested-user-add'] = () => {
      const [uid, group] = rng.pick(nestedJoinable);
      model.groups.get(group)!.users.add(uid);
      return { kind: 'nested-user-add', text: `nested-user-add: add ${who(model, uid)} to nested ${group}`, apply: (t) => addGroupMember(t, group, uid) };
    };
  }

  const nestedLeavable = memberPairs(nested);
  if (nestedLeavable.length) {
    out['nested-user-remove'] = () => {
      const [uid, group] = rng.pick(nestedLeavable);
      model.groups.get(group)!.users.delete(uid);
      return { kind: 'nested-user-remove', text: `nested-user-remove: remove ${who(model, uid)} from nested ${group}`, apply: (t) => removeGroupMember(t, group, uid) };
    };
  }

  const nestPairs = Object.entries(model.options.nestParents).flatMap(([child, parents]) => parents.map((p) => [child, p] as const));
  const nestable = nestPairs.filter(([child, p]) => !model.groups.get(p)!.groups.has(child));
  if (nestable.length) {
    out.nest = () => {
      const [child, parent] = rng.pick(nestable);
      model.groups.get(parent)!.groups.add(child);
      return { kind: 'nest', text: `nest: add group ${child} as a member of ${parent}`, apply: (t) => addGroupMember(t, parent, { group: child }) };
    };
  }
  const unnestable = nestPairs.filter(([child, p]) => model.groups.get(p)!.groups.has(child));
  if (unnestable.length) {
    out.unnest = () => {
      const [child, parent] = rng.pick(unnestable);
      model.groups.get(parent)!.groups.delete(child);
      return { kind: 'unnest', text: `unnest: remove group ${child} from ${parent}`, apply: (t) => removeGroupMember(t, parent, { group: child }) };
    };
  }

  // Disables favour members (a locked non-member changes nothing in ZCC, still a valid change).
  const unlocked = uids.filter((uid) => !model.users.get(uid)!.locked);
  if (unlocked.length) {
    out.disable = () => {
      const members = unlocked.filter((uid) => model.mappedGroupsOf(uid).length > 0);
      const uid = members.length && rng.chance(0.85) ? rng.pick(members) : rng.pick(unlocked);
      model.users.get(uid)!.locked = true;
      return { kind: 'disable', text: `disable: lock ${who(model, uid)} (pwdAccountLockedTime ${LOCKED})`, apply: (t) => modifyUser(t, uid, { pwdAccountLockedTime: LOCKED }) };
    };
  }
  const locked = uids.filter((uid) => model.users.get(uid)!.locked);
  if (locked.length) {
    out.enable = () => {
      const uid = rng.pick(locked);
      model.users.get(uid)!.locked = false;
      return { kind: 'enable', text: `enable: unlock ${who(model, uid)}`, apply: (t) => modifyUser(t, uid, { pwdAccountLockedTime: null }) };
    };
  }

  if (uids.length) {
    out.delete = () => {
      const members = uids.filter((uid) => model.mappedGroupsOf(uid).length > 0);
      const uid = members.length && rng.chance(0.85) ? rng.pick(members) : rng.pick(uids);
      const text = `delete: delete entry ${who(model, uid)} (was in [${model.directGroupsOf(uid).join(', ')}])`;
      model.users.delete(uid);
      model.deleted.add(uid);
      for (const g of model.groups.values()) g.users.delete(uid);
      return { kind: 'delete', text, apply: (t) => deleteUser(t, uid) };
    };
    out.email = () => {
      const members = uids.filter((uid) => model.mappedGroupsOf(uid).length > 0);
      const uid = members.length && rng.chance(0.85) ? rng.pick(members) : rng.pick(uids);
      const user = model.users.get(uid)!;
      const before = user.mail;
      const { mail, note } = pickAddress(rng, model, user.home, { current: before, primary: 0.3, reuse: 0.3, duplicate: 0.08 });
      user.mail = mail;
      model.everUsed.add(mail.toLowerCase());
      return { kind: 'email', text: `email: ${uid} mail ${before} → ${mail}${note}`, apply: (t) => modifyUser(t, uid, { mail }) };
    };
    // A new RDN (modrdn, same container): a new DN for the same entry, email and groups kept.
    out.rename = () => {
      const members = uids.filter((uid) => model.mappedGroupsOf(uid).length > 0);
      const uid = members.length && rng.chance(0.85) ? rng.pick(members) : rng.pick(uids);
      const user = model.users.get(uid)!;
      const newUid = `${user.home}-r${++model.renames}`;
      const text = `rename: ${who(model, uid)} → uid=${newUid} (in [${model.directGroupsOf(uid).join(', ')}])`;
      model.users.delete(uid);
      model.users.set(newUid, { ...user, uid: newUid });
      for (const g of model.groups.values()) {
        if (g.users.delete(uid)) g.users.add(newUid);
      }
      return { kind: 'rename', text, apply: async (t) => void (await renameUser(t, uid, newUid)) };
    };
    // Seen by the delta (the entry changed), nothing for ZCC (the plan does not sync names).
    out['display-name'] = () => {
      const uid = rng.pick(uids);
      const user = model.users.get(uid)!;
      const displayName = `${user.displayName.replace(/ v\d+$/, '')} v${rng.int(2, 99)}`;
      user.displayName = displayName;
      return { kind: 'display-name', text: `display-name: ${who(model, uid)} displayName → "${displayName}"`, apply: (t) => modifyUser(t, uid, { displayName }) };
    };
  }
  return out;
}

/** Draws one valid mutation and updates the model (the caller writes it with `apply`). */
export function randomMutation(rng: Rng, model: DirectoryModel, weights: Record<MutationKind, number> = DEFAULT_WEIGHTS): Mutation {
  const available = candidates(rng, model);
  const w = {} as Record<MutationKind, number>;
  for (const k of Object.keys(weights) as MutationKind[]) w[k] = available[k] ? weights[k] : 0;
  const kind = rng.weighted(w);
  return available[kind]!();
}

/**
 * One step: 1–3 random mutations, each drawn against the model as the previous ones left it and
 * written to slapd in order. Returns their one-line descriptions.
 */
export async function randomStep(rng: Rng, model: DirectoryModel, target: LdapAdminTarget, opts: { min?: number; max?: number; weights?: Record<MutationKind, number> } = {}): Promise<string[]> {
  const n = rng.int(opts.min ?? 1, opts.max ?? 3);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = randomMutation(rng, model, opts.weights);
    lines.push(m.text);
    try {
      await m.apply(target);
    } catch (err) {
      throw new Error(`directory mutation failed: ${m.text}: ${(err as Error).message}`);
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Model against slapd

const normDn = (dn: string) => dn.replace(/\s+/g, '').toLowerCase();
const asList = (v: unknown): string[] => (v === undefined ? [] : ([] as string[]).concat(v as string | string[]).map(String));

/**
 * Where slapd differs from the model (users: mail, lock; groups: direct members, the reader
 * placeholder ignored), one line per difference; empty when they agree. Tells a generator bug
 * from a product bug when the invariant fails.
 */
export async function directoryDrift(model: DirectoryModel, target: LdapAdminTarget): Promise<string[]> {
  return withAdmin(target, async (c) => {
    const drift: string[] = [];
    const { searchEntries: people } = await c.search(PEOPLE_BASE, {
      scope: 'one',
      filter: new EqualityFilter({ attribute: 'objectClass', value: 'inetOrgPerson' }),
      attributes: ['uid', 'mail', 'pwdAccountLockedTime'],
    });
    const seen = new Set<string>();
    for (const e of people) {
      const uid = asList(e.uid)[0] ?? '';
      seen.add(uid);
      const m = model.users.get(uid);
      if (!m) {
        drift.push(`slapd has ${e.dn}, the model has no ${uid}`);
        continue;
      }
      const mail = asList(e.mail)[0];
      if (mail !== m.mail) drift.push(`${uid}: slapd mail ${mail}, model ${m.mail}`);
      const locked = asList(e.pwdAccountLockedTime).length > 0;
      if (locked !== m.locked) drift.push(`${uid}: slapd ${locked ? 'locked' : 'unlocked'}, model ${m.locked ? 'locked' : 'unlocked'}`);
    }
    for (const uid of model.users.keys()) if (!seen.has(uid)) drift.push(`model has ${uid}, slapd has no entry`);

    const placeholder = normDn(READER_DN);
    for (const g of model.groups.values()) {
      const { searchEntries } = await c.search(groupDn(g.cn), { scope: 'base', attributes: ['member'] });
      const actual = new Set(asList(searchEntries[0]?.member).map(normDn).filter((dn) => dn !== placeholder));
      const expected = new Set([...[...g.users].map(userDn), ...[...g.groups].map(groupDn)].map(normDn));
      for (const dn of actual) if (!expected.has(dn)) drift.push(`${g.cn}: slapd has member ${dn}, the model does not`);
      for (const dn of expected) if (!actual.has(dn)) drift.push(`${g.cn}: the model has member ${dn}, slapd does not`);
    }
    return drift;
  });
}

// ---------------------------------------------------------------------------------------------
// The invariant test's directory

export const MAPPED_GROUPS: ModelMapping[] = [
  { cn: 'cc-agents', role: 'Agent', package: 'essentials', queues: ['Support'], priority: 10 },
  { cn: 'cc-sales', role: 'Sales Agent', package: 'premium', queues: ['Sales'], priority: 15 },
  { cn: 'cc-supervisors', role: 'Supervisor', package: 'premium', queues: ['Escalations', 'Support'], priority: 20 },
];
/** cc-sales-emea is nested in cc-sales; cc-sales-emea-new is nested in cc-sales-emea (two levels). */
export const NESTED_GROUPS = ['cc-sales-emea', 'cc-sales-emea-new'];
export const POOL_SIZE = 80;
export const INITIAL_USERS = 30;

/**
 * 30 users (u001–u030): u001–u012 agents, u010–u016 sales (u010–u012 in both), u017–u020 and
 * u001 supervisors, u021–u024 in the nested cc-sales-emea, u025–u026 and u013 in the two-level
 * nested cc-sales-emea-new, u027–u030 in no group. u005 (a member) and u028 (not) start locked.
 * Nesting edits may put either nested group into any mapped group, and the inner one back into
 * the outer one; never the outer into the inner (no cycles).
 */
export function deltaFixture(): { spec: DirectorySpec; mappings: ModelMapping[]; options: ModelOptions; locked: string[] } {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => uidOf(a + k));
  const spec: DirectorySpec = {
    users: range(1, INITIAL_USERS).map((uid) => ({ uid, displayName: `Delta ${uid}` })),
    groups: [
      { cn: 'cc-agents', members: range(1, 12) },
      { cn: 'cc-sales', members: range(10, 16), groups: ['cc-sales-emea'] },
      { cn: 'cc-supervisors', members: [...range(17, 20), uidOf(1)] },
      { cn: 'cc-sales-emea', members: range(21, 24), groups: ['cc-sales-emea-new'] },
      { cn: 'cc-sales-emea-new', members: [...range(25, 26), uidOf(13)] },
    ],
  };
  const mappedCns = MAPPED_GROUPS.map((m) => m.cn);
  return {
    spec,
    mappings: MAPPED_GROUPS,
    options: { poolSize: POOL_SIZE, nestParents: { 'cc-sales-emea': mappedCns, 'cc-sales-emea-new': [...mappedCns, 'cc-sales-emea'] } },
    locked: [uidOf(5), uidOf(28)],
  };
}
