/**
 * The first step of a delta or on-demand run: which users it plans and what the directory says of
 * them, written to the store as the run's scope and directory snapshot. The later steps are a full
 * run's (plan, guards, apply, report), reading the ZCC state of the scope only.
 *
 *   delta:     is the directory's change marker where the last applied run left it? (one LDAP
 *              round trip: an idle poll ends here, with no run and no Zoom call) — else the
 *              membership of the mapped groups and the users changed since the marker, compared
 *              with the mirror (src/store/mirror.ts): only users who differ are planned.
 *   on demand: the named users, as the directory has them now.
 *
 * A run's scope holds each affected user's email now and the email the mirror knew them by, so
 * a changed email plans the old address as a leaver and the new one as a joiner; a delta's scope
 * also holds the leavers whose change failed before (src/store/pending-leavers.ts).
 */
import { InputError } from '../domain/errors';
import { desiredStateFingerprint } from './config-fingerprint';
import type { DirectoryUser } from '../domain/types';
import { DirectoryError, connectDirectory } from '../ldap/connect';
import { normalizeDn } from '../ldap/dn';
import { compareMarkers, readChangeMarker, readDirectoryChanges, readNamedUsers, markerText, type ChangeMarker, type DirectoryChanges } from '../ldap/changes';
import type { RunServices } from '../runs/services';
import { inTransaction } from '../store/db';
import { getFact, putFact, saveRunMarker } from '../store/facts';
import { addRunScope, countEnabledMirrorUsers, mirrorUsersOf, readMirror, runScope, type MirrorUser } from '../store/mirror';
import { pendingLeavers } from '../store/pending-leavers';
import { createRun, getRun, recordDirectoryUsers, type RunScope } from '../store/runs';
import { metrics } from '../metrics/events';
import { addDirectoryUsers, clearDirectorySnapshot } from '../store/snapshots';
import { replaceRunWarnings } from '../store/warnings';

export interface ScopedRunStart {
  runId: string;
  workflowId: string;
  temporalRunId: string;
  trigger: string;
}

export type DeltaPoll =
  /** Nothing that concerns ZCC changed. */
  | { outcome: 'idle'; detail: string }
  /** Another reconcile is writing: this poll changes nothing (the next one sees the changes). */
  | { outcome: 'busy'; detail: string }
  /** A delta cannot be computed (no applied run yet, another domain controller): run a full reconcile. */
  | { outcome: 'full'; detail: string }
  | { outcome: 'run'; runId: string; users: number };

type Deps = Pick<RunServices, 'db' | 'config' | 'logger'> & { otherActiveReconcile: (runId: string) => Promise<string | null> };

const mappedGroups = (deps: Deps) => [...new Set(deps.config.mappings.map((m) => m.group))];

/** A delta poll: ends idle, busy or "run a full reconcile", or starts a delta run with its scope. */
export async function pollDirectoryChanges(deps: Deps, start: ScopedRunStart): Promise<DeltaPoll> {
  const t0 = performance.now();
  const poll = await pollOnce(deps, start);
  metrics.deltaPoll(poll.outcome, (performance.now() - t0) / 1000);
  return poll;
}

async function pollOnce(deps: Deps, start: ScopedRunStart): Promise<DeltaPoll> {
  const { db, config, logger } = deps;
  const stored = await getFact(db, 'directoryMarker');
  if (!stored) return { outcome: 'full', detail: 'no reconcile has applied yet, so there is nothing to compare the directory with' };
  if (stored.config !== desiredStateFingerprint(config)) {
    return { outcome: 'full', detail: 'the mappings, exclusions or directory settings changed since the last applied run: only a full run applies them to everyone' };
  }
  const busy = await deps.otherActiveReconcile(start.runId);
  if (busy) return { outcome: 'busy', detail: `another reconcile (${busy}) is running` };

  const now = compareMarkers(stored.marker, await directoryCall(() => currentMarker(deps)));
  // Users whose change failed are missing from the mirror: once due, compare even if nothing moved.
  const retryDue = stored.retry !== undefined && Date.parse(stored.retry.at) <= Date.now();
  if (now.kind === 'idle' && !retryDue) return { outcome: 'idle', detail: `no change since ${markerText(stored.marker)}` };
  if (now.kind === 'full') return { outcome: 'full', detail: now.reason };

  const mirror = await readMirror(db);
  const byDn = new Map(mirror.map((u) => [normalizeDn(u.dn), u] as const));
  const changes: DirectoryChanges = await directoryCall(() => readDirectoryChanges(config.directory, mappedGroups(deps), logger, stored.marker, byDn, { force: retryDue }));
  if (changes.kind === 'idle') return { outcome: 'idle', detail: `no change since ${markerText(stored.marker)}` };
  if (changes.kind === 'full') return { outcome: 'full', detail: changes.reason };
  const leavers = await pendingLeavers(db);
  if (changes.changed.length === 0 && changes.gone.length === 0 && leavers.length === 0) {
    // Changes the contact center does not see (a password, a non-member): move the marker on, no run.
    await putFact(db, 'directoryMarker', { ...stored, marker: changes.marker, at: new Date().toISOString(), retry: undefined });
    return { outcome: 'idle', detail: `the directory changed since ${markerText(stored.marker)}, but no member of a mapped group differs` };
  }
  const users = await writeScopedRun(deps, start, 'delta', {
    users: changes.changed,
    earlierEmails: [...changes.changed.map((u) => byDn.get(normalizeDn(u.dn))?.email), ...changes.gone.map((u) => u.email), ...leavers],
    warnings: changes.warnings,
    marker: changes.marker,
    mirror,
    enabledInMirror: mirror.filter((u) => !u.disabled).length,
  });
  logger.info({ runId: start.runId, users, changed: changes.changed.length, gone: changes.gone.length, pendingLeavers: leavers.length, ...changes.stats }, 'delta: directory changes found');
  return { outcome: 'run', runId: start.runId, users };
}

