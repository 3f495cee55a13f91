/**
 * `zcc-sync users explain EMAIL`: why this user has what they have. Reads the three sides for
 * one user — the directory (the mapped groups' read, with the nesting paths), ZCC (the user and
 * their mapped queues), the store (managed record, Zoom's 1004 answers, held runs, audit rows) —
 * and lets decide.ts say what the next reconcile does with them. Read-only: no workflow, no write.
 */
import type { Config } from '../config/schema';
import { DIRECTORY_PRESETS } from '../config/directory-types';
import { InputError } from '../domain/errors';
import type { Op } from '../domain/types';
import { DirectoryError, type DirectoryLogger } from '../ldap/connect';
import { recentNotZoomUsers } from '../reconcile/not-zoom-users';
import { streamAudit } from '../store/audit';
import type { Store } from '../store/db';
import { notZoomUsersSince } from '../store/facts';
import { managedUser } from '../store/managed-users';
import { opsOfUsers, type OpRow } from '../store/ops';
import { runsInStatus } from '../store/runs';
import type { ZoomCcClient } from '../zoom';
import { decide } from './decide';
import { readDirectoryEntry } from './directory-entry';
import type { Explanation, HeldRun, HistoryEntry } from './types';
import { readZccUser } from './zcc-state';

/** Audit rows kept for the explanation: the newest ones (a user's history is usually short). */
export const HISTORY_LIMIT = 500;

export interface ExplainDeps {
  config: Config;
  db: Store;
  zoom: ZoomCcClient;
  logger: DirectoryLogger;
}

/** `email` is already trimmed and lower-cased (the CLI checks it). */
export async function explainUser(deps: ExplainDeps, email: string, now: Date): Promise<Explanation> {
  const { config, db, zoom } = deps;
  const groups = [...new Set(config.mappings.map((m) => m.group))];
  const mappedQueues = config.mappings.flatMap((m) => m.queues);
  // The two remote reads are independent: at once.
  const [entry, actual] = await Promise.all([
    readDirectoryEntry(config.directory, groups, email, deps.logger).catch(rethrowAs('directory')),
    readZccUser(zoom, email, mappedQueues).catch(rethrowAs('cannot read Zoom Contact Center', 'check contactCenter in the config, or run `zcc-sync config check`')),
  ]);
  const managed = await managedUser(db, email);
  const recent = await recentNotZoomUsers(db, config.policy.retryNotZoomUsersAfterHours, now);
  const lastNotZoomUser = (await notZoomUsersSince(db, 0)).get(email) ?? null;
  const held = await heldRunsFor(db, email);
  const history = await historyOf(db, email);

  const user = entry.user;
  const d = decide({ email, user, actual, managed, mappings: config.mappings, policy: config.policy, recentNotZoomUsers: recent, lastNotZoomUser, held, now });
  const dir = config.directory;
  return {
    email,
    at: now.toISOString(),
    directory: {
      found: user !== null,
      dn: user?.dn ?? null,
      displayName: user?.displayName ?? null,
      uniqueId: user?.uniqueId ?? null,
      disabled: user?.disabled === true,
      disabledMeans: dir.disabledFilter ? `the entry matches directory.disabledFilter ${dir.disabledFilter}` : DIRECTORY_PRESETS[dir.type].disabledMeans,
      email: { attribute: entry.emailAttribute, value: entry.emailValue, rewrite: entry.rewrite },
      groups: entry.groups,
      warnings: entry.warnings,
    },
    mappings: d.mappings,
    desired: d.desired,
    zcc: actual,
    managed: managed && { provisionedBy: managed.provisionedBy, provisionedAt: managed.provisionedAt, deactivatedAt: managed.deactivatedAt, removedAt: managed.removedAt },
    excluded: d.excluded,
    notZoomUser: d.notZoomUser,
    held,
    next: { ops: d.ops, reasons: d.reasons },
    history: history.rows,
    historyTotal: history.total,
  };
}

/** Names the side a read failed on; bad input (InputError: a config mistake) keeps its type. */
function rethrowAs(side: string, fix?: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof InputError) throw err;
    // As a run does (src/reconcile/snapshot-directory.ts): a wrong password, a missing group or a
    // bad filter will not heal by retrying — the config needs fixing.
    if (err instanceof DirectoryError && !err.retryable) throw new InputError(`${side}: ${err.message}`);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${side}: ${message}${fix ? ` (fix: ${fix})` : ''}`, { cause: err });
  };
}

/** Reconciles held by a guard, with what each would do to this user once approved. */
async function heldRunsFor(db: Store, email: string): Promise<HeldRun[]> {
  const runs = await runsInStatus(db, 'reconcile', ['held'], '');
  const out: HeldRun[] = [];
  for (const run of runs.sort((a, b) => (a.created_at < b.created_at ? -1 : 1))) {
    const ops = (await opsOfUsers(db, run.id, [email])).map(opOf);
    out.push({ runId: run.id, since: run.created_at, reasons: run.warnings ? (JSON.parse(run.warnings) as string[]) : [], ops });
  }
  return out;
}

function opOf(r: OpRow): Op {
  return {
    email: r.email, kind: r.kind, before: r.before ? JSON.parse(r.before) : null, after: r.after ? JSON.parse(r.after) : null,
    ...(r.reason ? { reason: r.reason as Op['reason'] } : {}),
  };
}

/** The user's audit rows oldest first, streamed: only the newest HISTORY_LIMIT are kept. */
async function historyOf(db: Store, email: string): Promise<{ rows: HistoryEntry[]; total: number }> {
  const rows: HistoryEntry[] = [];
  let total = 0;
  for await (const r of streamAudit(db, { email })) {
    total++;
    rows.push({ id: r.id, at: r.at, runId: r.run_id, actor: r.actor, op: r.op, before: parseJson(r.before), after: parseJson(r.after), result: r.result, error: r.error });
    if (rows.length > HISTORY_LIMIT) rows.shift();
  }
  return { rows, total };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // written by hand or by an older version: shown as it is
  }
}
