/**
 * The console's protective plugins, each a well-kept Fastify plugin: security headers with a strict
 * Content Security Policy (own scripts and styles only), signed and encrypted session cookies
 * (HttpOnly, SameSite=Strict, Secure over TLS), CSRF tokens, rate limiting (sign-in), form and
 * upload bodies with limits.
 */
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import secureSession from '@fastify/secure-session';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { ConsoleUser } from './deps';

declare module '@fastify/secure-session' {
  interface SessionData {
    user: ConsoleUser;
    /** Epoch ms after which the session is refused, whatever the cookie says. */
    expiresAt: number;
  }
}

/** A CSV of many thousands of rows fits; anything larger is refused before it is read whole. */
export const UPLOAD_LIMIT_BYTES = 5 * 1024 * 1024;

export async function registerSecurity(app: FastifyInstance, opts: { sessionKey: Buffer; sessionTtlMs: number; tls: boolean }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Only over TLS: HSTS on a plain-HTTP loopback console would pin browsers to HTTPS for it.
    strictTransportSecurity: opts.tls ? { maxAge: 15552000 } : false,
  });
  await app.register(secureSession, {
    key: opts.sessionKey,
    cookieName: 'zcc_console',
    cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: opts.tls ? true : 'auto', maxAge: Math.floor(opts.sessionTtlMs / 1000) },
    expiry: Math.floor(opts.sessionTtlMs / 1000),
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/secure-session',
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
      return fromBody ?? (req.headers['x-csrf-token'] as string | undefined);
    },
  });
  await app.register(rateLimit, { global: false });
  await app.register(formbody, { bodyLimit: UPLOAD_LIMIT_BYTES });
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: UPLOAD_LIMIT_BYTES, files: 1, fields: 50 } });
}
