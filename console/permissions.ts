/**
 * Who may do what. Roles come from directory groups (`console.roles`): viewers read, operators
 * change users and run reconciles, approvers decide held runs. Anyone with a role may read.
 * Every route names the permission it needs and the server checks it on every request.
 */
import type { ConsoleUser } from './deps';

export type Permission = 'view' | 'operate' | 'approve';

export function may(user: Pick<ConsoleUser, 'roles'>, permission: Permission): boolean {
  switch (permission) {
    case 'view':
      return user.roles.length > 0;
    case 'operate':
      return user.roles.includes('operator');
    case 'approve':
      return user.roles.includes('approver');
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; routes without it are public (sign-in, assets). */
    permission?: Permission;
  }
}
