/**
 * Conformance with Zoom's OpenAPI document: for every operation zcc-sync uses, the client's
 * request bodies and query parameters, and the emulator's response bodies, validate against the
 * schemas in `../shared/zoom-cc/openapi.json` (ajv). Exchanges are captured by wrapping fetch.
 *
 * The spec's schemas never set `additionalProperties`; here every object schema is closed
 * (`additionalProperties: false`) so a misspelt or invented field name fails too. Error bodies
 * have no schema in the spec; they are checked against Zoom's documented shape (API.md §8).
 * Skips with a printed reason when openapi.json is absent; fails instead under CI=true (CI runs
 * with a copy of shared/ beside the clone).
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { startEmulator, type EmulatorHandle } from '../emulator';
import {
  OPERATIONS,
  assignRole,
  assignToQueue,
  collect,
  createUsers,
  deleteUsers,
  removeFromQueue,
  updateUsers,
  type OperationSpec,
  type ZoomCcClient,
} from '../src/zoom';
import { clientFor, emailOf, seedWith } from './support/zoom-emulator';
import { describeIf } from './support/ci';

const SPEC_PATH = path.resolve(__dirname, '../../shared/zoom-cc/openapi.json');
const specPresent = fs.existsSync(SPEC_PATH);

interface Exchange {
  op: OperationSpec;
  method: string;
  query: URLSearchParams;
  requestBody?: unknown;
  status: number;
  responseBody?: unknown;
}

type Json = Record<string, unknown>;

/** OpenAPI 3.0 schema → JSON Schema for ajv: drop annotations, close objects, map `nullable`. */
function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!s || typeof s !== 'object') return s;
  const out: Json = {};
  for (const [k, v] of Object.entries(s as Json)) {
    if (['example', 'examples', 'deprecated', 'xml', 'externalDocs', 'readOnly', 'writeOnly', 'nullable', 'discriminator'].includes(k) || k.startsWith('x-')) continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, toJsonSchema(ps)])) : toJsonSchema(v);
  }
  if ((s as Json).nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Zoom's error body (API.md §8): `{ code, message, errors?: [{ field, message }] }`. */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'integer' },
    message: { type: 'string', minLength: 1 },
    errors: { type: 'array', items: { type: 'object', required: ['message'], properties: { field: { type: 'string' }, message: { type: 'string' } }, additionalProperties: false } },
  },
  additionalProperties: false,
};

/**
 * Answers the emulator gives with a status the spec does not list for the operation, on purpose:
 * the spec documents only 201/400/429 for role and queue assignment, so what a non-ZCC user in
 * `user_ids` gets is undocumented; the emulator answers 404 code 1001 as the other user endpoints
 * do for a missing user. The client handles 400 and 404 alike here (bad_request → per-user retry).
 */
const KNOWN_DEVIATIONS = new Set(['assignQueueAgents 404/1001', 'assignRoleUsers 404/1001']);

const templateRegex = (t: string) => new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`);
const OPS = Object.values(OPERATIONS) as OperationSpec[];
// The most specific template first (`/users/batch` before `/users/{userId}`).
const byPath = [...OPS].sort((a, b) => b.pathTemplate.replace(/\{\w+\}/g, '').length - a.pathTemplate.replace(/\{\w+\}/g, '').length);

const d = describeIf(
  specPresent,
  'zoom-conformance.test.ts',
  `${SPEC_PATH} is absent, so the conformance checks against Zoom's OpenAPI document cannot run`,
  'put the shared/ folder (shared/zoom-cc/openapi.json) beside this clone',
);

