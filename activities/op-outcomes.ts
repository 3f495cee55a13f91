/**
 * Writes what one chunk's API calls did: op statuses, the audit trail and the record of users
 * zcc-sync manages, in one transaction, so a crash leaves either all or none of it.
 */
import type { Knex } from 'knex';
import type { OpKind } from '../src/domain/types';
import { chunk, type UserOutcome } from '../src/zoom';
import type { ActivityDeps } from './index';
import { rememberNotZoomUser } from './not-zoom-users';
import { insertInSlices } from './run-store';

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

/**
 * One chunk's outcomes in one transaction, in a handful of set-based statements (not three per
 * op): at 100k users the per-op statements were most of the worker's CPU.
 */
export async function recordOutcomes(deps: Pick<ActivityDeps, 'db'>, input: RecordInput): Promise<void> {
  const now = new Date().toISOString();
  const settled = input.rows.map((op) => {
    const o: UserOutcome = input.outcomes.get(op.seq) ?? { email: op.email, outcome: 'failed', error: { message: 'no outcome recorded' } };
    return { op, o, error: o.error ? o.error.message : null, userId: o.userId ?? input.ids.get(op.email) ?? null };
  });
  await deps.db.transaction(async (trx) => {
    // Op statuses: one UPDATE per distinct (outcome, error).
    const byResult = new Map<string, { status: string; error: string | null; seqs: number[] }>();
    for (const { op, o, error } of settled) {
      const key = `${o.outcome}\u0000${error ?? ''}`;
      const group = byResult.get(key) ?? byResult.set(key, { status: o.outcome, error, seqs: [] }).get(key)!;
      group.seqs.push(op.seq);
    }
    for (const g of byResult.values()) {
      await trx('ops').where({ run_id: input.runId }).whereIn('seq', g.seqs).update({ status: g.status, error: g.error, updated_at: now });
    }
    await insertInSlices(trx, 'audit', settled.map(({ op, o, error }) => ({
      run_id: input.runId, actor: input.actor, email: op.email, op: op.kind, before: op.before, after: op.after, result: o.outcome, error, at: now,
    })), 100);
    for (const { op, o } of settled) if (op.kind === 'create' && o.outcome === 'not_zoom_user') await rememberNotZoomUser(trx, op.email, now);

    // Managed users, from the ops that took effect.
    const ok = settled.filter(({ o }) => SUCCESS.has(o.outcome));
    const managedRow = (email: string, userId: string | null) => ({ email, user_id: userId, provisioned_by: input.runId, provisioned_at: now, deactivated_at: null, removed_at: null });
    const emailsOf = (kind: string, pred: (after: Record<string, unknown>) => boolean = () => true) =>
      ok.filter(({ op }) => op.kind === kind && pred(JSON.parse(op.after ?? '{}')));
    const reactivates = (after: Record<string, unknown>) => after.access === 'active';

    // A create (re)starts management: clear any old deactivation or removal.
    for (const part of chunk(emailsOf('create'), 100)) {
      await trx('managed_users').insert(part.map(({ op, userId }) => managedRow(op.email, userId))).onConflict('email').merge(['user_id', 'deactivated_at', 'removed_at']);
    }
    if (input.adoptOnUpdate) {
      // A desired user updated by a reconcile is managed from now on; a reactivation clears the grace clock.
      for (const [pred, cols] of [[reactivates, ['user_id', 'deactivated_at']], [(a: Record<string, unknown>) => !reactivates(a), ['user_id']]] as const) {
        for (const part of chunk(emailsOf('update', pred), 100)) {
          await trx('managed_users').insert(part.map(({ op, userId }) => managedRow(op.email, userId))).onConflict('email').merge([...cols]);
        }
      }
    } else {
      await updateManaged(trx, emailsOf('update', reactivates).map(({ op }) => op.email), { deactivated_at: null });
    }
    await updateManaged(trx, emailsOf('deactivate').map(({ op }) => op.email), { deactivated_at: now });
    await updateManaged(trx, emailsOf('remove').map(({ op }) => op.email), { removed_at: now });
  });
}

async function updateManaged(trx: Knex.Transaction, emails: string[], values: Record<string, string | null>): Promise<void> {
  for (const part of chunk(emails, 500)) await trx('managed_users').whereIn('email', part).update(values);
}
