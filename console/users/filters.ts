/** The Users page's filters and page, read from the URL (so a filtered view can be bookmarked or shared). */
import type { MirrorFilters } from '../../src/store/zcc-mirror';
import { field } from '../view';

export const PAGE_SIZE = 50;

export interface UsersQuery extends MirrorFilters {
  page: number;
}

export function usersQuery(query: unknown): UsersQuery {
  const status = field(query, 'status');
  const page = Number(field(query, 'page') || '1');
  return {
    search: field(query, 'search') || undefined,
    queue: field(query, 'queue') || undefined,
    role: field(query, 'role') || undefined,
    status: status === 'active' || status === 'inactive' ? status : undefined,
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

/** The URL of the same view with some values changed. */
export function usersUrl(q: UsersQuery, change: Partial<UsersQuery> = {}): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  for (const key of ['search', 'queue', 'status', 'role'] as const) if (next[key]) params.set(key, String(next[key]));
  if (next.page > 1) params.set('page', String(next.page));
  const text = params.toString();
  return text ? `/users?${text}` : '/users';
}
