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
import { loadAdoptionFacts, loadRunMarker, putFact } from '../store/facts';
import { forgetMirrorUsers, replaceMirror, updateMirror } from '../store/mirror';
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
    await notify.runReport({ runId: input.runId, workflowId: input.workflowId, result: report });
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
 * change failed are left out of the mirror, so the next delta that runs plans them again.
 */
async function commitDirectoryMirror(trx: StoreOrTx, runId: string, scope: RunScope, config: string): Promise<void> {
  if (scope === 'full') await replaceMirror(trx, runId);
  else await updateMirror(trx, runId);
  await forgetMirrorUsers(trx, await usersWithFailedOps(trx, runId));
  const marker = scope === 'sync' ? null : await loadRunMarker(trx, runId);
  if (marker) await putFact(trx, 'directoryMarker', { marker, runId, at: new Date().toISOString(), config });
}