d('ZCC client and emulator conform to openapi.json', () => {
  let spec: { paths: Record<string, Record<string, Json>> };
  let emu: EmulatorHandle;
  let zcc: ZoomCcClient;
  const exchanges: Exchange[] = [];
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const cache = new Map<string, ValidateFunction>();

  const specOp = (op: OperationSpec): Json => spec.paths[op.pathTemplate]?.[op.method.toLowerCase()];
  const validator = (key: string, schema: unknown): ValidateFunction => {
    let v = cache.get(key);
    if (!v) {
      v = ajv.compile(toJsonSchema(schema) as object);
      cache.set(key, v);
    }
    return v;
  };
  const jsonSchemaOf = (node: unknown): unknown => ((node as Json | undefined)?.content as Json | undefined)?.['application/json'] && (((node as Json).content as Json)['application/json'] as Json).schema;

  beforeAll(async () => {
    spec = JSON.parse(fs.readFileSync(SPEC_PATH, 'utf8')) as typeof spec;
    emu = await startEmulator({
      port: 0,
      rateLimits: false,
      seed: seedWith(200, {
        licenses: { elite: 1 },
        ccUsers: [
          { email: emailOf(0), role: 'Supervisor', package: 'premium', queues: ['Sales'] },
          { email: emailOf(1), queues: ['Sales', 'Support'] },
        ],
      }),
    });
    const capture = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      const url = new URL(String(input));
      if (!url.pathname.startsWith('/v2/')) return res;
      const rel = url.pathname.slice(3);
      const method = init?.method ?? 'GET';
      const op = byPath.find((o) => o.method === method && templateRegex(o.pathTemplate).test(rel));
      const text = await res.clone().text();
      if (op) {
        exchanges.push({
          op, method, query: url.searchParams, status: res.status,
          requestBody: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
          responseBody: text ? JSON.parse(text) : undefined,
        });
      }
      return res;
    }) as typeof fetch;
    zcc = clientFor(emu, { fetchImpl: capture });
    await exerciseEverything(zcc, emu);
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('every operation zcc-sync uses is in the spec, with the rate-limit label the client uses', () => {
    for (const op of OPS) {
      const o = specOp(op);
      expect({ op: op.name, found: !!o }).toEqual({ op: op.name, found: true });
      const label = /Rate Limit Label[^`]*`(\w+)`/.exec(String(o.description))?.[1];
      expect({ op: op.name, label: label?.toLowerCase() }).toEqual({ op: op.name, label: op.label });
    }
  });

  it('exercised every operation with a 2xx answer', () => {
    const ok = new Set(exchanges.filter((e) => e.status < 300).map((e) => e.op.name));
    expect(OPS.map((o) => o.name).filter((n) => !ok.has(n))).toEqual([]);
  });

  it('the client\'s request bodies validate against the operation\'s requestBody schema', () => {
    const failures: unknown[] = [];
    let checked = 0;
    for (const e of exchanges) {
      if (e.requestBody === undefined) continue;
      const schema = jsonSchemaOf(specOp(e.op).requestBody);
      expect({ op: e.op.name, hasSchema: !!schema }).toEqual({ op: e.op.name, hasSchema: true });
      const v = validator(`${e.op.name}:request`, schema);
      checked++;
      if (!v(e.requestBody)) failures.push({ op: e.op.name, body: e.requestBody, errors: v.errors });
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('the client\'s query parameters are declared by the spec and within its limits', () => {
    const failures: unknown[] = [];
    for (const e of exchanges) {
      const params = (specOp(e.op).parameters as Json[] | undefined) ?? [];
      for (const [name, value] of e.query) {
        const p = params.find((x) => x.name === name && x.in === 'query');
        if (!p) {
          failures.push({ op: e.op.name, undeclared: name });
          continue;
        }
        const schema = toJsonSchema(p.schema) as Json;
        // Arrays travel as comma-separated lists; integers as text.
        const parsed = schema.type === 'array' ? value.split(',') : schema.type === 'integer' ? Number(value) : value;
        const v = validator(`${e.op.name}:query:${name}`, schema);
        if (!v(parsed)) failures.push({ op: e.op.name, name, value, errors: v.errors });
      }
    }
    expect(failures).toEqual([]);
  });

  it('the emulator\'s success bodies validate against the operation\'s response schema', () => {
    const failures: unknown[] = [];
    let checked = 0;
    for (const e of exchanges) {
      if (e.status >= 300) continue;
      const declared = (specOp(e.op).responses as Json)[String(e.status)];
      expect({ op: e.op.name, status: e.status, declared: !!declared }).toEqual({ op: e.op.name, status: e.status, declared: true });
      const schema = jsonSchemaOf(declared);
      if (!schema) {
        // 204: no body
        if (e.responseBody !== undefined) failures.push({ op: e.op.name, status: e.status, unexpectedBody: e.responseBody });
        continue;
      }
      const v = validator(`${e.op.name}:${e.status}`, schema);
      checked++;
      if (!v(e.responseBody)) failures.push({ op: e.op.name, status: e.status, errors: v.errors?.slice(0, 5) });
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('the emulator\'s error answers use a documented status and Zoom\'s error body', () => {
    const failures: unknown[] = [];
    const deviations = new Set<string>();
    const v = ajv.compile(ERROR_SCHEMA);
    const errors = exchanges.filter((e) => e.status >= 400);
    for (const e of errors) {
      if (!v(e.responseBody)) failures.push({ op: e.op.name, status: e.status, body: e.responseBody, errors: v.errors });
      // 401 and 429 may come from any operation; the others must be documented for the operation.
      const documented = Object.keys(specOp(e.op).responses as Json);
      if ([401, 429].includes(e.status) || documented.includes(String(e.status))) continue;
      const key = `${e.op.name} ${e.status}/${(e.responseBody as Json | undefined)?.code}`;
      if (KNOWN_DEVIATIONS.has(key)) deviations.add(key);
      else failures.push({ op: e.op.name, undocumentedStatus: e.status, body: e.responseBody });
    }
    if (deviations.size) console.warn(`zoom-conformance: known emulator choices outside the spec's status list: ${[...deviations].join('; ')}`);
    expect(failures).toEqual([]);
    expect(errors.length).toBeGreaterThan(5);
  });
});

/** Calls every operation (typed methods and batching helpers), including some expected errors. */
async function exerciseEverything(zcc: ZoomCcClient, emu: EmulatorHandle): Promise<void> {
  const ignore = () => undefined;
  const roles = await zcc.resolveRoles(['Agent', 'Supervisor']);
  const queues = await zcc.resolveQueues(['Sales', 'Support', 'Billing']);
  const agent = roles.get('Agent')!;
  const sup = roles.get('Supervisor')!;

  // users
  const u = await zcc.createUser({
    user_email: emailOf(10), role_id: agent, package_name: 'premium', country_iso_code: 'US', user_access: 'active',
    client_integration: 'Default', channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 50 }, concurrent_message_capacity: 3 },
  });
  await zcc.createUser({ user_email: emailOf(10), role_id: agent }).catch(ignore); // 1007
  await zcc.createUser({ user_email: 'outsider@else.org', role_id: agent }).catch(ignore); // 1004
  await zcc.batchCreateUsers(Array.from({ length: 20 }, (_, i) => ({ user_email: emailOf(20 + i), role_id: agent, package_name: 'essentials' as const })));
  await createUsers(zcc, Array.from({ length: 30 }, (_, i) => ({ user_email: emailOf(50 + i), role_id: agent })));
  await createUsers(zcc, [emailOf(90), emailOf(91)].map((e) => ({ user_email: e, role_id: agent, package_name: 'elite' as const }))); // 290010
  await zcc.getUser(u.user_id);
  await zcc.getUser('AAAAAAAAAAAAAAAAAAAAAA').catch(ignore); // 404/300
  await collect(zcc.listUsers({ page_size: 10 }));
  await collect(zcc.listUsers({ search_key: emailOf(20), user_access: 'active' }));
  await zcc.updateUser(u.user_id, { user_access: 'inactive', region_id: undefined, channel_settings: { concurrent_email_capacity: 2 } });
  await zcc.updateUser('AAAAAAAAAAAAAAAAAAAAAA', { user_access: 'active' }).catch(ignore); // 1001
  const u20 = await zcc.getUser(emailOf(20));
  await updateUsers(zcc, [
    { email: emailOf(20), userId: u20.user_id, body: { package_name: 'premium', role_id: sup, user_access: 'active', country_iso_code: 'GB' } },
    { email: 'gone@example.com', userId: 'BBBBBBBBBBBBBBBBBBBBBB', body: { user_access: 'inactive' } },
  ]);
  await collect(zcc.listUserQueues((await zcc.getUser(emailOf(1))).user_id));
  await zcc.deleteUser((await zcc.getUser(emailOf(39))).user_id);
  await zcc.deleteUser('AAAAAAAAAAAAAAAAAAAAAA').catch(ignore); // 1001
  const refs = await Promise.all([35, 36, 37].map(async (i) => ({ email: emailOf(i), userId: (await zcc.getUser(emailOf(i))).user_id })));
  await deleteUsers(zcc, [...refs, { email: 'nobody@example.com', userId: 'CCCCCCCCCCCCCCCCCCCCCC' }]);
  await zcc.batchDeleteUsers({ emails: [emailOf(34)] });

  // roles
  await collect(zcc.listRoles());
  await collect(zcc.listRoleUsers(agent));
  await zcc.assignRoleUsers(sup, [emailOf(21), u.user_id]);
  await assignRole(zcc, sup, [{ email: emailOf(22) }, { email: emailOf(23) }]);
  await zcc.unassignRoleUser(sup, (await zcc.getUser(emailOf(21))).user_id);

  // queues
  await collect(zcc.listQueues());
  await collect(zcc.listQueueAgents(queues.get('Sales')!));
  await zcc.assignQueueAgents(queues.get('Billing')!, [emailOf(24), u.user_id]);
  await assignToQueue(zcc, queues.get('Support')!, [{ email: emailOf(25) }, { email: emailOf(26) }]);
  await zcc.assignQueueAgents(queues.get('Billing')!, ['ZZZZZZZZZZZZZZZZZZZZZZ']).catch(ignore); // 1001
  const u24 = await zcc.getUser(emailOf(24));
  await zcc.removeQueueAgent(queues.get('Billing')!, u24.user_id);
  await removeFromQueue(zcc, queues.get('Billing')!, [{ email: emailOf(24), userId: u24.user_id }]); // 1201
  expect((await emu.state()).users.length).toBeGreaterThan(40);
}
