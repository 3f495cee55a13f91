/**
 * What one apply chunk's API calls did, written in one transaction: op statuses, the audit trail,
 * "not a Zoom user" facts, the record of users zcc-sync manages and the ZCC mirror
 * (src/store/zcc-mirror.ts), so a crash leaves either all or none of it. Set-based statements (not three per op): at 100k users the per-op statements
 * were most of the worker's CPU.
 */
import type { Store } from './db';
import { addAuditEntries } from './audit';
import { rememberNotZoomUser } from './facts';
import { markManagedUsers, upsertManagedUsers } from './managed-users';
import { SUCCESS_STATUSES, setOpStatus, type OpRow } from './ops';
import { applyOpsToZccMirror } from './zcc-mirror';
import type { OpKind } from '../domain/types';
import { groupBy } from '../util/group-by';

/** One op's outcome as the apply engine settled it. */
export interface SettledOp {
  op: OpRow;
  outcome: string;
  error: string | null;
  /** The user's ZCC id when known (from the call, the snapshot or the managed record). */
  userId: string | null;
  /** ZCC's display name of a user the op created, when the call answered it. */
  displayName?: string | null;
}

export interface ChunkOutcomes {
  runId: string;
  actor: string;
  kind: OpKind;
  settled: SettledOp[];
  /** Reconcile: a desired user that zcc-sync updates becomes managed (adoption, re-joiners).
   *  Admin edits do not make a user managed: only an assign does. */
  adoptOnUpdate: boolean;
}

export async function recordChunkOutcomes(db: Store, input: ChunkOutcomes): Promise<void> {
  const at = new Date().toISOString();
  const { runId, settled } = input;
  await db.transaction(async (trx) => {
    // Op statuses: one UPDATE per distinct (outcome, error).
    for (const group of groupBy(settled, (s) => `${s.outcome}\u0000${s.error ?? ''}`).values()) {
      await setOpStatus(trx, runId, group.map((s) => s.op.seq), group[0].outcome, group[0].error);
    }
    await addAuditEntries(trx, settled.map(({ op, outcome, error }) => ({
      runId, actor: input.actor, email: op.email, op: op.kind, before: op.before, after: op.after, result: outcome, error, at,
    })));
    for (const { op, outcome } of settled) if (op.kind === 'create' && outcome === 'not_zoom_user') await rememberNotZoomUser(trx, op.email, at);

    // Managed users, from the ops that took effect.
    const ok = settled.filter((s) => SUCCESS_STATUSES.includes(s.outcome));
    const reactivates = (after: Record<string, unknown>) => after.access === 'active';
    const of = (kind: OpKind, pred: (after: Record<string, unknown>) => boolean = () => true) =>
      ok.filter(({ op }) => op.kind === kind && pred(JSON.parse(op.after ?? '{}'))).map(({ op, userId }) => ({ email: op.email, userId }));
    const emails = (users: Array<{ email: string }>) => users.map((u) => u.email);

    // A create (re)starts management: clear any old deactivation or removal.
    await upsertManagedUsers(trx, of('create'), runId, at, ['user_id', 'deactivated_at', 'removed_at']);
    if (input.adoptOnUpdate) {
      // A desired user updated by a reconcile is managed from now on; a reactivation clears the grace clock.
      await upsertManagedUsers(trx, of('update', reactivates), runId, at, ['user_id', 'deactivated_at']);
      await upsertManagedUsers(trx, of('update', (a) => !reactivates(a)), runId, at, ['user_id']);
    } else {
      await markManagedUsers(trx, emails(of('update', reactivates)), { deactivated_at: null });
    }
    await markManagedUsers(trx, emails(of('deactivate')), { deactivated_at: at });
    await markManagedUsers(trx, emails(of('remove')), { removed_at: at });

    // The ZCC mirror moves with every op that took effect.
    await applyOpsToZccMirror(trx, runId, ok.map(({ op, userId, displayName }) => ({
      kind: op.kind, email: op.email, before: JSON.parse(op.before ?? '{}'), after: JSON.parse(op.after ?? '{}'), userId, displayName,
    })), at);
  });
}
