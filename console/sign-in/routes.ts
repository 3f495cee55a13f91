/**
 * Sign-in with directory credentials (console/auth/sign-in.ts binds as the user) and sign-out.
 * Rate-limited per sign-in name and address; the refusal never says which of name or password
 * was wrong, except "no console role" for a correct password (the user must ask for a group).
 */
import type { FastifyInstance } from 'fastify';
import { durationMs } from '../../src/runs/staleness';
import type { ConsoleDeps } from '../deps';
import { html } from '../html';
import { field, view } from '../view';

/** Attempts per sign-in name and address per window. */
export const SIGN_IN_ATTEMPTS = 10;

export function registerSignIn(app: FastifyInstance, deps: ConsoleDeps): void {
  const form = (next: string, name = '') => (csrf: string) => html`<div class="signin"><h1>Sign in</h1>
<form class="form" method="post" action="/sign-in">
  <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
  <label>Directory user name or email<input name="name" autocomplete="username" value="${name}" required autofocus></label>
  <label>Password<input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
  <p class="muted">Your directory password is checked by the directory itself; the console never stores it.</p>
</form></div>`;

  app.get('/sign-in', async (req, reply) => view(deps, req, reply, { title: 'Sign in' }, form(safeNext(field(req.query, 'next')))));

  app.post('/sign-in', {
    config: {
      rateLimit: {
        max: SIGN_IN_ATTEMPTS,
        timeWindow: '10 minutes',
        hook: 'preHandler',
        keyGenerator: (req) => `${req.ip}|${field(req.body, 'name').toLowerCase()}`,
        errorResponseBuilder: (_req, ctx) => Object.assign(new Error(`Too many sign-in attempts for this name from this address: try again in ${Math.ceil(ctx.ttl / 60000)} minute(s).`), { statusCode: 429 }),
      },
    },
  }, async (req, reply) => {
    const name = field(req.body, 'name');
    const password = typeof (req.body as Record<string, unknown>)?.password === 'string' ? ((req.body as Record<string, string>).password) : '';
    const next = safeNext(field(req.body, 'next'));
    const result = await deps.signIn(name, password);
    if (!result.ok) {
      req.log.info({ name, reason: result.reason }, 'console sign-in refused');
      const message = result.reason === 'bad_password' || result.reason === 'unknown' ? 'Wrong user name or password.' : result.message;
      return view(deps, req, reply, { title: 'Sign in', errors: [message] }, form(next, name), result.reason === 'directory_unavailable' ? 503 : 401);
    }
    // A new session: nothing from before sign-in carries over.
    req.session.regenerate();
    req.session.set('user', result.user);
    req.session.set('expiresAt', Date.now() + durationMs(deps.config.console.sessionTtl));
    req.log.info({ name: result.user.name, roles: result.user.roles }, 'console sign-in');
    return reply.redirect(next);
  });

  app.post('/sign-out', async (req, reply) => {
    req.session.delete();
    return reply.redirect('/sign-in');
  });
}

/** Only a path of this console: never an absolute URL (no open redirect). */
function safeNext(next: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith('/sign-') ? next : '/users';
}
