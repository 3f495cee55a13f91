/**
 * Every ZCC operation zcc-sync uses: method, path, rate-limit label (from each operation's
 * "Rate Limit Label" in openapi.json, API.md §1.1 / §2) and what it wants (for error classification).
 */
import type { OperationSpec } from './http';

const op = (
  name: string,
  method: OperationSpec['method'],
  pathTemplate: string,
  label: OperationSpec['label'],
  intent: OperationSpec['intent'] = 'other',
): OperationSpec => ({ name, method, pathTemplate, label, intent });

export const OPERATIONS = {
  // users
  listUsers: op('listUsers', 'GET', '/contact_center/users', 'medium'),
  getUser: op('getUser', 'GET', '/contact_center/users/{userId}', 'light'),
  createUser: op('createUser', 'POST', '/contact_center/users', 'light', 'create'),
  batchCreateUsers: op('batchCreateUsers', 'POST', '/contact_center/users/batch', 'medium', 'create'),
  updateUser: op('updateUser', 'PATCH', '/contact_center/users/{userId}', 'light'),
  batchUpdateUsers: op('batchUpdateUsers', 'PATCH', '/contact_center/users', 'medium'),
  deleteUser: op('deleteUser', 'DELETE', '/contact_center/users/{userId}', 'light', 'remove'),
  batchDeleteUsers: op('batchDeleteUsers', 'DELETE', '/contact_center/users', 'medium', 'remove'),
  listUserQueues: op('listUserQueues', 'GET', '/contact_center/users/{userId}/queues', 'medium'),
  // roles
  listRoles: op('listRoles', 'GET', '/contact_center/roles', 'medium'),
  listRoleUsers: op('listRoleUsers', 'GET', '/contact_center/roles/{roleId}/users', 'medium'),
  assignRoleUsers: op('assignRoleUsers', 'POST', '/contact_center/roles/{roleId}/users', 'medium'),
  unassignRoleUser: op('unassignRoleUser', 'DELETE', '/contact_center/roles/{roleId}/users/{userId}', 'light', 'remove'),
  // queues
  listQueues: op('listQueues', 'GET', '/contact_center/queues', 'medium'),
  listQueueAgents: op('listQueueAgents', 'GET', '/contact_center/queues/{queueId}/agents', 'medium'),
  assignQueueAgents: op('assignQueueAgents', 'POST', '/contact_center/queues/{queueId}/agents', 'medium'),
  removeQueueAgent: op('removeQueueAgent', 'DELETE', '/contact_center/queues/{queueId}/agents/{userId}', 'light', 'remove'),
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;
