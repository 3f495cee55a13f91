/**
 * The whole check of an admin request before anything starts: the local checks (emails, fields,
 * CSV rows), then the role and queue names against ZCC. Problems name the field, the value and
 * the fix; the CLI prints them, the console shows them on the form.
 */
import type { ZoomCcClient } from '../zoom';
import { readCatalog } from './catalog';
import type { JobRequest } from './types';
import { checkRequest, resolveRequest, type RawRequest } from './validate';

export type CheckedJob = { request: JobRequest; problems: [] } | { request: null; problems: string[] };

export async function checkJob(raw: RawRequest, zoom: ZoomCcClient): Promise<CheckedJob> {
  const local = checkRequest(raw);
  if (local.problems.length) return { request: null, problems: local.problems };
  const { draft } = local;
  const needsCatalog = draft.roleNames.length > 0 || draft.queueNames.length > 0;
  const catalog = needsCatalog ? await readCatalog(zoom, { roles: draft.roleNames.length > 0, queues: draft.queueNames.length > 0 }) : { roles: [], queues: [] };
  const resolved = resolveRequest(draft, catalog);
  return resolved.problems.length ? { request: null, problems: resolved.problems } : { request: resolved.request, problems: [] };
}
