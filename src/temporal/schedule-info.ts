/**
 * What a Temporal Schedule says of itself, in the shape the CLI prints and the console shows:
 * paused or not, its interval as the config writes it (30s, 15m), the next and the recent runs.
 */
import { ScheduleNotFoundError, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';

export interface ScheduleInfo {
  scheduleId: string;
  paused: boolean;
  every: string[];
  cron: string[];
  nextRuns: string[];
  recentRuns: Array<{ at: string; workflowId: string }>;
  skippedOverlaps: number;
}

export function infoOf(id: string, d: ScheduleDescription): ScheduleInfo {
  return {
    scheduleId: id,
    paused: d.state.paused,
    every: d.spec.intervals?.map((i) => String(i.every)) ?? [],
    cron: (d.spec.calendars ?? []).map((c) => c.comment ?? JSON.stringify(c)),
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.slice(-5).map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    skippedOverlaps: d.info.numActionsSkippedOverlap,
  };
}

/** The client describes an interval in milliseconds: shown as the config writes it (30s, 15m). */
export function durationText(every: string): string {
  const ms = Number(every);
  if (!Number.isFinite(ms)) return every;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export async function describeIfExists(handle: ScheduleHandle): Promise<ScheduleDescription | null> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}
