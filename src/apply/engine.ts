/**
 * The apply engine: runs the ops of one chunk (≤ chunkSize users of one op kind) against ZCC.
 * Reconciles and admin jobs both apply through it.
 *
 * Idempotent by construction: only ops still `pending` in the store are sent, each chunk's
 * outcomes are written as soon as its API calls return, and Zoom's "already exists" / "does not
 * exist" answers count as success where that is the goal. A retried or replayed chunk therefore
 * repeats no write that already succeeded.
 *
 * A chunk ends by queueing the email of each of its users whose ops in the run are now all
 * settled (src/mail/notifier.ts), so a user hears of their change when it is made.
 */
import type { OpKind } from '../domain/types';
import type { ChunkResult } from '../domain/runs';
import type { Notifier } from '../mail/notifier';
import { metrics } from '../metrics/events';
import type { Store } from '../store/db';
import { loadNames } from '../store/facts';
import { chunkOps, setOpStatus, usersNotCreated, type OpRow } from '../store/ops';
import { recordChunkOutcomes } from '../store/outcomes';
import { knownUserIds } from '../store/snapshots';
import { countCalls, type UserOutcome, type ZoomCcClient } from '../zoom';
import { sendOps } from './send-ops';

export interface ApplyChunkInput {
  runId: string;
  kind: OpKind;
  chunk: number;
  actor: string;
  /** Reconcile runs adopt the desired users they update; admin jobs do not. */
  adopt?: boolean;
}

export interface ApplyDeps {
  db: Store;
  zoom: ZoomCcClient;
  notify: Pick<Notifier, 'usersSettled'>;
  /** Progress of the chunk; called while calls wait on the rate governor too. */
  heartbeat(details: { kind: OpKind; chunk: number; done: number; of: number }): void;
}

/** How often a chunk reports progress while its calls run (a dead worker is noticed that soon). */
const BEAT_MS = 5_000;

export async function applyChunk(deps: ApplyDeps, input: ApplyChunkInput): Promise<ChunkResult> {
  const { db, zoom } = deps;
  const { runId, kind, chunk } = input;
  const rows = await chunkOps(db, runId, kind, chunk);
  if (kind === 'queueAdd') await skipUsersNotCreated(db, runId, rows);
  const pending = rows.filter((r) => r.status === 'pending');
  const result: ChunkResult = { kind, chunk, ops: rows.length, outcomes: {}, calls: {}, licenseExhausted: false };
  // Ops finished by an earlier attempt still count in this chunk's tally.
  for (const r of rows) if (r.status !== 'pending') bump(result, r.status);
  const settleUsers = () => deps.notify.usersSettled({ runId, emails: rows.map((r) => r.email) });
  // A retry of a chunk whose ops were all recorded: its users' emails may not be queued yet.
  if (pending.length === 0) {
    await settleUsers();
    return result;
  }

  const names = await loadNames(db, runId);
  const ids = await knownUserIds(db, runId, pending.map((r) => r.email));
  const beat = (done: number) => deps.heartbeat({ kind, chunk, done, of: pending.length });
  beat(0);
  const timer = setInterval(() => beat(0), BEAT_MS);
  // Calls are counted per chunk (not per process): other chunks may run at the same time.
  let outcomes: Map<number, UserOutcome>;
  try {
    ({ value: outcomes, calls: result.calls } = await countCalls(() => sendOps(zoom, kind, pending, names, ids)));
  } finally {
    clearInterval(timer);
  }
  const settled = pending.map((op) => {
    const o = outcomes.get(op.seq) ?? { email: op.email, outcome: 'failed', error: { message: 'no outcome recorded' } };
    return { op, outcome: o.outcome, error: o.error ? o.error.message : null, userId: o.userId ?? ids.get(op.email) ?? null, displayName: o.displayName ?? null };
  });
  await recordChunkOutcomes(db, { runId, actor: input.actor, kind, adoptOnUpdate: input.adopt ?? false, settled });
  // Counted once stored: a retry of this chunk sends (and counts) only ops still pending.
  countOutcomes(kind, settled.map((s) => s.outcome));
  for (const o of outcomes.values()) {
    bump(result, o.outcome);
    if (o.outcome === 'license_exhausted') result.licenseExhausted = true;
  }
  // Users whose last op this was get their email now, while other chunks wait on the rate limit.
  await settleUsers();
  beat(pending.length);
  return result;
}

/**
 * A user whose create failed in this run (not a Zoom user, no license left) has no ZCC profile to
 * add to a queue: their queue ops are skipped rather than sent to fail (or to fail a whole batch).
 */
async function skipUsersNotCreated(db: Store, runId: string, rows: OpRow[]): Promise<void> {
  const emails = [...new Set(rows.filter((r) => r.status === 'pending').map((r) => r.email))];
  if (emails.length === 0) return;
  const notCreated = await usersNotCreated(db, runId, emails);
  if (notCreated.size === 0) return;
  const skipped = rows.filter((r) => r.status === 'pending' && notCreated.has(r.email));
  for (const r of skipped) {
    r.status = 'skipped';
    r.error = 'no ZCC license: the create of this user failed in this run';
  }
  await setOpStatus(db, runId, skipped.map((r) => r.seq), 'skipped', 'no ZCC license: the create of this user failed in this run');
  metrics.opsSettled('queueAdd', 'skipped', skipped.length);
}

/** The metrics' ops counter (and license exhaustion), per outcome. */
function countOutcomes(kind: OpKind, outcomes: string[]): void {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  for (const [outcome, n] of counts) metrics.opsSettled(kind, outcome, n);
}

function bump(result: ChunkResult, outcome: string) {
  const key = outcome as keyof ChunkResult['outcomes'];
  result.outcomes[key] = (result.outcomes[key] ?? 0) + 1;
}
