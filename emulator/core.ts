/**
 * One emulated Zoom account: state, tokens, rate limits, faults, counters. The HTTP server
 * (server.ts) and the in-process handle (index.ts) both drive this object.
 */
import { TokenStore } from './auth';
import { openDb, type Db } from './db';
import { checkFaultSpec, FaultInjector, parseFaultSpec } from './faults';
import { idFactory } from './ids';
import { PageTokens } from './paging';
import { RateLimiter } from './ratelimit';
import { Router } from './router';
import { routes } from './routes';
import { normalizeSeed } from './seed';
import { State } from './state';
import { StatsRecorder } from './stats';
import type { Credentials, EmulatorOptions, FaultSpec, Seed, StateSnapshot, Stats } from './types';

export const DEFAULT_CREDENTIALS: Credentials = { accountId: 'emulator-account', clientId: 'emulator-client', clientSecret: 'emulator-secret' };

export class EmulatorCore {
  readonly router = new Router(routes);
  readonly faults = new FaultInjector();
  readonly tokens: TokenStore;
  readonly limiter: RateLimiter;
  readonly pages: PageTokens;
  readonly clock: () => number;

  private constructor(
    readonly db: Db,
    readonly state: State,
    readonly recorder: StatsRecorder,
    opts: EmulatorOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.tokens = new TokenStore(opts.credentials ?? DEFAULT_CREDENTIALS, opts.tokenTtlSeconds ?? 3600, this.clock);
    this.limiter = new RateLimiter(opts.plan ?? 'pro', opts.timeScale ?? 1, this.clock, opts.rateLimits ?? true);
    this.pages = new PageTokens(this.clock, (opts.pageTokenTtlSeconds ?? 900) * 1000, () => this.state.epoch);
  }

  static async create(opts: EmulatorOptions): Promise<EmulatorCore> {
    if (opts.timeScale !== undefined && !(opts.timeScale > 0)) throw new Error(`timeScale must be > 0, got ${opts.timeScale}`);
    if (opts.plan !== undefined && opts.plan !== 'pro' && opts.plan !== 'business') throw new Error(`plan must be pro or business, got ${String(opts.plan)}`);
    const clock = opts.clock ?? Date.now;
    const db = await openDb(opts.db);
    const recorder = new StatsRecorder();
    const state = new State(db, idFactory(opts.idSalt ?? 'zcc-emulator'), recorder, clock);
    const core = new EmulatorCore(db, state, recorder, opts);
    try {
      if (opts.seed !== undefined || (await state.isEmpty())) await core.seed(opts.seed ?? {});
      else await state.load(); // an existing db file keeps its state
      core.setFaults(opts.faults);
    } catch (e) {
      await db.destroy();
      throw e;
    }
    return core;
  }

  async seed(raw: Seed | unknown): Promise<void> {
    const normalized = normalizeSeed(raw, this.state.ids);
    await this.state.applySeed(normalized, raw ?? {});
  }

  /** Back to the last seed; counters zeroed; budgets full; page tokens invalidated. Faults and tokens stay. */
  async reset(): Promise<void> {
    await this.seed((await this.state.lastSeed()) ?? {});
    this.recorder.reset();
    this.limiter.reset();
  }

  /** Accepts a FaultSpec or the compact string form; validates endpoint keys. */
  setFaults(spec: FaultSpec | string | undefined): FaultSpec {
    const parsed = typeof spec === 'string' ? parseFaultSpec(spec) : spec;
    const checked = checkFaultSpec(parsed, this.router.keys());
    this.faults.set(checked);
    return checked;
  }

  stats(): Stats {
    return this.recorder.snapshot();
  }

  snapshot(): Promise<StateSnapshot> {
    return this.state.snapshot();
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}
