/**
 * The rate governor: one per process, one pacer per rate label (Light, Medium, Heavy). Every API
 * call waits for its label before it is sent, so the process stays under Zoom's per-account,
 * per-second limits instead of discovering them through 429s.
 *
 * Each label is paced with GCRA (a token bucket expressed as a "theoretical arrival time"): calls are
 * spaced 1/rate apart, with a small burst tolerance `tau` that absorbs late timers. The target rate is
 * `utilisation` u (default 0.98) of the allowed rate r and tau is the remaining (1 - u) of a second,
 * so any 1-second window holds at most r calls whatever way the server counts (fixed windows,
 * sliding windows or its own token bucket): GCRA lets at most ceil((1 s + tau) × u × r) calls into
 * a 1-second window, and (1 + (1 - u)) × u = 1 - (1 - u)² < 1 for every u < 1. So u only trades
 * throughput (the share of the limit used) against tau (how late a timer may fire without losing
 * pace): 0.98 leaves 20 ms and loses 2 % of the limit (0.95 lost 5 %). Measured at 100k users
 * against the emulator's business limits: apply ÷ write bound 1.019-1.027 at 0.98 (pace kept under
 * load, 0 × 429), 1.054 at 0.95.
 *
 * After a 429 the label is blocked until the time the server named (or a back-off) *and* its burst
 * allowance is drained, so every caller sharing the governor slows down, not only the one that was
 * refused.
 */
import type { RateLabel, ZoomPlan } from './types';
import { metrics } from '../metrics/events';

export interface LabelRates {
  light: number;
  medium: number;
  heavy: number;
}

/** The ZCC table of API.md §4 (calls per second, per account). */
export const ZCC_PLAN_RATES: Record<ZoomPlan, LabelRates> = {
  pro: { light: 20, medium: 10, heavy: 5 },
  business: { light: 40, medium: 20, heavy: 10 },
};

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

const defaultClock: Clock = { now: () => performance.now() };

export interface GovernorOptions {
  plan: ZoomPlan;
  /** Share of the account's limits this process may use, 0 < share ≤ 1 (Zoom limits are per account). */
  share?: number;
  /** Multiplies the plan's rates; only for the emulator's --time-scale. */
  scale?: number;
  /** Fraction of the allowed rate to aim at, 0 < u ≤ 1 (default 0.98). */
  utilisation?: number;
  clock?: Clock;
}

export interface LabelStats {
  /** Calls per second this label is allowed (plan × share × scale). */
  allowedPerSecond: number;
  granted: number;
  /** 429s reported for this label. */
  penalties: number;
  /** Callers waiting right now. */
  waiting: number;
}

/** Paces one label. */
class LabelPacer {
  private readonly intervalMs: number;
  private readonly tauMs: number;
  /** GCRA theoretical arrival time of the next call. */
  private tat: number;
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  granted = 0;
  penalties = 0;

  constructor(
    readonly allowedPerSecond: number,
    utilisation: number,
    private readonly clock: Clock,
  ) {
    this.intervalMs = 1000 / (allowedPerSecond * utilisation);
    // The burst allowance never exceeds what the headroom pays for (see the file comment).
    this.tauMs = Math.max(0, (1 - utilisation) * 1000);
    // Start drained: no burst on the first calls of a process.
    this.tat = clock.now() + this.tauMs;
  }

  acquire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.pump();
    });
  }

  /** Blocks the label until `untilMs` (clock time) and drains its burst allowance. */
  blockUntil(untilMs: number): void {
    this.penalties++;
    this.tat = Math.max(this.tat, untilMs + this.tauMs);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private pump(): void {
    if (this.timer) return; // a wake-up is already scheduled
    while (this.waiters.length > 0) {
      const now = this.clock.now();
      const earliest = this.tat - this.tauMs;
      if (now < earliest) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(1, Math.ceil(earliest - now)));
        return;
      }
      this.tat = Math.max(this.tat, now) + this.intervalMs;
      this.granted++;
      this.waiters.shift()!();
    }
  }
}

export class RateGovernor {
  private readonly pacers: Record<RateLabel, LabelPacer>;
  readonly clock: Clock;

  constructor(opts: GovernorOptions) {
    const share = opts.share ?? 1;
    const scale = opts.scale ?? 1;
    const utilisation = opts.utilisation ?? 0.98;
    if (!(share > 0 && share <= 1)) throw new RangeError(`rate share must be in (0, 1], got ${share}`);
    if (!(scale > 0)) throw new RangeError(`rate scale must be > 0, got ${scale}`);
    if (!(utilisation > 0 && utilisation <= 1)) throw new RangeError(`utilisation must be in (0, 1], got ${utilisation}`);
    const rates = ZCC_PLAN_RATES[opts.plan];
    if (!rates) throw new RangeError(`unknown plan '${String(opts.plan)}' (expected pro or business)`);
    this.clock = opts.clock ?? defaultClock;
    const mk = (perSecond: number) => new LabelPacer(perSecond * share * scale, utilisation, this.clock);
    this.pacers = { light: mk(rates.light), medium: mk(rates.medium), heavy: mk(rates.heavy) };
  }

  /** Resolves when a call with this label may be sent. */
  async acquire(label: RateLabel): Promise<void> {
    const asked = this.clock.now();
    await this.pacers[label].acquire();
    // The wait is the price of pacing (and of 429 penalties): the metric shows where time goes.
    metrics.governorWait(label, (this.clock.now() - asked) / 1000);
  }

  /** A 429 for `label`: nobody sends on it for `delayMs`, and the burst allowance is drained. */
  penalize(label: RateLabel, delayMs: number): void {
    this.pacers[label].blockUntil(this.clock.now() + Math.max(0, delayMs));
  }

  allowedPerSecond(label: RateLabel): number {
    return this.pacers[label].allowedPerSecond;
  }

  stats(): Record<RateLabel, LabelStats> {
    const one = (p: LabelPacer): LabelStats => ({
      allowedPerSecond: p.allowedPerSecond,
      granted: p.granted,
      penalties: p.penalties,
      waiting: p.waiting,
    });
    return { light: one(this.pacers.light), medium: one(this.pacers.medium), heavy: one(this.pacers.heavy) };
  }
}

const processGovernors = new Map<string, RateGovernor>();

/**
 * The process-wide governor for these limits. Every client of one process built from the same config
 * shares it, so concurrent activities together stay under the account's budget.
 */
export function getProcessGovernor(plan: ZoomPlan, share = 1, scale = 1): RateGovernor {
  const key = `${plan}|${share}|${scale}`;
  let g = processGovernors.get(key);
  if (!g) {
    g = new RateGovernor({ plan, share, scale });
    processGovernors.set(key, g);
  }
  return g;
}
