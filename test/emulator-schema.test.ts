/**
 * The emulator's answers validate against Zoom's own response schemas in openapi.json, with
 * no field the schema does not name (additionalProperties turned off for the check).
 * Skips, saying why, when the spec file is not there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describeIf } from './support/ci';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { startEmulator, type EmulatorHandle } from '../emulator';
import { apiClient, baseSeed } from './emulator-support';

const SPEC = path.resolve(__dirname, '../../shared/zoom-cc/openapi.json');
const present = existsSync(SPEC);
const maybe = describeIf(present, 'emulator-schema.test.ts', `${SPEC} is absent, so the emulator's answers cannot be checked against Zoom's schema`, 'put shared/zoom-cc/openapi.json beside the checkout (CI copies shared/ there)');

/** A copy of the schema where every object with `properties` refuses other fields. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'example' ? v : closed(v);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

maybe('emulator answers match openapi.json', () => {
  let emu: EmulatorHandle;
  let call: ReturnType<typeof apiClient>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let spec: any;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(SPEC, 'utf8'));
    emu = await startEmulator({ port: 0, seed: baseSeed(), rateLimits: false });
    call = apiClient(emu);
  });
  afterAll(async () => {
    await emu?.close();
  });

  function check(template: string, method: string, status: number, body: unknown, requestBody?: unknown): void {
    const op = spec.paths[template][method.toLowerCase()];
    if (requestBody !== undefined) {
      const reqSchema = op.requestBody.content['application/json'].schema;
      const okReq = ajv.validate(closed(reqSchema) as object, requestBody);
      expect({ op: `${method} ${template} request`, errors: okReq ? null : ajv.errors }).toEqual({ op: `${method} ${template} request`, errors: null });
    }
    const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
    expect(schema).toBeDefined();
    const ok = ajv.validate(closed(schema) as object, body);
    expect({ op: `${method} ${template}`, errors: ok ? null : ajv.errors }).toEqual({ op: `${method} ${template}`, errors: null });
    expect(ajv.validate(closed(schema) as object, { ...(body as object), not_in_the_spec: 1 })).toBe(false); // the check has teeth
  }

  it('users', async () => {
    const s = await emu.state();
    const agent = s.roles.find((r) => r.name === 'Agent')!.roleId;
    await call('PATCH', '/contact_center/users/ann@example.com', { status_id: '2', sub_status_id: '21', country_iso_code: 'US', client_integration: 'Zendesk', client_integration_name: 'zd' });

    const list = await call('GET', '/contact_center/users?page_size=1');
    check('/contact_center/users', 'GET', 200, list.body);
    const one = await call('GET', `/contact_center/users/${list.body.users[0].user_id}`);
    check('/contact_center/users/{userId}', 'GET', 200, one.body);
    const createBody = {
      user_email: 'cat@example.com',
      role_id: agent,
      package_name: 'elite',
      country_iso_code: 'US',
      client_integration: 'Default',
      client_integration_name: 'x',
      channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 2, email_max_agent_load: 3 }, concurrent_message_capacity: 1, concurrent_email_capacity: 1 },
      add_ons_plan: ['ai_expert_assist'],
    };
    const created = await call('POST', '/contact_center/users', createBody);
    check('/contact_center/users', 'POST', 201, created.body, createBody);
    const batchBody = { users: [{ user_email: 'dan@example.com', role_id: agent, package_name: 'essentials', user_access: 'active', add_ons_plan: ['ai_expert_assist'] }] };
    const batch = await call('POST', '/contact_center/users/batch', batchBody);
    check('/contact_center/users/batch', 'POST', 201, batch.body, batchBody);
    const queues = await call('GET', '/contact_center/users/bob@example.com/queues');
    check('/contact_center/users/{userId}/queues', 'GET', 200, queues.body);
  });

  it('roles', async () => {
    const roles = await call('GET', '/contact_center/roles');
    check('/contact_center/roles', 'GET', 200, roles.body);
    const roleId = roles.body.roles[1].role_id;
    check('/contact_center/roles/{roleId}/users', 'GET', 200, (await call('GET', `/contact_center/roles/${roleId}/users`)).body);
    const body = { user_ids: ['ann@example.com'] };
    check('/contact_center/roles/{roleId}/users', 'POST', 201, (await call('POST', `/contact_center/roles/${roleId}/users`, body)).body, body);
  });

  it('queues', async () => {
    const queues = await call('GET', '/contact_center/queues');
    check('/contact_center/queues', 'GET', 200, queues.body);
    const id = queues.body.queues[0].cc_queue_id;
    check('/contact_center/queues/{queueId}/agents', 'GET', 200, (await call('GET', `/contact_center/queues/${id}/agents?page_size=1`)).body);
    const body = { user_ids: ['ann@example.com', 'bob@example.com'] };
    check('/contact_center/queues/{queueId}/agents', 'POST', 201, (await call('POST', `/contact_center/queues/${id}/agents`, body)).body, body);
  });
});
