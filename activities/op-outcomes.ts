/**
 * Writes what one chunk's API calls did: op statuses, the audit trail and the record of users
 * zcc-sync manages, in one transaction, so a crash leaves either all or none of it.
 */
import type { OpKind } from '../src/domain/types';
import type { UserOutcome } from '../src/zoom';
import type { ActivityDeps } from './index';
import { rememberNotZoomUser } from './not-zoom-users';

export interface OpRow {
  run_id: string;
  seq: number;
  kind: OpKind;
  chunk: number;
  email: string;
  before: string | null;
  after: string | null;
  status: string;
  error: string | null;
}

export interface RecordInput {
  runId: string;
  actor: string;
  kind: OpKind;
  rows: OpRow[];
  outcomes: Map<number, UserOutcome>;
  ids: Map<string, string>;
  /** Reconcile: a desired user that zcc-sync updates becomes managed (adoption, re-joiners).
   *  Admin edits do not make a user managed: only an assign does. */
  adoptOnUpdate: boolean;
}

const SUCCESS = new Set(['done', 'already']);

export async function recordOutcomes(deps: Pick<ActivityDeps, 'db'>, input: RecordInput): Promise<void> {
  const now = new Date().toISOString();
  await deps.db.transaction(async (trx) => {
    for (const op of input.rows) {
      const o: UserOutcome = input.outcomes.get(op.seq) ?? { email: op.email, outcome: 'failed', error: { message: 'no outcome recorded' } };
      const error = o.error ? o.error.message : null;
      await trx('ops')
        .where({ run_id: input.runId, seq: op.seq })
        .update({ status: o.outcome, error, updated_at: now });
      await trx('audit').insert({
        run_id: input.runId,
        actor: input.actor,
        email: op.email,
        op: op.kind,
        before: op.before,
        after: op.after,
        result: o.outcome,
        error,
        at: now,
      });
      if (op.kind === 'create' && o.outcome === 'not_zoom_user') await rememberNotZoomUser(trx, op.email, now);
      if (!SUCCESS.has(o.outcome)) continue;
      const userId = o.userId ?? input.ids.get(op.email) ?? null;
      switch (op.kind) {
        case 'create':
          await trx('managed_users')
            .insert({ email: op.email, user_id: userId, provisioned_by: input.runId, provisioned_at: now, deactivated_at: null, removed_at: null })
            .onConflict('email')
            .merge({ user_id: userId, deactivated_at: null, removed_at: null });
          break;
        case 'update': {
          const after = JSON.parse(op.after ?? '{}');
          if (!input.adoptOnUpdate) {
            if (after.access === 'active') await trx('managed_users').where({ email: op.email }).update({ deactivated_at: null });
            break;
          }
          await trx('managed_users')
            .insert({ email: op.email, user_id: userId, provisioned_by: input.runId, provisioned_at: now, deactivated_at: null, removed_at: null })
            .onConflict('email')
            .merge(after.access === 'active' ? { user_id: userId, deactivated_at: null } : { user_id: userId });
          break;
        }
        case 'deactivate':
          await trx('managed_users').where({ email: op.email }).update({ deactivated_at: now });
          break;
        case 'remove':
          await trx('managed_users').where({ email: op.email }).update({ removed_at: now });
          break;
        default:
          break;
      }
    }
  });
}
