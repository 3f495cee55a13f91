/**
 * Is reconciling stale? The first thing an operator of a sync tool wants to know is that sync
 * silently stopped (an expired credential, a dead worker): "no reconcile completed within
 * `alerts.staleAfter`" (default 3 × the schedule's interval, 3 h without one). Used by the
 * worker's alarm and metric, and by `zcc-sync status`.
 */
import type { Config } from '../config/schema';
import type { Store } from '../store/db';
import { firstReconcile, lastCompletedReconcile } from '../store/runs';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DEFAULT_STALE_AFTER_MS = 3 * UNIT_MS.h;

/** Milliseconds of a duration such as 30s, 15m, 6h, 1d (the config's format). */
export function durationMs(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration such as 30s, 15m or 1h`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export function staleAfterMs(config: Pick<Config, 'alerts' | 'schedule'>): number {
  if (config.alerts.staleAfter) return durationMs(config.alerts.staleAfter);
  if (config.schedule.every) return 3 * durationMs(config.schedule.every);
  return DEFAULT_STALE_AFTER_MS;
}

export interface Staleness {
  /** When the last reconcile completed (ISO), or null when none ever did. */
  lastSuccessAt: string | null;
  lastSuccessRunId: string | null;
  /** Milliseconds since then, or since the first reconcile was attempted when none ever completed (null: none attempted). */
  ageMs: number | null;
  staleAfterMs: number;
  /**
   * No reconcile completed within staleAfterMs (counting from the first attempt when none ever
   * did). A store with no reconcile at all is not stale: nothing was ever scheduled to run.
   */
  stale: boolean;
}

export async function reconcileStaleness(db: Store, config: Pick<Config, 'alerts' | 'schedule'>, now: Date): Promise<Staleness> {
  const last = await lastCompletedReconcile(db);
  const limit = staleAfterMs(config);
  const at = last?.finished_at ?? null;
  const since = at ?? (await firstReconcile(db))?.created_at ?? null;
  const ageMs = since ? now.getTime() - Date.parse(since) : null;
  return { lastSuccessAt: at, lastSuccessRunId: last?.id ?? null, ageMs, staleAfterMs: limit, stale: ageMs !== null && ageMs > limit };
}
