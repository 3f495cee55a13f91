/**
 * Shape checks of request bodies (types, enums, ranges) → 400 code 300 "Validation Failed." with
 * one `{field, message}` per problem. Checks that need the state (role exists, capacity, …) are
 * in routes/users.ts. Fields an operation does not take are ignored, as Zoom ignores unknown
 * fields: e.g. channel_settings in a batch update item (absent from that schema) changes nothing.
 */
import type { FieldError } from './errors';
import { PACKAGES, type PackageName, type UserAccess } from './types';

export const CLIENT_INTEGRATIONS = ['Default', 'Salesforce', 'Zendesk', 'ServiceNow', 'Microsoft_Dynamics_365'];

export interface ChannelSettings {
  multi_channel_engagements?: { enable?: boolean; max_agent_load?: number; email_max_agent_load?: number };
  concurrent_message_capacity?: number;
  concurrent_email_capacity?: number;
}

export interface SettingsInput {
  role_id?: string;
  template_id?: string;
  user_access?: UserAccess;
  package_name?: PackageName;
  country_iso_code?: string;
  client_integration?: string;
  client_integration_name?: string;
  region_id?: string;
  channel_settings?: ChannelSettings;
  add_ons_plan?: string[];
  status_id?: string;
  sub_status_id?: string;
}

export type SettingField = keyof SettingsInput;

/** Which settings each operation takes (openapi.json request schemas). */
export const FIELDS: Record<'create' | 'batchCreate' | 'update' | 'batchUpdate', SettingField[]> = {
  create: ['role_id', 'template_id', 'user_access', 'package_name', 'country_iso_code', 'client_integration', 'client_integration_name', 'region_id', 'channel_settings', 'add_ons_plan'],
  batchCreate: ['role_id', 'template_id', 'user_access', 'package_name', 'country_iso_code', 'client_integration', 'client_integration_name', 'channel_settings', 'add_ons_plan'],
  update: ['role_id', 'template_id', 'user_access', 'package_name', 'country_iso_code', 'client_integration', 'client_integration_name', 'region_id', 'channel_settings', 'add_ons_plan', 'status_id', 'sub_status_id'],
  batchUpdate: ['role_id', 'template_id', 'user_access', 'package_name', 'country_iso_code', 'client_integration', 'client_integration_name', 'add_ons_plan', 'status_id', 'sub_status_id'],
};

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads and type-checks the settings of one body or batch item. Empty strings count as absent. */
export function readSettings(body: Record<string, unknown>, fields: SettingField[], prefix: string, errors: FieldError[]): SettingsInput {
  const out: SettingsInput = {};
  const bad = (f: string, message: string) => errors.push({ field: prefix + f, message });
  for (const f of fields) {
    const v = body[f];
    if (v === undefined || v === null || v === '') continue;
    switch (f) {
      case 'role_id':
      case 'template_id':
      case 'client_integration_name':
      case 'region_id':
      case 'country_iso_code':
        if (typeof v !== 'string') bad(f, 'Must be a string.');
        else out[f] = v;
        break;
      case 'user_access':
        if (v !== 'active' && v !== 'inactive') bad(f, 'Must be one of: active, inactive.');
        else out.user_access = v;
        break;
      case 'package_name': {
        // Case-insensitive: the batch-update schema capitalises the enum, its example does not.
        const p = typeof v === 'string' ? (v.toLowerCase() as PackageName) : undefined;
        if (!p || !PACKAGES.includes(p)) bad(f, 'Must be one of: essentials, premium, elite.');
        else out.package_name = p;
        break;
      }
      case 'client_integration':
        if (typeof v !== 'string' || !CLIENT_INTEGRATIONS.includes(v)) bad(f, `Must be one of: ${CLIENT_INTEGRATIONS.join(', ')}.`);
        else out.client_integration = v;
        break;
      case 'add_ons_plan':
        if (!Array.isArray(v) || v.some((x) => x !== 'ai_expert_assist')) bad(f, 'Must be an array of: ai_expert_assist.');
        else out.add_ons_plan = [...new Set(v as string[])];
        break;
      case 'status_id':
      case 'sub_status_id':
        if (typeof v !== 'string' && typeof v !== 'number') bad(f, 'Must be a string.');
        else out[f] = String(v);
        break;
      case 'channel_settings':
        out.channel_settings = readChannelSettings(v, prefix + f, errors);
        break;
    }
  }
  return out;
}

function readChannelSettings(v: unknown, path: string, errors: FieldError[]): ChannelSettings {
  const out: ChannelSettings = {};
  if (!isObject(v)) {
    errors.push({ field: path, message: 'Must be an object.' });
    return out;
  }
  const int = (x: unknown, min: number, max: number, field: string): number | undefined => {
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      errors.push({ field, message: `Must be an integer between ${min} and ${max}.` });
      return undefined;
    }
    return x;
  };
  const mce = v.multi_channel_engagements;
  if (mce !== undefined && mce !== null) {
    if (!isObject(mce)) errors.push({ field: `${path}.multi_channel_engagements`, message: 'Must be an object.' });
    else {
      const m: NonNullable<ChannelSettings['multi_channel_engagements']> = {};
      if (mce.enable !== undefined && mce.enable !== null) {
        if (typeof mce.enable !== 'boolean') errors.push({ field: `${path}.multi_channel_engagements.enable`, message: 'Must be a boolean.' });
        else m.enable = mce.enable;
      }
      const a = int(mce.max_agent_load, 1, 100, `${path}.multi_channel_engagements.max_agent_load`);
      if (a !== undefined) m.max_agent_load = a;
      const b = int(mce.email_max_agent_load, 1, 100, `${path}.multi_channel_engagements.email_max_agent_load`);
      if (b !== undefined) m.email_max_agent_load = b;
      out.multi_channel_engagements = m;
    }
  }
  const c = int(v.concurrent_message_capacity, 0, 20, `${path}.concurrent_message_capacity`);
  if (c !== undefined) out.concurrent_message_capacity = c;
  const d = int(v.concurrent_email_capacity, 0, 20, `${path}.concurrent_email_capacity`);
  if (d !== undefined) out.concurrent_email_capacity = d;
  return out;
}

/** Deep merge of channel settings: an update changes only the keys it names. */
export function mergeChannelSettings(current: ChannelSettings, patch: ChannelSettings): ChannelSettings {
  const out: ChannelSettings = { ...current, ...patch };
  if (patch.multi_channel_engagements || current.multi_channel_engagements) {
    out.multi_channel_engagements = { ...current.multi_channel_engagements, ...patch.multi_channel_engagements };
  }
  return out;
}

/** A list of user ids/emails in `{ user_ids: [...] }` (role and queue assignment), max `max`. */
export function readUserIds(body: unknown, max: number, errors: FieldError[]): string[] {
  if (!isObject(body) || !Array.isArray(body.user_ids)) {
    errors.push({ field: 'user_ids', message: 'user_ids must be an array of user IDs or emails.' });
    return [];
  }
  const ids = body.user_ids;
  if (ids.length === 0) errors.push({ field: 'user_ids', message: 'user_ids cannot be empty.' });
  if (ids.length > max) errors.push({ field: 'user_ids', message: `This request supports a maximum of ${max} users per call.` });
  ids.forEach((x, i) => {
    if (typeof x !== 'string' || x.trim() === '') errors.push({ field: `user_ids[${i}]`, message: 'Must be a user ID or an email.' });
  });
  return errors.length ? [] : (ids as string[]).map((x) => x.trim());
}
