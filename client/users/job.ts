/**
 * The write commands' common path (`users assign|edit|remove`):
 *   validate (locally, then names against ZCC) → confirm → store the request as a job →
 *   start `adminJobWorkflow` (workflow id = job id) → wait with the progress bar → per-user result.
 * Exit codes: 0 every user done or already so, 1 any failure, 2 bad input before anything ran.
 */
import * as fs from 'fs';
import { randomUUID } from 'crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { checkJob } from '../../src/admin/check-job';
import type { RawRequest } from '../../src/admin/validate';
import { jobIdFor, type ItemOutcome, type JobRequest, type JobResult } from '../../src/admin/types';
import type { Store } from '../../src/store/db';
import { jobItems, setJobStatus, storeJob } from '../../src/store/jobs';
import { adminJobWorkflow } from '../../workflows/admin-job';
import { confirm, errorText, loadConfigOrExit, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, fail, printJson, printLine, setExitCode, type ConfigOptions } from '../common';
import { waitWithProgress } from '../progress';
import { actorName, withSession } from '../session';
import { withZoom, zoomClient } from './zcc';

export interface WriteOptions extends ConfigOptions {
  file?: string;
  json?: boolean;
  yes?: boolean;
  wait: boolean;
  as?: string;
}

export interface ItemResult {
  email: string;
  outcome: ItemOutcome;
  error?: string;
  /** An "already so" user who differs from the request (assign), or why there was nothing to do. */
  note?: string;
}

const LABEL: Record<ItemOutcome, string> = { done: 'done', already: 'already so', not_zoom_user: 'not a Zoom user', failed: 'failed' };

/** Validation, confirmation, the job and the wait: the whole of a write command. */
export async function runWrite(raw: Omit<RawRequest, 'csv'>, opts: WriteOptions): Promise<void> {
  const { config } = loadConfigOrExit(opts);
  const request = await validate({ ...raw, csv: opts.file !== undefined ? readCsv(opts.file) : undefined }, config);

  if (!opts.yes && (raw.kind === 'remove' || raw.kind === 'assign')) {
    const tty = Boolean(process.stdin.isTTY);
    if (!tty && raw.kind === 'remove') fail(`users remove takes ZCC licenses away: pass --yes to confirm when not running in a terminal (${request.items.length} user(s) selected)`, EXIT_BAD_INPUT);
    if (tty && !(await confirm(`${question(request)} Type "yes" to continue: `))) {
      printLine('Cancelled; nothing changed.');
      return;
    }
  }

  await withSession(opts, async (s) => {
    const db = await s.store();
    const jobId = jobIdFor(request.kind, randomUUID());
    const actor = actorName(opts.as);
    await storeJob(db, jobId, actor, request);
    let handle: WorkflowHandle;
    try {
      handle = await s.client.workflow.start(adminJobWorkflow, { taskQueue: s.config.temporal.taskQueue, workflowId: jobId, args: [{ jobId }] });
    } catch (err) {
      await setJobStatus(db, jobId, 'not_started', true);
      fail(`could not start the ${request.kind} job: ${(err as Error).message}`, EXIT_FAILED);
    }
    if (!opts.wait) {
      if (opts.json) printJson({ workflowId: jobId, status: 'started', results: [] });
      else printLine(`Started ${request.kind} job ${jobId} for ${request.items.length} user(s). Follow it with \`zcc-sync runs show ${jobId}\`.`);
      return;
    }
    const outcome = await waitWithProgress<JobResult>(handle);
    const workflowError = outcome.kind === 'error' ? errorText(outcome.error) : undefined;
    const results = await readResults(db, jobId, workflowError);
    const status = outcome.kind === 'result' ? outcome.result.status : 'failed';
    const allGood = results.every((r) => r.outcome === 'done' || r.outcome === 'already');
    if (opts.json) printJson({ workflowId: jobId, status, results });
    else printResults(request.kind, jobId, status, results, outcome.kind === 'result' ? outcome.result : undefined, workflowError);
    setExitCode(status === 'completed' && allGood ? EXIT_OK : EXIT_FAILED);
  });
}

async function validate(raw: RawRequest, config: Parameters<typeof zoomClient>[0]): Promise<JobRequest> {
  const checked = await withZoom(() => checkJob(raw, zoomClient(config)));
  if (!checked.request) badInput(checked.problems);
  return checked.request;
}

function badInput(problems: string[]): never {
  const shown = problems.slice(0, 30);
  const more = problems.length - shown.length;
  const text = shown.length === 1 && more === 0 ? shown[0] : `${problems.length} problems, nothing was changed:\n${shown.map((p) => `  - ${p}`).join('\n')}${more > 0 ? `\n  … and ${more} more` : ''}`;
  fail(text, EXIT_BAD_INPUT);
}

function readCsv(file: string): { file: string; text: string } {
  try {
    return { file, text: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(`--file ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT_BAD_INPUT);
  }
}

export async function readResults(db: Store, jobId: string, workflowError?: string): Promise<ItemResult[]> {
  return (await jobItems(db, jobId)).map((r) => {
    const outcome = r.outcome ?? 'failed';
    const text = r.error ?? (r.outcome ? undefined : workflowError ?? 'not processed');
    if (!text) return { email: r.email, outcome };
    return outcome === 'failed' || outcome === 'not_zoom_user' ? { email: r.email, outcome, error: text } : { email: r.email, outcome, note: text };
  });
}

function printResults(kind: string, jobId: string, status: string, results: ItemResult[], result?: JobResult, workflowError?: string): void {
  const counts: Record<ItemOutcome, number> = { done: 0, already: 0, not_zoom_user: 0, failed: 0 };
  for (const r of results) counts[r.outcome]++;
  const took = result ? ` in ${(result.durationMs / 1000).toFixed(1)} s` : '';
  printLine(`${kind} ${jobId} ${status}${took}: ${(Object.keys(LABEL) as ItemOutcome[]).map((o) => `${counts[o]} ${LABEL[o]}`).join(', ')}`);
  if (workflowError) printLine(`  error: ${workflowError}`);
  const width = Math.max(...results.map((r) => r.email.length), 5);
  for (const r of results) {
    const why = r.error ?? r.note;
    printLine(`  ${r.email.padEnd(width)}  ${LABEL[r.outcome]}${why ? ` (${why})` : ''}`);
  }
}

function question(request: JobRequest): string {
  const n = request.items.length;
  const some = request.items.slice(0, 5).map((i) => i.email).join(', ') + (n > 5 ? `, … (+${n - 5} more)` : '');
  return request.kind === 'remove'
    ? `Remove the ZCC license of ${n} user(s): ${some}?`
    : `Assign a ZCC license (role ${request.params.role ?? 'per row'}) to ${n} user(s): ${some}?`;
}
