/** A ZCC user as the planner sees it (ActualUser), from the API's user object. */
import type { ActualUser } from '../domain/types';
import type { ZoomCcUser } from '../zoom';

/** The settings fields zcc-sync compares; empty values count as "not set". */
const SETTINGS_FIELDS = ['country_iso_code', 'client_integration', 'client_integration_name', 'region_id', 'channel_settings'] as const;

export function settingsOf(u: ZoomCcUser): ActualUser['settings'] {
  const fields = u as unknown as Record<string, unknown>;
  const s: Record<string, unknown> = {};
  for (const k of SETTINGS_FIELDS) if (fields[k] !== undefined && fields[k] !== null && fields[k] !== '') s[k] = fields[k];
  return s as ActualUser['settings'];
}

/** Queues are filled in by the caller from the agent lists of the queues it reads. */
export function actualUserOf(u: ZoomCcUser): ActualUser {
  return {
    email: u.user_email.toLowerCase(),
    userId: u.user_id,
    displayName: u.display_name ?? '',
    roleName: u.role_name ?? '',
    packageName: (u.package_name ?? null) as ActualUser['packageName'],
    access: u.user_access === 'inactive' ? 'inactive' : 'active',
    queues: [],
    settings: settingsOf(u),
  };
}
