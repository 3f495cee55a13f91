/**
 * Ids in Zoom's shapes, derived from a hash of (salt, kind, natural key) so the same seed always
 * gives the same ids (reproducible tests, stable ids across `reset`):
 * - users, queues, regions: 22-character URL-safe strings (`IGTRVt3gQ2i-WjoUIjeZxw`);
 * - roles: UUID-like (`27302393-4784-11ec-a3cd-122e3e29bb87`), as in the spec's user objects.
 */
import { createHash } from 'node:crypto';

function digest(salt: string, kind: string, key: string): Buffer {
  return createHash('sha256').update(`${salt}\u0000${kind}\u0000${key}`).digest();
}

/** 22 URL-safe characters (132 bits of the hash). */
export function zoomId(salt: string, kind: string, key: string): string {
  return digest(salt, kind, key).toString('base64url').slice(0, 22);
}

export function uuidLike(salt: string, kind: string, key: string): string {
  const h = digest(salt, kind, key).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface IdFactory {
  user(email: string): string;
  role(name: string): string;
  queue(name: string): string;
  ccQueue(name: string): string;
  region(name: string): string;
}

export function idFactory(salt: string): IdFactory {
  return {
    user: (email) => zoomId(salt, 'user', email.toLowerCase()),
    role: (name) => uuidLike(salt, 'role', name),
    queue: (name) => zoomId(salt, 'queue', name),
    ccQueue: (name) => zoomId(salt, 'cc_queue', name),
    region: (name) => zoomId(salt, 'region', name),
  };
}
