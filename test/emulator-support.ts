/** Helpers for the emulator tests: a token, and a tiny fetch wrapper that returns status/body/headers. */
import type { EmulatorHandle, Seed } from '../emulator';

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

export const CREDS = { accountId: 'emulator-account', clientId: 'emulator-client', clientSecret: 'emulator-secret' };

export async function getToken(emu: EmulatorHandle, creds = CREDS): Promise<Answer> {
  const res = await fetch(emu.tokenUrl, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'account_credentials', account_id: creds.accountId }).toString(),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Calls `/v2<path>` with a bearer token fetched once (or the given one). */
export function apiClient(emu: EmulatorHandle, fixedToken?: string) {
  let token = fixedToken;
  return async function call(method: string, path: string, body?: unknown, rawBody?: string): Promise<Answer> {
    if (!token) token = (await getToken(emu)).body.access_token as string;
    const res = await fetch(`${emu.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined || rawBody !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}

export async function admin(emu: EmulatorHandle, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${emu.url}/__emulator/${path}`, {
    method,
    headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** n account users user0000@example.com … with names "User 0000". */
export function accountUsers(n: number, prefix = 'user'): { email: string; name: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(i).padStart(4, '0');
    return { email: `${prefix}${id}@example.com`, name: `${prefix[0]!.toUpperCase()}${prefix.slice(1)} ${id}` };
  });
}

export const baseSeed = (): Seed => ({
  accountUsers: [
    { email: 'ann@example.com', name: 'Ann Agent' },
    { email: 'bob@example.com', name: 'Bob Builder' },
    { email: 'cat@example.com', name: 'Cat Stevens' },
    { email: 'dan@example.com', name: 'Dan Brown' },
    ...accountUsers(40),
  ],
  roles: [{ name: 'Admin' }, { name: 'Supervisor' }, { name: 'Agent' }],
  queues: [{ name: 'Sales' }, { name: 'Support' }, { name: 'Mail', channel: 'email' }],
  licenses: { essentials: 30, premium: 1 },
  ccUsers: [
    { email: 'ann@example.com', role: 'Agent', package: 'essentials', access: 'active', queues: ['Sales'] },
    { email: 'bob@example.com', role: 'Supervisor', package: 'premium', access: 'inactive', queues: ['Sales', 'Support'] },
  ],
});
