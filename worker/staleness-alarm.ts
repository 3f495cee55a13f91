/**
 * The staleness alarm: when no reconcile has completed within `alerts.staleAfter`, the admins
 * (`email.admins`) are emailed once; when one completes again, once more ("recovered").
 *
 * The worker checks on a timer (every 30 s). "Once" holds across restarts and several workers
 * through the outbox's dedupe key (workflow id, recipient, event):
 *   - the alarm's workflow id names the success it follows, `zcc-sync-stale:<run id of the last
 *     completed reconcile>` (`…:none` when none ever completed), so a silence after a given
 *     success raises one alarm however many checks (and workers) see it;
 *   - its all-clear uses the same workflow id with the event `reconcileRecovered`: one per alarm.
 * An alarm has recovered when a reconcile newer than the success it names has completed; only
 * the last few completed reconciles' alarms are looked up (by workflow id, indexed), so a check
 * costs a few small queries whatever the size of the outbox.
 * A dead worker cannot email: the Prometheus alert rules in deploy/ cover that case.
 */
import type { Config } from '../src/config/schema';
import type { Logger } from '../src/log/logger';
import type { Mailer } from '../src/mail/mailer';
import { adminMails, deliver, enqueue } from '../src/mail/outbox';
import { reconcileRecovered, reconcileStale } from '../src/mail/templates';
import { reconcileStaleness } from '../src/runs/staleness';
import type { Store } from '../src/store/db';
import { workflowsWithEvent } from '../src/store/outbox';
import { getRun, recentCompletedReconciles } from '../src/store/runs';

export const STALE_EVENT = 'reconcileStale';
export const RECOVERED_EVENT = 'reconcileRecovered';
/** How often the worker checks (tests pass a shorter interval). */
export const STALENESS_CHECK_MS = 30_000;
/** Completed reconciles whose alarms a check looks up: more than can complete between two checks. */
const RECOVERY_LOOKBACK = 10;

export interface StalenessAlarmDeps {
  db: Store;
  config: Config;
  mailer: Mailer;
  logger: Logger;
}

export type StalenessCheck = 'stale' | 'recovered' | 'ok';

const ALARM_PREFIX = 'zcc-sync-stale:';

/** The alarm's workflow id (its dedupe scope): the success the silence follows. */
export function alarmId(lastSuccessRunId: string | null): string {
  return `${ALARM_PREFIX}${lastSuccessRunId ?? 'none'}`;
}

/** One check: raises the alarm, or its all-clear, when due (each at most once, see above). */
export async function checkStaleness(deps: StalenessAlarmDeps, now = new Date()): Promise<StalenessCheck> {
  const { db, config } = deps;
  const s = await reconcileStaleness(db, config, now);
  if (s.stale) {
    const id = alarmId(s.lastSuccessRunId);
    const mail = reconcileStale({ lastSuccessAt: s.lastSuccessAt, lastSuccessRunId: s.lastSuccessRunId, ageMs: s.ageMs ?? 0, staleAfterMs: s.staleAfterMs });
    const queued = await enqueue(db, adminMails(config.email, id, STALE_EVENT, mail), config.email);
    if (queued.inserted > 0) deps.logger.warn({ lastSuccessAt: s.lastSuccessAt, ageMs: s.ageMs, staleAfterMs: s.staleAfterMs }, 'no reconcile completed within alerts.staleAfter: admins alerted');
    await send(deps, id);
    return 'stale';
  }
  if (!s.lastSuccessRunId || !s.lastSuccessAt) return 'ok';

  // Alarms that named an older success (or none): a newer one has completed since.
  const [, ...older] = await recentCompletedReconciles(db, RECOVERY_LOOKBACK);
  const candidates = [...older, null].map(alarmId);
  const raised = await workflowsWithEvent(db, candidates, STALE_EVENT);
  if (raised.length === 0) return 'ok';
  const cleared = new Set(await workflowsWithEvent(db, raised, RECOVERED_EVENT));
  const open = raised.filter((id) => !cleared.has(id));
  for (const id of open) {
    const previousId = id.slice(ALARM_PREFIX.length);
    const previous = previousId !== 'none' ? await getRun(db, previousId) : undefined;
    const mail = reconcileRecovered({ completedAt: s.lastSuccessAt, runId: s.lastSuccessRunId, previousSuccessAt: previous?.finished_at ?? null });
    await enqueue(db, adminMails(config.email, id, RECOVERED_EVENT, mail), config.email);
    deps.logger.info({ runId: s.lastSuccessRunId }, 'a reconcile completed again: admins told');
  }
  // Rows of earlier checks whose delivery failed (relay down) are retried here too.
  for (const id of raised) await send(deps, id);
  return open.length > 0 ? 'recovered' : 'ok';
}

async function send(deps: StalenessAlarmDeps, workflowId: string): Promise<void> {
  const r = await deliver(deps.db, deps.mailer, { workflowId });
  if (r.failed || r.unknown || r.relayError) deps.logger.warn({ workflowId, ...r }, 'staleness email not delivered (retried at the next check)');
}

/** Checks now and every `everyMs` until stopped; a failed check is logged and tried again. */
export function startStalenessAlarm(deps: StalenessAlarmDeps, everyMs = STALENESS_CHECK_MS): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return; // a slow check (store busy) is not stacked on
    running = checkStaleness(deps)
      .catch((err: unknown) => deps.logger.warn({ err }, 'staleness check failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running; // the store closes after this check
    },
  };
}
