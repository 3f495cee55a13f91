/**
 * Roles: list, get, list role users, assign users (≤ 30), unassign.
 *
 * Choices where Zoom's docs are silent (also in emulator/README.md):
 * - A ZCC user has exactly one role. Assigning moves the user; a user already in the role is a
 *   success (listed in the answer, not counted as a change). Every entry must be a ZCC user
 *   (id or email), else the whole call is refused with 404 code 1001 and nothing changes.
 * - Unassigning moves the user to the default role (Agent, else the first role). Unassigning from
 *   the default role itself is refused: 400 code 300. A user not in the role: 404 code 1001.
 */
import { roleDoesNotExist, userDoesNotExist, validationFailed, ZoomError, type FieldError } from '../errors';
import { filterKeyOf, ListKind, pageOf, parsePageSize, startAfter } from '../paging';
import type { Ctx, Reply, Route } from '../router';
import type { RoleRec, State, UserRow } from '../state';
import { ADMIN_ID, roleUserObject } from '../views';
import { readUserIds } from '../validate';

export const ASSIGN_MAX = 30;

function findRole(state: State, roleId: string): RoleRec {
  const role = state.role(roleId);
  if (!role) throw roleDoesNotExist(roleId);
  return role;
}

/** Users per role: one indexed count per role, cached until the next write. */
async function usersPerRole(state: State, roleSeqs: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const seq of roleSeqs) out.set(seq, await roleUserCount(state, seq));
  return out;
}

function roleUserCount(state: State, roleSeq: number): Promise<number> {
  return state.count(`role:${roleSeq}`, async () => Number(((await state.db('cc_users').where('role_seq', roleSeq).count({ n: '*' })) as { n: number }[])[0]!.n));
}

function roleObject(role: RoleRec, users: number, modified: string): Record<string, unknown> {
  return {
    role_id: role.roleId,
    role_name: role.name,
    role_description: role.description,
    total_users: users,
    modified_by: ADMIN_ID,
    last_modified_time: modified,
  };
}

async function listRoles(ctx: Ctx): Promise<Reply> {
  const { state, query } = ctx;
  const pageSize = parsePageSize(query.get('page_size'));
  const filterKey = filterKeyOf(query, []);
  const after = startAfter(query, ctx.pages, ListKind.Roles, filterKey);
  const rows = state.roles.filter((r) => r.seq > after).slice(0, pageSize + 1);
  const page = pageOf(rows, pageSize, (r) => r.seq, (seq) => ctx.pages.issue(ListKind.Roles, filterKey, seq));
  const counts = await usersPerRole(state, page.items.map((r) => r.seq));
  const now = state.now();
  return {
    status: 200,
    body: {
      next_page_token: page.nextPageToken,
      page_size: pageSize,
      total_records: state.roles.length,
      roles: page.items.map((r) => roleObject(r, counts.get(r.seq) ?? 0, now)),
    },
  };
}

async function getRole(ctx: Ctx): Promise<Reply> {
  const role = findRole(ctx.state, ctx.params.roleId!);
  const counts = await usersPerRole(ctx.state, [role.seq]);
  const { modified_by: _m, last_modified_time: _t, ...body } = roleObject(role, counts.get(role.seq) ?? 0, ctx.state.now());
  return { status: 200, body };
}

async function listRoleUsers(ctx: Ctx): Promise<Reply> {
  const { state, query } = ctx;
  const role = findRole(state, ctx.params.roleId!);
  const pageSize = parsePageSize(query.get('page_size'));
  const filterKey = filterKeyOf(query, [], role.roleId);
  const after = startAfter(query, ctx.pages, ListKind.RoleUsers, filterKey);
  const rows: UserRow[] = await state.db('cc_users').where('role_seq', role.seq).andWhere('seq', '>', after).orderBy('seq').limit(pageSize + 1);
  const total = await roleUserCount(state, role.seq);
  const page = pageOf(rows, pageSize, (r) => r.seq, (seq) => ctx.pages.issue(ListKind.RoleUsers, filterKey, seq));
  return { status: 200, body: { next_page_token: page.nextPageToken, page_size: pageSize, total_records: total, users: page.items.map(roleUserObject) } };
}

async function assignRoleUsers(ctx: Ctx): Promise<Reply> {
  const { state } = ctx;
  const role = findRole(state, ctx.params.roleId!);
  const errors: FieldError[] = [];
  const keys = readUserIds(ctx.body, ASSIGN_MAX, errors);
  if (errors.length) throw validationFailed(errors);
  const users = await state.write(async (tx) => {
    const found = await state.ccUsers(keys, tx.trx);
    const missing = keys.filter((k) => !found.has(k));
    if (missing.length) {
      throw new ZoomError(404, 1001, userDoesNotExist(missing[0]!).message, missing.map((k) => ({ field: 'user_ids', message: `User does not exist: ${k}.` })));
    }
    const unique = new Map<number, UserRow>();
    for (const k of keys) unique.set(found.get(k)!.seq, found.get(k)!);
    const moving = [...unique.values()].filter((u) => u.role_seq !== role.seq);
    if (moving.length) {
      await tx.trx('cc_users').whereIn('seq', moving.map((u) => u.seq)).update({ role_seq: role.seq, modified_at: state.now() });
      for (const u of moving) tx.change(u.email, 'update');
    }
    return [...unique.values()];
  });
  return { status: 201, body: { users: users.map(roleUserObject) } };
}

async function unassignRoleUser(ctx: Ctx): Promise<Reply> {
  const { state } = ctx;
  const role = findRole(state, ctx.params.roleId!);
  const key = ctx.params.userId!;
  await state.write(async (tx) => {
    const user = await state.ccUser(key, tx.trx);
    if (!user || user.role_seq !== role.seq) throw userDoesNotExist(key);
    const fallback = state.defaultRole();
    if (!fallback || fallback.seq === role.seq) {
      throw new ZoomError(400, 300, `Cannot unassign the default role ${role.name}: a Contact Center user must have a role. Assign another role instead.`);
    }
    await tx.trx('cc_users').where('seq', user.seq).update({ role_seq: fallback.seq, modified_at: state.now() });
    tx.change(user.email, 'update');
  });
  return { status: 204 };
}

export const roleRoutes: Route[] = [
  { method: 'GET', template: '/contact_center/roles', label: 'MEDIUM', handler: listRoles },
  { method: 'GET', template: '/contact_center/roles/{roleId}/users', label: 'MEDIUM', handler: listRoleUsers },
  { method: 'POST', template: '/contact_center/roles/{roleId}/users', label: 'MEDIUM', hasBody: true, handler: assignRoleUsers },
  { method: 'DELETE', template: '/contact_center/roles/{roleId}/users/{userId}', label: 'LIGHT', handler: unassignRoleUser },
  { method: 'GET', template: '/contact_center/roles/{roleId}', label: 'LIGHT', handler: getRole },
];
