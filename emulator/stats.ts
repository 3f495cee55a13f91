/** Counters behind `GET /__emulator/stats`: every call, every applied change per user, every 429. */
import type { Stats, UserChangeCounts } from './types';

export type ChangeKind = keyof UserChangeCounts;

export class StatsRecorder {
  private calls: Record<string, number> = {};
  private byUser = new Map<string, UserChangeCounts>();
  private statuses: Record<string, number> = {};
  private faults: Record<string, number> = {};
  private rateLimited = 0;
  private tokensIssued = 0;

  call(key: string): void {
    this.calls[key] = (this.calls[key] ?? 0) + 1;
  }

  status(code: number): void {
    this.statuses[code] = (this.statuses[code] ?? 0) + 1;
    if (code === 429) this.rateLimited += 1;
  }

  fault(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  tokenIssued(): void {
    this.tokensIssued += 1;
  }

  change(email: string, kind: ChangeKind, n = 1): void {
    let c = this.byUser.get(email);
    if (!c) {
      c = { create: 0, update: 0, delete: 0, queueAdd: 0, queueRemove: 0 };
      this.byUser.set(email, c);
    }
    c[kind] += n;
  }

  snapshot(): Stats {
    const byUser: Record<string, UserChangeCounts> = {};
    for (const [email, c] of this.byUser) byUser[email] = { ...c };
    return {
      calls: { ...this.calls },
      byUser,
      rateLimited: this.rateLimited,
      statuses: { ...this.statuses },
      faults: { ...this.faults },
      tokensIssued: this.tokensIssued,
    };
  }

  reset(): void {
    this.calls = {};
    this.byUser.clear();
    this.statuses = {};
    this.faults = {};
    this.rateLimited = 0;
    this.tokensIssued = 0;
  }
}
