/**
 * The end of a reconcile or plan run: its report on the run row, the users' and admins' emails
 * queued, and — for a completed apply — what the next runs build on: the directory size the
 * shrink guard compares with, and the users this run adopted.
 */
import { countRunFinished } from '../metrics/runs';
import type { RunEnd } from '../runs/report';
import { runReportOf } from '../runs/report';
import type { RunServices } from '../runs/services';
import { getRun, finishRunRow, parseSummary, type RunReport, type RunScope } from '../store/runs';
import { countRunFailures, usersWithFailedOps } from '../store/ops';
import { getFact, loadAdoptionFacts, loadRunMarker, putFact } from '../store/facts';
import { forgetMirrorUsers, replaceMirror, updateMirror } from '../store/mirror';
import { hasPendingLeavers, updatePendingLeavers } from '../store/pending-leavers';
import { recordAdoptions } from '../store/managed-users';
import { inTransaction, type StoreOrTx } from '../store/db';
import { desiredStateFingerprint } from './config-fingerprint';

export interface FinishReconcileInput extends RunEnd {
  mode: 'plan' | 'apply';
}

export async function finishReconcile(deps: Pick<RunServices, 'db' | 'notify' | 'config'>, input: FinishReconcileInput): Promise<RunReport> {
  const { db, notify } = deps;
  const run = await getRun(db, input.runId);
  const report = runReportOf(input, run ? parseSummary(run) : null, await countRunFailures(db, input.runId));
  const kind = input.mode === 'plan' ? 'plan' : 'reconcile';
  await finishRunRow(db, { id: input.runId, workflowId: input.workflowId, kind, trigger: run?.trigger ?? 'unknown', status: input.status, report });
  // Delta and on-demand runs are counted apart: they are many, short, and not the safety net.
  countRunFinished(run, run && run.scope !== 'full' ? run.scope : kind, report);

  if (input.mode === 'apply' && input.status !== 'skipped') {
    await notify.userChanges({ runId: input.runId });
    // Delta and on-demand runs are many: the admins hear of those that failed something, not of each.
    const quiet = run?.scope !== undefined && run.scope !== 'full' && report.status === 'completed' && report.failures === 0;
    if (!quiet) await notify.runReport({ runId: input.runId, workflowId: input.workflowId, result: report });
  }
  if (input.mode === 'apply' && input.status === 'completed') {
    if (run?.directory_users != null) await putFact(db, 'lastGoodDirectoryUsers', run.directory_users);
    const facts = await loadAdoptionFacts(db, input.runId);
    if (facts) await inTransaction(db, (trx) => recordAdoptions(trx, input.runId, facts));
    await inTransaction(db, (trx) => commitDirectoryMirror(trx, input.runId, run?.scope ?? 'full', desiredStateFingerprint(deps.config)));
  }
  return report;
}

/**
 * What delta runs build on: the directory this run applied becomes the mirror, and its change
 * marker the point the next delta reads from (an on-demand run leaves the marker). Users whose
 * change failed are left out of the mirror, and leavers whose change failed are kept as pending
 * leavers, so the next delta that runs plans them again.
 */
async function commitDirectoryMirror(trx: StoreOrTx, runId: string, scope: RunScope, config: string): Promise<void> {
  if (scope === 'full') await replaceMirror(trx, runId);
  else await updateMirror(trx, runId);
  const failed = await usersWithFailedOps(trx, runId);
  await forgetMirrorUsers(trx, failed);
  await updatePendingLeavers(trx, runId, scope, failed);
  const stored = await getFact(trx, 'directoryMarker');
  const marker = scope === 'sync' ? stored?.marker : await loadRunMarker(trx, runId);
  if (!marker) return;
  const now = Date.now();
  // Still owed a retry: this run's failures, leavers failed earlier, or (an on-demand run plans
  // only its named users) whatever the retry already pending was for.
  const owed = failed.length > 0 || (await hasPendingLeavers(trx)) || (scope === 'sync' && stored?.retry !== undefined);
  const attempts = owed ? (stored?.retry?.attempts ?? 0) + 1 : 0;
  const retry = attempts > 0 ? { attempts, at: new Date(now + retryDelayMs(attempts)).toISOString() } : undefined;
  const base = scope === 'sync' && stored ? stored : { marker, runId, at: new Date(now).toISOString(), config };
  await putFact(trx, 'directoryMarker', { ...base, ...(retry ? { retry } : { retry: undefined }) });
}

/** At once after the first failure, then 1, 2, 4 … minutes, at most an hour: an outage is not hammered. */
export function retryDelayMs(attempts: number): number {
  return attempts <= 1 ? 0 : Math.min(60_000 * 2 ** (attempts - 2), 3_600_000);
}
