/** Sends a page: the frame filled with who is signed in, a fresh CSRF token and the held-run count. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { countHeldRuns } from '../src/store/runs';
import type { ConsoleDeps } from './deps';
import type { Html } from './html';
import { page, type PageFrame } from './layout';

export async function view(deps: ConsoleDeps, req: FastifyRequest, reply: FastifyReply, frame: Omit<PageFrame, 'user' | 'csrf' | 'held'>, body: (csrf: string) => Html, status = 200): Promise<FastifyReply> {
  const user = req.session.get('user');
  const csrf = reply.generateCsrf();
  const held = user ? (await countHeldRuns(deps.db)).count : 0;
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page({ ...frame, user, csrf, held }, body(csrf)));
}

/** The signed-in user (the guard has checked there is one on every non-public route). */
export function userOf(req: FastifyRequest) {
  const user = req.session.get('user');
  if (!user) throw Object.assign(new Error('not signed in'), { statusCode: 401 });
  return user;
}

/** A query or form value as one trimmed string ('' when absent). */
export function field(source: unknown, name: string): string {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' ? one.trim() : '';
}

/** A form value that may repeat (check boxes), as a list of non-empty strings. */
export function fields(source: unknown, name: string): string[] {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter(Boolean);
}