/**
 * An on-demand run of the users the CLI put in the run's scope. Returns `busy` when another
 * reconcile is writing (no run was recorded: the caller may try again).
 */
export async function prepareUserSync(deps: Deps, start: ScopedRunStart): Promise<{ users: number; notFound: string[] } | { busy: string }> {
  const { db, config, logger } = deps;
  const busy = await deps.otherActiveReconcile(start.runId);
  if (busy) return { busy: `another reconcile (${busy}) is running; try again when it has finished` };
  const requested = await runScope(db, start.runId);
  if (requested.length === 0) throw new InputError(`run ${start.runId}: no user to sync (the CLI writes them before it starts the run)`);
  // Only the mirror rows of the named users: an on-demand run must not cost what the directory weighs.
  const known = await mirrorUsersOf(db, requested, []);
  const found = await directoryCall(() => readNamedUsers(config.directory, mappedGroups(deps), logger, requested, new Map(known.map((u) => [normalizeDn(u.dn), u] as const))));
  const earlier = await mirrorUsersOf(db, requested, found.users.map((u) => u.dn));
  const users = await writeScopedRun(deps, start, 'sync', {
    users: found.users,
    earlierEmails: [...requested, ...earlier.map((u) => u.email)],
    warnings: found.warnings,
    // An on-demand run reads named users, not the change stream: the delta's marker stays put.
    marker: null,
    mirror: earlier,
    enabledInMirror: await countEnabledMirrorUsers(db),
  });
  return { users, notFound: found.notFound };
}

interface ScopedSnapshot {
  users: DirectoryUser[];
  earlierEmails: Array<string | undefined>;
  warnings: Array<{ code: string; subject?: string; message: string }>;
  marker: ChangeMarker | null;
  /** Mirror rows of (at least) the users this run replaces. */
  mirror: MirrorUser[];
  /** Enabled users in the whole mirror. */
  enabledInMirror: number;
}

/** The run row, its scope, its directory snapshot and warnings, and the directory size for the guards. */
async function writeScopedRun(deps: Deps, start: ScopedRunStart, scope: RunScope, s: ScopedSnapshot): Promise<number> {
  const emails = new Set<string>([...s.users.map((u) => u.email), ...s.earlierEmails.filter((e): e is string => typeof e === 'string')]);
  const isNew = !(await getRun(deps.db, start.runId));
  await inTransaction(deps.db, async (trx) => {
    await createRun(trx, { id: start.runId, workflowId: start.workflowId, temporalRunId: start.temporalRunId, kind: 'reconcile', trigger: start.trigger, status: 'planning', scope });
    await clearDirectorySnapshot(trx, start.runId);
    await addDirectoryUsers(trx, start.runId, s.users);
    await addRunScope(trx, start.runId, emails);
    await replaceRunWarnings(trx, start.runId, s.warnings);
    await saveRunMarker(trx, start.runId, s.marker);
    await recordDirectoryUsers(trx, start.runId, enabledAfter(s));
  });
  if (isNew) metrics.runStarted(scope);
  return emails.size;
}

/** Enabled members once this run's users replace their mirror rows: what the shrink guard compares. */
function enabledAfter(s: ScopedSnapshot): number {
  const replaced = new Set([...s.users.map((u) => u.email), ...s.earlierEmails]);
  const leaving = s.mirror.filter((u) => !u.disabled && replaced.has(u.email)).length;
  return s.enabledInMirror - leaving + s.users.filter((u) => !u.disabled).length;
}

async function currentMarker(deps: Deps): Promise<ChangeMarker | null> {
  const client = await connectDirectory(deps.config.directory, deps.logger);
  try {
    return await readChangeMarker(client, deps.config.directory);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** A wrong password, a missing group or a bad filter will not heal by retrying: fail now. */
async function directoryCall<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DirectoryError && !err.retryable) throw new InputError(`directory: ${err.message}`);
    throw err;
  }
}
