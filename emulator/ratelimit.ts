/**
 * Zoom's per-account rate limits for Contact Center (API.md §4): per label and plan, times the
 * time scale.
 *
 * Choices where Zoom's docs are silent (also in emulator/README.md):
 * - "N per second" is a token bucket per label holding at most N tokens (one second's worth)
 *   and refilling continuously at N per second. So a client that paces itself with a token bucket
 *   of the same (or smaller) size and rate is never refused, and a burst of N after a quiet second
 *   passes. With `timeScale` S, both are N × S (e.g. business Medium at S = 10: 200/s).
 * - Headers on every API answer: X-RateLimit-Category (Light|Medium|Heavy), X-RateLimit-Type
 *   (QPS), X-RateLimit-Limit (the scaled per-second limit), X-RateLimit-Remaining (whole tokens
 *   left). On a per-second 429, also X-RateLimit-Reset: the wall-clock unix second (rounded UP)
 *   by which a token is back — at a high time scale that is conservative; clients may retry sooner.
 * - Heavy also has a daily limit (15,000 pro / 30,000 business, × S), counted per UTC day; over
 *   it: 429 with the daily message, X-RateLimit-Type: Daily-limit and Retry-After (ISO time of
 *   the next UTC midnight). No endpoint zcc-sync uses is Heavy.
 */
import type { Plan, RateLabel } from './types';

export const PLAN_LIMITS: Record<Plan, Record<RateLabel, { perSecond: number; daily?: number }>> = {
  pro: { LIGHT: { perSecond: 20 }, MEDIUM: { perSecond: 10 }, HEAVY: { perSecond: 5, daily: 15_000 } },
  business: { LIGHT: { perSecond: 40 }, MEDIUM: { perSecond: 20 }, HEAVY: { perSecond: 10, daily: 30_000 } },
};

const CATEGORY: Record<RateLabel, string> = { LIGHT: 'Light', MEDIUM: 'Medium', HEAVY: 'Heavy' };

export type LimitResult =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; type: 'QPS' | 'Daily-limit'; headers: Record<string, string> };

interface Bucket {
  rate: number; // tokens per second
  capacity: number;
  tokens: number;
  last: number; // ms
  daily?: number;
  day: number;
  usedToday: number;
}

const fmt = (n: number) => String(Number(n.toFixed(3)));

export class RateLimiter {
  private buckets = new Map<RateLabel, Bucket>();

  constructor(
    private readonly plan: Plan,
    private readonly timeScale: number,
    private readonly clock: () => number,
    private readonly enabled: boolean,
  ) {
    this.reset();
  }

  /** Full buckets, today's counts zeroed. */
  reset(): void {
    const now = this.clock();
    for (const label of Object.keys(PLAN_LIMITS[this.plan]) as RateLabel[]) {
      const l = PLAN_LIMITS[this.plan][label];
      const rate = l.perSecond * this.timeScale;
      const capacity = Math.max(1, rate);
      this.buckets.set(label, {
        rate,
        capacity,
        tokens: capacity,
        last: now,
        daily: l.daily !== undefined ? Math.max(1, Math.round(l.daily * this.timeScale)) : undefined,
        day: utcDay(now),
        usedToday: 0,
      });
    }
  }

  /** Takes one call's worth of the label's budget, or says why not. */
  take(label: RateLabel): LimitResult {
    const b = this.buckets.get(label)!;
    const now = this.clock();
    b.tokens = Math.min(b.capacity, b.tokens + ((now - b.last) / 1000) * b.rate);
    b.last = now;
    const base = { 'X-RateLimit-Category': CATEGORY[label], 'X-RateLimit-Type': 'QPS', 'X-RateLimit-Limit': fmt(b.rate) };
    if (!this.enabled) return { ok: true, headers: base };
    if (b.daily !== undefined) {
      if (utcDay(now) !== b.day) {
        b.day = utcDay(now);
        b.usedToday = 0;
      }
      if (b.usedToday >= b.daily) {
        const nextMidnight = new Date((b.day + 1) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        return {
          ok: false,
          type: 'Daily-limit',
          headers: { ...base, 'X-RateLimit-Type': 'Daily-limit', 'X-RateLimit-Limit': String(b.daily), 'X-RateLimit-Remaining': '0', 'Retry-After': nextMidnight },
        };
      }
    }
    if (b.tokens < 1) {
      const waitMs = ((1 - b.tokens) / b.rate) * 1000;
      return {
        ok: false,
        type: 'QPS',
        headers: { ...base, 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Math.ceil((now + waitMs) / 1000)) },
      };
    }
    b.tokens -= 1;
    if (b.daily !== undefined) b.usedToday += 1;
    return { ok: true, headers: { ...base, 'X-RateLimit-Remaining': String(Math.floor(b.tokens)) } };
  }

  /** Headers of an injected 429 burst: like a per-second refusal. */
  burstHeaders(label: RateLabel): Record<string, string> {
    const b = this.buckets.get(label)!;
    return {
      'X-RateLimit-Category': CATEGORY[label],
      'X-RateLimit-Type': 'QPS',
      'X-RateLimit-Limit': fmt(b.rate),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Math.ceil((this.clock() + 1) / 1000)),
    };
  }
}

function utcDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}
