/**
 * The reconcile run's activities: begin, snapshot both sides, plan with guards, hold, finish.
 * Each reads and writes the store by run id and returns counts only.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { readDirectory } from '../src/ldap/snapshot';
import { DirectoryError } from '../src/ldap/connect';
import { desiredState } from '../src/reconcile/desired';
import { plan } from '../src/reconcile/plan';
import { evaluateGuards } from '../src/reconcile/guards';
import { type ActualUser, type DirectoryUser, type ManagedRecord, type Op, type OpKind } from '../src/domain/types';
import { chunk, itemsOf, ZoomInputError } from '../src/zoom';
import { actualUserOf } from '../src/reconcile/actual';
import { assignChunks } from '../src/reconcile/chunks';
import type { ActivityDeps } from './index';
import { getKv, insertInSlices, putKv, saveNames, setRunStatus } from './run-store';
import { deferNotZoomUsers, recentNotZoomUsers } from './not-zoom-users';
import { reportRun } from './report';
import type { ChunkTally, PlanResult, RunResult, RunStatus } from '../workflows/types';

const LAST_GOOD_DIRECTORY_USERS = 'lastGoodDirectoryUsers';

export function createReconcileActivities(deps: ActivityDeps) {
  const { db, config, logger, zoom } = deps;

  async function beginRun(input: { runId: string; workflowId: string; temporalRunId: string; mode: 'plan' | 'apply'; trigger: string }) {
    const now = new Date().toISOString();
    const existing = await db('runs').where({ id: input.runId }).first();
    if (!existing) {
      await db('runs').insert({
        id: input.runId,
        workflow_id: input.workflowId,
        temporal_run_id: input.temporalRunId,
        kind: input.mode === 'plan' ? 'plan' : 'reconcile',
        trigger: input.trigger,
        status: 'planning',
        created_at: now,
        updated_at: now,
      });
    }
    if (input.mode === 'apply') {
      const busy = await deps.otherActiveReconcile(input.runId);
      if (busy) return { proceed: false, reason: `another reconcile (${busy}) is running; this one changes nothing` };
    }
    return { proceed: true as const };
  }

  async function snapshotDirectory(input: { runId: string }) {
    const groups = [...new Set(config.mappings.map((m) => m.group))];
    if (groups.length === 0) throw inputError('mappings: no group is mapped; add at least one mapping (group, role, package) to the config');
    let snapshot: Awaited<ReturnType<typeof readDirectory>>;
    try {
      snapshot = await readDirectory(config.directory, groups, logger, (p) => Context.current().heartbeat(p));
    } catch (err) {
      // A wrong password, a missing group or a bad filter will not heal by retrying: fail now.
      if (err instanceof DirectoryError && !err.retryable) throw inputError(`directory: ${err.message}`);
      throw err;
    }
    const { users, warnings } = snapshot;
    await db.transaction(async (trx) => {
      await trx('directory_snapshot').where({ run_id: input.runId }).delete();
      await trx('run_warnings').where({ run_id: input.runId }).delete();
      await insertInSlices(trx, 'directory_snapshot', users.map((u: DirectoryUser) => ({
        run_id: input.runId, email: u.email, display_name: u.displayName, unique_id: u.uniqueId, dn: u.dn, groups: JSON.stringify(u.groups),
      })));
      await insertInSlices(trx, 'run_warnings', warnings.map((w: { code: string; subject?: string; message: string }) => ({
        run_id: input.runId, code: w.code, subject: w.subject ?? null, message: w.message,
      })));
      await trx('runs').where({ id: input.runId }).update({ directory_users: users.length, updated_at: new Date().toISOString() });
    });
    return { users: users.length, warnings: warnings.length };
  }

  async function snapshotContactCenter(input: { runId: string }) {
    const roleNames = [...new Set(config.mappings.map((m) => m.role))];
    const queueNames = [...new Set(config.mappings.flatMap((m) => m.queues))];
    let roles: Map<string, string>;
    let queues: Map<string, string>;
    try {
      roles = await zoom.resolveRoles(roleNames);
      queues = await zoom.resolveQueues(queueNames);
    } catch (err) {
      // An unknown role or queue name fails the run before any change.
      if (err instanceof ZoomInputError) throw inputError(`mappings: ${err.message}`);
      throw err;
    }
    await saveNames(db, input.runId, { roles: Object.fromEntries(roles), queues: Object.fromEntries(queues) });

    const users = new Map<string, ActualUser>();
    for await (const u of zoom.allUsers()) {
      const actual = actualUserOf(u);
      users.set(actual.email, actual);
      if (users.size % 3000 === 0) Context.current().heartbeat({ users: users.size });
    }
    // Queue membership is read from the mapped queues only: zcc-sync manages those, no others.
    for (const [name, id] of queues) {
      for await (const agent of itemsOf(zoom.listQueueAgents(id))) {
        const u = agent.user_email ? users.get(agent.user_email.toLowerCase()) : undefined;
        if (u) u.queues.push(name);
      }
    }
    for (const u of users.values()) u.queues.sort();
    await db.transaction(async (trx) => {
      await trx('cc_snapshot').where({ run_id: input.runId }).delete();
      await insertInSlices(trx, 'cc_snapshot', [...users.values()].map((u) => ({
        run_id: input.runId, email: u.email, user_id: u.userId, display_name: u.displayName, role_name: u.roleName,
        package_name: u.packageName, access: u.access, queues: JSON.stringify(u.queues), settings: JSON.stringify(u.settings),
      })));
    });
    return { users: users.size, queues: queues.size };
  }

  async function computePlan(input: { runId: string }): Promise<PlanResult> {
    const dirRows = await db('directory_snapshot').where({ run_id: input.runId });
    const directoryUsers: DirectoryUser[] = dirRows.map((r) => ({
      email: r.email, displayName: r.display_name ?? '', uniqueId: r.unique_id ?? '', dn: r.dn ?? '', groups: JSON.parse(r.groups),
    }));
    const desired = desiredState(directoryUsers, config.mappings);
    const actual = new Map<string, ActualUser>();
    for (const r of await db('cc_snapshot').where({ run_id: input.runId })) {
      actual.set(r.email, {
        email: r.email, userId: r.user_id, displayName: r.display_name ?? '', roleName: r.role_name ?? '',
        packageName: r.package_name ?? null, access: r.access, queues: JSON.parse(r.queues), settings: JSON.parse(r.settings ?? '{}'),
      });
    }
    const managed = await loadManaged(db);
    const mappedQueues = config.mappings.flatMap((m) => m.queues);
    const now = new Date();
    const planned = plan({ desired, actual, managed, policy: config.policy, now, mappedQueues });
    const recent = await recentNotZoomUsers(db, config.policy.retryNotZoomUsersAfterHours, now);
    const { ops, summary, deferred } = deferNotZoomUsers(planned.ops, planned.summary, recent);
    const result = { ...planned, ops, summary, warnings: [...planned.warnings] };
    if (deferred.length) {
      result.warnings.push(
        `${deferred.length} directory user(s) are not Zoom users (Zoom answered 1004); their license is tried again ${config.policy.retryNotZoomUsersAfterHours} h after the last try: ${deferred.slice(0, 10).join(', ')}${deferred.length > 10 ? ', …' : ''}`,
      );
    }
    // Recorded once the run completes: adopted users become managed even when they needed no op.
    await putKv(db, `adopt:${input.runId}`, { adopt: result.adopt, clearDeactivated: result.clearDeactivated });
    const chunks = await writeOps(db, input.runId, result.ops, config.policy.chunkSize);
    const lastGood = await getKv<number>(db, LAST_GOOD_DIRECTORY_USERS);
    const guard = evaluateGuards({
      directoryUsers: directoryUsers.length,
      lastGoodDirectoryUsers: lastGood,
      summary: result.summary,
      managedCount: managed.size,
      policy: config.policy,
    });
    const warningRows = await db('run_warnings').where({ run_id: input.runId }).count<{ n: number }[]>({ n: '*' });
    if (result.warnings.length) {
      await insertInSlices(db, 'run_warnings', result.warnings.map((message: string) => ({ run_id: input.runId, code: 'plan', subject: null, message })));
    }
    await db('runs').where({ id: input.runId }).update({
      summary: JSON.stringify(result.summary),
      warnings: JSON.stringify(guard.reasons),
      updated_at: new Date().toISOString(),
    });
    return {
      summary: result.summary,
      chunks,
      guard,
      directoryUsers: directoryUsers.length,
      warnings: Number(warningRows[0]?.n ?? 0) + result.warnings.length,
    };
  }

  async function holdRun(input: { runId: string; workflowId: string; reasons: string[] }) {
    await setRunStatus(db, input.runId, 'held', { warnings: JSON.stringify(input.reasons) });
    logger.warn({ runId: input.runId, reasons: input.reasons }, 'reconcile held for approval');
    await deps.notify.runHeld({ runId: input.runId, workflowId: input.workflowId, reasons: input.reasons });
  }

  async function recordDecision(input: { runId: string; approved: boolean; by: string }) {
    await db('audit').insert({
      run_id: input.runId, actor: input.by, email: '-', op: input.approved ? 'approve' : 'reject',
      before: null, after: null, result: 'done', error: null, at: new Date().toISOString(),
    });
  }

  async function finishRun(input: { runId: string; workflowId: string; status: RunStatus; error?: string; tally: ChunkTally; startedAtMs: number; mode: 'plan' | 'apply' }): Promise<Omit<RunResult, 'heldReasons'>> {
    const report = await reportRun(deps, input);
    if (input.status === 'completed' && input.mode === 'apply') {
      const row = await db('runs').where({ id: input.runId }).first();
      if (row?.directory_users != null) await putKv(db, LAST_GOOD_DIRECTORY_USERS, row.directory_users);
      await recordAdoptions(db, input.runId);
    }
    return report;
  }

  return {
    beginRun,
    snapshotDirectory,
    snapshotContactCenter,
    computePlan,
    holdRun,
    recordDecision,
    finishRun,
    deliverEmails: (input: { runId: string }) => deps.notify.deliver(input),
    setRunStatus: (input: { runId: string; status: RunStatus }) => setRunStatus(db, input.runId, input.status),
    approvalTimeoutHours: async () => config.policy.approvalTimeoutHours,
    applyConcurrency: async () => config.policy.concurrency,
  };
}

/** Writes planned ops with their chunk numbers (see src/reconcile/chunks.ts). */
export async function writeOps(db: Knex, runId: string, ops: Op[], chunkSize: number): Promise<Partial<Record<OpKind, number>>> {
  const planned = assignChunks(ops, chunkSize);
  const rows = planned.ops.map(({ op, kind, chunk }, seq) => ({
    run_id: runId, seq, kind, chunk, email: op.email,
    before: op.before ? JSON.stringify(op.before) : null, after: op.after ? JSON.stringify(op.after) : null, status: 'pending',
  }));
  await db.transaction(async (trx) => {
    await trx('ops').where({ run_id: runId }).delete();
    await insertInSlices(trx, 'ops', rows, 100);
  });
  return planned.chunks;
}

