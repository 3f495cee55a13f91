/**
 * The reconcile run's activities: begin, snapshot both sides, plan with guards, hold, finish.
 * Each reads and writes the store by run id and returns counts only.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { readDirectory } from '../src/ldap/snapshot';
import { DirectoryError } from '../src/ldap/connect';
import { evaluateGuards } from '../src/reconcile/guards';
import type { DirectoryUser } from '../src/domain/types';
import { chunk, ZoomInputError } from '../src/zoom';
import { actualUserOf } from '../src/reconcile/actual';
import type { ActivityDeps } from './index';
import { getKv, insertInSlices, pruneSnapshots, putKv, saveNames, setRunStatus } from './run-store';
import { reportRun } from './report';
import { planRun } from './plan-run';
import type { ChunkTally, PlanResult, RunResult, RunStatus } from '../src/domain/runs';

const LAST_GOOD_DIRECTORY_USERS = 'lastGoodDirectoryUsers';

export function createReconcileActivities(deps: ActivityDeps) {
  const { db, config, logger, zoom } = deps;

  async function beginRun(input: { runId: string; workflowId: string; temporalRunId: string; mode: 'plan' | 'apply'; trigger: string }) {
    const now = new Date().toISOString();
    const existing = await db('runs').where({ id: input.runId }).first();
    if (!existing) {
      await pruneSnapshots(db);
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
    // Users are written as the read hands them over (500 at a time), so the worker never holds
    // the whole snapshot twice; a retried activity starts by dropping what an earlier try wrote.
    await db('directory_snapshot').where({ run_id: input.runId }).delete();
    const writeUsers = (users: DirectoryUser[]) =>
      insertInSlices(db, 'directory_snapshot', users.map((u) => ({
        run_id: input.runId, email: u.email, display_name: u.displayName, unique_id: u.uniqueId, dn: u.dn, groups: JSON.stringify(u.groups),
      })));
    let snapshot: Awaited<ReturnType<typeof readDirectory>>;
    try {
      snapshot = await readDirectory(config.directory, groups, logger, (p) => Context.current().heartbeat(p), writeUsers);
    } catch (err) {
      // A wrong password, a missing group or a bad filter will not heal by retrying: fail now.
      if (err instanceof DirectoryError && !err.retryable) throw inputError(`directory: ${err.message}`);
      throw err;
    }
    const { userCount, warnings } = snapshot;
    await db.transaction(async (trx) => {
      await trx('run_warnings').where({ run_id: input.runId }).delete();
      await insertInSlices(trx, 'run_warnings', warnings.map((w: { code: string; subject?: string; message: string }) => ({
        run_id: input.runId, code: w.code, subject: w.subject ?? null, message: w.message,
      })));
      await trx('runs').where({ id: input.runId }).update({ directory_users: userCount, updated_at: new Date().toISOString() });
    });
    return { users: userCount, warnings: warnings.length };
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

    // Users and the mapped queues' agents (zcc-sync manages those queues, no others) are read at
    // the same time and written page by page: the reads are what a no-op run waits on (~1,470
    // pages at 100k users), and no list is ever held whole. Membership joins users at plan time.
    await clearContactCenterSnapshot(db, input.runId);
    let users = 0;
    let members = 0;
    const beat = () => Context.current().heartbeat({ users, members });
    const readUsers = async () => {
      for await (const page of zoom.listUsers()) {
        const rows = page.items.map(actualUserOf).map((u) => ({
          run_id: input.runId, email: u.email, user_id: u.userId, display_name: u.displayName, role_name: u.roleName,
          package_name: u.packageName, access: u.access, queues: '[]', settings: JSON.stringify(u.settings),
        }));
        // A user listed twice (the list moved while paging) is kept once.
        await insertInSlices(db, 'cc_snapshot', rows, 100, ['run_id', 'email']);
        users += rows.length;
        beat();
      }
    };
    const readAgents = async (queue: string, queueId: string) => {
      for await (const page of zoom.listQueueAgents(queueId)) {
        const rows = page.items.filter((a) => a.user_email).map((a) => ({ run_id: input.runId, email: (a.user_email as string).toLowerCase(), queue }));
        await insertInSlices(db, 'cc_queue_members', rows, 100, ['run_id', 'email', 'queue']);
        members += rows.length;
        beat();
      }
    };
    await Promise.all([readUsers(), ...[...queues].map(([name, id]) => readAgents(name, id))]);
    return { users, queues: queues.size, members };
  }

  /**
   * `applyIfClear`: a run that will apply and whose guards pass is marked `applying` here, which
   * saves the workflow a round trip before the first write.
   */
  async function computePlan(input: { runId: string; applyIfClear?: boolean }): Promise<PlanResult> {
    const result = await planRun(db, input.runId, config, new Date(), { onSlice: (users) => Context.current().heartbeat({ users }) });
    // Recorded once the run completes: adopted users become managed even when they needed no op.
    await putKv(db, `adopt:${input.runId}`, { adopt: result.adopt, clearDeactivated: result.clearDeactivated });
    const lastGood = await getKv<number>(db, LAST_GOOD_DIRECTORY_USERS);
    const guard = evaluateGuards({
      directoryUsers: result.directoryUsers,
      lastGoodDirectoryUsers: lastGood,
      summary: result.summary,
      managedCount: result.managedUsers,
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
      ...(input.applyIfClear && !guard.tripped ? { status: 'applying' } : {}),
    });
    return {
      summary: result.summary,
      chunks: result.chunks,
      guard,
      directoryUsers: result.directoryUsers,
      warnings: Number(warningRows[0]?.n ?? 0) + result.warnings.length,
      concurrency: config.policy.concurrency,
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

async function clearContactCenterSnapshot(db: Knex, runId: string): Promise<void> {
  await db('cc_snapshot').where({ run_id: runId }).delete();
  await db('cc_queue_members').where({ run_id: runId }).delete();
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

function inputError(message: string) {
  return ApplicationFailure.nonRetryable(message, 'InputError');
}
