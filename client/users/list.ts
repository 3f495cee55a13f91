/**
 * `zcc-sync users list`: ZCC users with their role, package, access and queues. Read-only, no
 * workflow: the CLI reads ZCC directly.
 *
 * Filters map to the API where it has them and intersect:
 *   --search TEXT   → list users' `search_key`   --status active|inactive → `user_access`
 *   --role NAME     → the listed user's role id (the list already carries it: no extra call)
 *   --queue NAME    → the queue's agent list
 * Queues per user, cheapest of two ways: every queue's agent list once (Σ ⌈agents/100⌉ calls,
 * from the queues' agent counts), or, when fewer users are shown than that, one user-queues call
 * per shown user. The --queue filter reuses its queue's agent list either way.
 */
import type { ZoomCcClient, ZoomCcUser } from '../../src/zoom';
import { EXIT_BAD_INPUT, fail, printJson, printLine } from '../common';
import { findByName, readQueues, readRoles, withZoom, type NamedId } from './zcc';

export interface ListOptions {
  search?: string;
  queue?: string;
  status?: string;
  role?: string;
  json?: boolean;
}

export interface ListedUser {
  email: string;
  name: string;
  userId: string;
  role: string;
  package: string | null;
  access: string;
  queues: string[];
}

const AGENTS_PAGE = 100;

export async function listUsers(zoom: ZoomCcClient, opts: ListOptions): Promise<ListedUser[]> {
  const status = opts.status?.trim().toLowerCase();
  if (status !== undefined && status !== 'active' && status !== 'inactive') fail(`--status: got "${opts.status}" — expected active or inactive`, EXIT_BAD_INPUT);
  return withZoom(async () => {
    const queues = await readQueues(zoom);
    let role: NamedId | undefined;
    if (opts.role !== undefined) {
      const roles = await readRoles(zoom);
      role = findByName(roles, opts.role.trim());
      if (!role) fail(`--role: unknown role "${opts.role}"; roles that exist: ${names(roles)}`, EXIT_BAD_INPUT);
    }
    let queue: NamedId | undefined;
    if (opts.queue !== undefined) {
      queue = findByName(queues, opts.queue.trim());
      if (!queue) fail(`--queue: unknown queue "${opts.queue}"; queues that exist: ${names(queues)}`, EXIT_BAD_INPUT);
    }

    const query = { ...(opts.search ? { search_key: opts.search } : {}), ...(status ? { user_access: status as 'active' | 'inactive' } : {}) };
    let users: ZoomCcUser[] = [];
    for await (const u of zoom.allUsers(query)) {
      if (role && u.role_id !== role.id && u.role_name?.toLowerCase() !== role.name.toLowerCase()) continue;
      users.push(u);
    }
    const membership = new Map<string, string[]>(); // user id → queue names
    const addMember = (userId: string, name: string) => membership.set(userId, [...(membership.get(userId) ?? []), name]);
    let listed: string | undefined;
    if (queue) {
      const agents = new Set<string>();
      for await (const page of zoom.listQueueAgents(queue.id)) for (const a of page.items) agents.add(a.user_id);
      users = users.filter((u) => agents.has(u.user_id));
      for (const id of agents) addMember(id, queue.name);
      listed = queue.id;
    }

    const agentPages = queues.filter((q) => q.id !== listed).reduce((n, q) => n + Math.max(1, Math.ceil((q.agents ?? AGENTS_PAGE) / AGENTS_PAGE)), 0);
    if (users.length < agentPages) {
      const wanted = new Set(queues.filter((q) => q.id !== listed).map((q) => q.name));
      await pool(users, 4, async (u) => {
        for await (const page of zoom.listUserQueues(u.user_id)) {
          for (const q of page.items) if (wanted.has(q.queue_name)) addMember(u.user_id, q.queue_name);
        }
      });
    } else {
      for (const q of queues) {
        if (q.id === listed) continue;
        for await (const page of zoom.listQueueAgents(q.id)) for (const a of page.items) addMember(a.user_id, q.name);
      }
    }

    return users
      .map((u) => ({
        email: u.user_email.toLowerCase(),
        name: u.display_name ?? '',
        userId: u.user_id,
        role: u.role_name ?? '',
        package: u.package_name ?? null,
        access: u.user_access ?? 'active',
        queues: [...new Set(membership.get(u.user_id) ?? [])].sort((a, b) => a.localeCompare(b)),
      }))
      .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  });
}

export function printUsers(users: ListedUser[], json: boolean): void {
  if (json) return printJson(users);
  if (users.length === 0) return printLine('No ZCC users match.');
  const rows = [['EMAIL', 'NAME', 'ROLE', 'PACKAGE', 'ACCESS', 'QUEUES'], ...users.map((u) => [u.email, u.name, u.role, u.package ?? '-', u.access, u.queues.join(', ') || '-'])];
  const widths = rows[0].map((_, i) => Math.min(40, Math.max(...rows.map((r) => r[i].length))));
  for (const r of rows) printLine(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
  printLine(`${users.length} user${users.length === 1 ? '' : 's'}`);
}

function names(items: NamedId[]): string {
  return items.map((i) => i.name).sort((a, b) => a.localeCompare(b)).join(', ') || '(none)';
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
