/**
 * The console as a Fastify app over injected parts: the security plugins, the guard every request
 * passes (signed in, not expired, CSRF on changes, the route's permission), and one folder of
 * routes per capability. It starts workflows and reads the store and ZCC; it never changes ZCC.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { durationMs } from '../src/runs/staleness';
import { STYLESHEET, SCRIPT } from './assets';
import type { ConsoleDeps } from './deps';
import { html } from './html';
import { page } from './layout';
import { may } from './permissions';
import { registerSecurity } from './security';
import { registerSignIn } from './sign-in/routes';
import { registerUsers } from './users/routes';
import { registerRuns } from './runs/routes';
import { registerSchedule } from './schedule/routes';
import './permissions';

export interface AppOptions {
  /** Fastify's https options when the console serves TLS itself (console.tls). */
  https?: { cert: Buffer; key: Buffer };
  /** Behind a reverse proxy: trust its X-Forwarded-* headers (client address, protocol). */
  trustProxy?: boolean;
  logger?: boolean;
}

export async function buildConsole(deps: ConsoleDeps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = (opts.https ? Fastify({ https: opts.https, trustProxy: opts.trustProxy ?? false, logger: opts.logger ?? false }) : Fastify({ trustProxy: opts.trustProxy ?? false, logger: opts.logger ?? false })) as unknown as FastifyInstance;
  await registerSecurity(app, { sessionKey: deps.sessionKey, sessionTtlMs: durationMs(deps.config.console.sessionTtl), tls: Boolean(opts.https) });

  app.addHook('preHandler', async (req, reply) => guard(app, req, reply));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'console request failed');
    const text = status === 403 && err.code?.startsWith('FST_CSRF') ? 'This form has expired or did not come from the console (missing or invalid CSRF token). Reload the page and try again.' : status >= 500 ? 'Something went wrong on the server; the error is in the console log.' : err.message;
    return sendError(reply, status, text);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'No such page.'));

  app.get('/assets/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=300').send(STYLESHEET));
  app.get('/assets/console.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(SCRIPT));
  app.get('/', { config: { permission: 'view' } }, async (_req, reply) => reply.redirect('/users'));

  registerSignIn(app, deps);
  registerUsers(app, deps);
  registerRuns(app, deps);
  registerSchedule(app, deps);
  return app;
}

async function guard(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const changes = req.method !== 'GET' && req.method !== 'HEAD';
  // CSRF on every change, sign-in and sign-out included (a forged sign-in is an attack too).
  if (changes) await new Promise<void>((resolve, reject) => app.csrfProtection(req, reply, (err?: Error) => (err ? reject(err) : resolve())));
  const permission = req.routeOptions.config?.permission;
  if (!permission) return undefined;
  const user = req.session.get('user');
  const expiresAt = req.session.get('expiresAt') ?? 0;
  if (!user || Date.now() > expiresAt) {
    if (user) req.session.delete();
    // An early reply from an async hook must be returned, or the route runs too.
    if (!changes) return reply.redirect(`/sign-in?next=${encodeURIComponent(req.url)}`);
    throw Object.assign(new Error('Your session has ended: sign in again.'), { statusCode: 401 });
  }
  if (!may(user, permission)) throw Object.assign(new Error(`Not allowed: this needs the ${permission === 'operate' ? 'operator' : permission === 'approve' ? 'approver' : 'viewer'} role, and ${user.name} has ${user.roles.join(', ') || 'none'}.`), { statusCode: 403 });
  return undefined;
}

function sendError(reply: FastifyReply, status: number, text: string): FastifyReply {
  const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 401 ? 'Signed out' : status >= 500 ? 'Error' : 'Refused';
  return reply.code(status).type('text/html; charset=utf-8').send(page({ title }, html`<h1>${title}</h1><p>${text}</p><p><a href="/users">Back to the console</a></p>`));
}