/** Adopted users become managed; reactivated-by-hand users lose their stale deactivation time. */
async function recordAdoptions(db: Knex, runId: string): Promise<void> {
  const facts = await getKv<{ adopt: string[]; clearDeactivated: string[] }>(db, `adopt:${runId}`);
  if (!facts) return;
  const now = new Date().toISOString();
  await db.transaction(async (trx) => {
    for (const email of facts.adopt) {
      const snap = await trx('cc_snapshot').where({ run_id: runId, email }).first();
      await trx('managed_users')
        .insert({ email, user_id: snap?.user_id ?? null, provisioned_by: runId, provisioned_at: now, deactivated_at: null, removed_at: null })
        .onConflict('email')
        .ignore();
    }
    for (const part of chunk(facts.clearDeactivated, 500)) await trx('managed_users').whereIn('email', part).update({ deactivated_at: null });
  });
}

async function loadManaged(db: Knex): Promise<Map<string, ManagedRecord>> {
  const managed = new Map<string, ManagedRecord>();
  for (const r of await db('managed_users').whereNull('removed_at')) {
    managed.set(r.email, { email: r.email, userId: r.user_id, deactivatedAt: r.deactivated_at });
  }
  return managed;
}

function inputError(message: string) {
  return ApplicationFailure.nonRetryable(message, 'InputError');
}
