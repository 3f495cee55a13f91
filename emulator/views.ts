/**
 * Rows → Zoom's response objects, with the field sets the spec gives each operation (API.md §1.2,
 * §1.3, §1.4, §2). Unset optional settings are left out rather than sent as null (the spec types
 * them as strings); channel_settings is always an object and add_ons_plan always an array.
 */
import { REGION_NAME, type State, type UserRow } from './state';

export const STATUS_NAMES: Record<string, string> = { '0': 'Offline', '1': 'Ready', '2': 'Not Ready', '3': 'Occupied' };
export const SUB_STATUS_NAMES: Record<string, string> = { '20': 'Break', '21': 'Meal', '22': 'Training', '23': 'Meeting', '24': 'End Shift', '25': 'Forced' };

/** Who "modified" things, in list items: a fixed admin id of the emulated account. */
export const ADMIN_ID = 'emulatorAdmin000000001';

type Variant = 'get' | 'list' | 'create' | 'batchCreate';

export function userObject(state: State, r: UserRow, variant: Variant): Record<string, unknown> {
  const role = state.roleOf(r.role_seq);
  const o: Record<string, unknown> = {
    user_id: r.user_id,
    display_name: r.display_name,
    user_email: r.email,
    role_id: role.roleId,
    role_name: role.name,
  };
  if (r.country_iso_code) o.country_iso_code = r.country_iso_code;
  if (r.client_integration) o.client_integration = r.client_integration;
  if (r.client_integration_name && variant !== 'list') o.client_integration_name = r.client_integration_name;
  o.status_id = r.status_id;
  o.status_name = STATUS_NAMES[r.status_id] ?? 'Offline';
  if ((variant === 'get' || variant === 'list') && r.sub_status_id) {
    o.sub_status_id = r.sub_status_id;
    o.sub_status_name = SUB_STATUS_NAMES[r.sub_status_id];
  }
  o.user_access = r.user_access;
  if (variant === 'list') {
    o.modified_by = ADMIN_ID;
    o.last_modified_time = r.modified_at;
  }
  if (variant !== 'batchCreate') {
    o.region_id = state.regionId;
    o.region_name = REGION_NAME;
  }
  o.channel_settings = JSON.parse(r.channel_settings);
  o.package_name = r.package;
  o.add_ons_plan = JSON.parse(r.add_ons_plan);
  return o;
}

export function roleUserObject(r: UserRow): Record<string, unknown> {
  return { user_id: r.user_id, display_name: r.display_name, user_email: r.email };
}

export function agentObject(state: State, r: UserRow, optInOut: number): Record<string, unknown> {
  const role = state.roleOf(r.role_seq);
  return {
    user_id: r.user_id,
    display_name: r.display_name,
    user_email: r.email,
    role_id: role.roleId,
    role_name: role.name,
    status_id: r.status_id,
    status_name: STATUS_NAMES[r.status_id] ?? 'Offline',
    user_access: r.user_access,
    opt_in_out_status: optInOut,
  };
}
