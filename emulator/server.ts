/**
 * The HTTP side (node:http): `/oauth/token`, the API under `/v2`, the admin API under `/__emulator/`.
 *
 * An API call goes: count it → bearer check (401) → rate limit (429) → injected faults before
 * the change (latency, 429 burst, dropped socket, 5xx) → JSON body (400) → the operation →
 * injected faults after the change (dropped socket, 5xx; only when the operation succeeded) → answer.
 */
import http from 'node:http';
import type { EmulatorCore } from './core';
import { invalidJsonBody, QPS_MESSAGE, DAILY_MESSAGE, ZoomError } from './errors';
import { FaultSpecError } from './faults';
import type { Reply } from './router';
import { SeedError } from './seed';

const API_BODY_LIMIT = 1 << 20; // 1 MiB: a batch of 20 users is a few KiB
const ADMIN_BODY_LIMIT = 512 << 20; // seeds of 100k+ users

export function createServer(core: EmulatorCore): http.Server {
  let requestNo = 0;
  const server = http.createServer((req, res) => {
    requestNo += 1;
    res.setHeader('x-zm-trackingid', `v=2.0;clid=emulator;rid=${requestNo}`);
    handle(core, req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, { code: 500, message: `Emulator error: ${(err as Error).message}` });
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(core: EmulatorCore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname;
  const limit = path.startsWith('/__emulator/') ? ADMIN_BODY_LIMIT : API_BODY_LIMIT;
  const raw = await readBody(req, limit);
  if (raw === null) return send(res, 413, { code: 300, message: 'Request body too large.' });

  if (path === '/oauth/token') {
    core.recorder.call(`${method} /oauth/token`);
    if (method !== 'POST') return send(res, 405, { reason: 'Method not allowed', error: 'invalid_request' });
    const type = req.headers['content-type'] ?? '';
    const form = type.includes('application/x-www-form-urlencoded') ? new URLSearchParams(raw.toString('utf8')) : new URLSearchParams();
    const reply = core.tokens.request({ authorization: req.headers.authorization }, form, url.searchParams);
    if (reply.status === 200) core.recorder.tokenIssued();
    return send(res, reply.status, reply.body);
  }
  if (path.startsWith('/__emulator/')) return admin(core, method, path.slice('/__emulator/'.length), raw, res);
  if (path.startsWith('/v2/')) return api(core, method, path.slice(3), url.searchParams, raw, req, res);
  return send(res, 404, { code: 404, message: `No such path: ${path}` });
}

async function api(
  core: EmulatorCore,
  method: string,
  path: string,
  query: URLSearchParams,
  raw: Buffer,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const match = core.router.match(method, path);
  const template = match?.route.template ?? core.router.templateOf(path);
  const key = template ? `${method} ${template}` : `${method} (unknown path)`;
  core.recorder.call(key);
  const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
    core.recorder.status(status);
    send(res, status, body, headers);
  };

  const denied = core.tokens.check(req.headers.authorization);
  if (denied) return answer(401, denied);
  if (!match) return answer(404, { code: 404, message: `No such operation: ${method} /v2${path}` });
  const { route, params } = match;

  const limit = core.limiter.take(route.label);
  if (!limit.ok) {
    return answer(429, { code: 429, message: limit.type === 'QPS' ? QPS_MESSAGE : DAILY_MESSAGE }, limit.headers);
  }

  const fault = core.faults.decide(key);
  if (fault) {
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (fault.burst429) {
      core.recorder.fault('burst429');
      return answer(429, { code: 429, message: QPS_MESSAGE }, core.limiter.burstHeaders(route.label));
    }
    if (fault.dropBefore) {
      core.recorder.fault('drop');
      return void res.socket?.destroy();
    }
    if (fault.errorBefore) {
      core.recorder.fault('error');
      return answer(fault.errorBefore, serverError(fault.errorBefore), limit.headers);
    }
  }

  let reply: Reply;
  try {
    let body: unknown;
    if (route.hasBody && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw invalidJsonBody();
      }
    }
    reply = await route.handler({ params, query, body, state: core.state, pages: core.pages });
  } catch (err) {
    if (!(err instanceof ZoomError)) throw err;
    return answer(err.status, err.body(), limit.headers);
  }

  if (fault && reply.status < 300) {
    if (fault.dropAfter) {
      core.recorder.fault('dropAfterApply');
      return void res.socket?.destroy();
    }
    if (fault.errorAfter) {
      core.recorder.fault('errorAfterApply');
      return answer(fault.errorAfter, serverError(fault.errorAfter), limit.headers);
    }
  }
  answer(reply.status, reply.body, limit.headers);
}

function serverError(status: number): { code: number; message: string } {
  const text: Record<number, string> = { 500: 'Internal Server Error.', 502: 'Bad Gateway.', 503: 'Service Unavailable.', 504: 'Gateway Timeout.' };
  return { code: status, message: text[status] ?? 'Server Error.' };
}

async function admin(core: EmulatorCore, method: string, path: string, raw: Buffer, res: http.ServerResponse): Promise<void> {
  const json = (): unknown => {
    if (!raw.length) return undefined;
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      throw invalidJsonBody();
    }
  };
  try {
    const route = `${method} ${path.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET stats':
        return send(res, 200, core.stats());
      case 'POST stats/reset':
        core.recorder.reset();
        return send(res, 204);
      case 'GET state':
        return send(res, 200, await core.snapshot());
      case 'POST seed': {
        await core.seed(json() ?? {});
        const s = await core.snapshot();
        return send(res, 200, { accountUsers: s.accountUsers, ccUsers: s.users.length, roles: s.roles.length, queues: s.queues.length });
      }
      case 'POST reset':
        await core.reset();
        return send(res, 204);
      case 'GET faults':
        return send(res, 200, core.faults.get());
      case 'POST faults': {
        // A FaultSpec object, a JSON string holding the compact form, or the compact form as text.
        let spec: unknown;
        try {
          spec = json();
        } catch {
          spec = raw.toString('utf8');
        }
        return send(res, 200, core.setFaults(spec as never));
      }
      case 'POST expire-tokens':
        core.tokens.expireAll();
        return send(res, 204);
      case 'GET health':
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { code: 404, message: `No such admin operation: ${method} /__emulator/${path}` });
    }
  } catch (err) {
    if (err instanceof SeedError) return send(res, 400, { code: 300, message: 'Invalid seed.', errors: err.problems });
    if (err instanceof FaultSpecError) return send(res, 400, { code: 300, message: err.message });
    if (err instanceof ZoomError) return send(res, err.status, err.body());
    throw err;
  }
}

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204 || body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The whole body, or null when it is over `limit` bytes. */
async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
