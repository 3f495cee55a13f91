/**
 * Gauges whose truth is in the store, read when Prometheus scrapes (prom-client's `collect()`):
 * held runs, the outbox, managed users, the last successful reconcile and staleness. Computing
 * them at scrape time keeps them right across several workers sharing one store and across
 * restarts, which counters kept in memory could not be.
 *
 * One scrape reads the store once (the gauges share a snapshot for a second). When the store
 * cannot be read the gauges keep their last values and /readyz says the store is down.
 */
import { Gauge } from 'prom-client';
import type { Config } from '../config/schema';
import { reconcileStaleness } from '../runs/staleness';
import type { Store } from '../store/db';
import { countManagedUsers } from '../store/managed-users';
import { outboxCounts, type OutboxStatus } from '../store/outbox';
import { countHeldRuns } from '../store/runs';
import { registry } from './registry';

export interface StoreGaugeSource {
  db: Store;
  config: Pick<Config, 'alerts' | 'schedule'>;
  /** Logs a failed read (the logger's redaction applies). */
  onError?: (err: unknown) => void;
}

/** Outbox statuses that need nobody (sent, skipped) are not exported: they only grow. */
const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'sending', 'failed', 'unknown'];

interface StoreFigures {
  held: { count: number; oldestAgeSeconds: number };
  outbox: Record<OutboxStatus, number>;
  managed: { active: number; deactivated: number };
  lastSuccessSeconds: number;
  stale: number;
}

let source: StoreGaugeSource | null = null;
let cached: { at: number; figures: Promise<StoreFigures | null> } | null = null;
const SNAPSHOT_TTL_MS = 1000;

/** The store the gauges read (null: they stay as they are). The worker sets it once its store is open. */
export function observeStore(s: StoreGaugeSource | null): void {
  source = s;
  cached = null;
}

async function readFigures(s: StoreGaugeSource): Promise<StoreFigures> {
  const now = new Date();
  const [held, outbox, managed, staleness] = await Promise.all([
    countHeldRuns(s.db),
    outboxCounts(s.db, OUTBOX_STATUSES),
    countManagedUsers(s.db),
    reconcileStaleness(s.db, s.config, now),
  ]);
  return {
    held: { count: held.count, oldestAgeSeconds: held.oldestCreatedAt ? Math.max(0, (now.getTime() - Date.parse(held.oldestCreatedAt)) / 1000) : 0 },
    outbox,
    managed,
    lastSuccessSeconds: staleness.lastSuccessAt ? Date.parse(staleness.lastSuccessAt) / 1000 : 0,
    stale: staleness.stale ? 1 : 0,
  };
}

function figures(): Promise<StoreFigures | null> {
  const s = source;
  if (!s) return Promise.resolve(null);
  if (cached && Date.now() - cached.at < SNAPSHOT_TTL_MS) return cached.figures;
  const read = readFigures(s).catch((err: unknown) => {
    s.onError?.(err);
    return null;
  });
  cached = { at: Date.now(), figures: read };
  return read;
}

const registers = [registry];

new Gauge({
  name: 'zcc_sync_held_runs',
  help: 'Runs held by the guards, waiting for an admin to approve or reject them.',
  registers,
  async collect() {
    const f = await figures();
    if (f) this.set(f.held.count);
  },
});

new Gauge({
  name: 'zcc_sync_held_run_oldest_age_seconds',
  help: 'Age of the oldest held run (since it started); 0 when none is held.',
  registers,
  async collect() {
    const f = await figures();
    if (f) this.set(f.held.oldestAgeSeconds);
  },
});

new Gauge({
  name: 'zcc_sync_outbox_messages',
  help: 'Emails in the outbox by status: pending (to send), sending, failed (gave up), unknown (delivery not confirmed, not resent).',
  labelNames: ['status'] as const,
  registers,
  async collect() {
    const f = await figures();
    if (f) for (const status of OUTBOX_STATUSES) this.set({ status }, f.outbox[status]);
  },
});

new Gauge({
  name: 'zcc_sync_managed_users',
  help: 'Users zcc-sync manages (license not removed), by state: active, or deactivated as a leaver.',
  labelNames: ['state'] as const,
  registers,
  async collect() {
    const f = await figures();
    if (!f) return;
    this.set({ state: 'active' }, f.managed.active);
    this.set({ state: 'deactivated' }, f.managed.deactivated);
  },
});

new Gauge({
  name: 'zcc_sync_last_successful_reconcile_timestamp_seconds',
  help: 'When the last reconcile completed (unix seconds); 0 when none ever did.',
  registers,
  async collect() {
    const f = await figures();
    if (f) this.set(f.lastSuccessSeconds);
  },
});

new Gauge({
  name: 'zcc_sync_reconcile_stale',
  help: '1 when no reconcile completed within alerts.staleAfter (default 3 x the schedule interval), else 0.',
  registers,
  async collect() {
    const f = await figures();
    if (f) this.set(f.stale);
  },
});
