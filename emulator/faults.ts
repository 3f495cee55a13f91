/**
 * Injected faults, per endpoint (`METHOD /template`) or for all (`*`): 5xx before or after the
 * change is applied, latency, 429 bursts, dropped connections. Deterministic: each endpoint key
 * draws from its own PRNG stream seeded by (spec.seed, key), and every call draws the same
 * number of values whatever the rule says, so the same call sequence gives the same faults.
 *
 * Spec forms: a FaultSpec object (JSON), or the compact string used by `--faults`:
 *   seed=7;*:errorRate=0.2,latencyMs=5-20;POST /contact_center/users/batch:burst429=3
 * (rules separated by `;`, `TARGET:key=value,…`; latencyMs takes `N` or `MIN-MAX`). A string
 * starting with `{` is read as JSON.
 */
import type { FaultRule, FaultSpec } from './types';

export class FaultSpecError extends Error {}

const RATE_KEYS = ['errorRate', 'errorAfterApplyRate', 'dropRate', 'dropAfterApplyRate'] as const;
const RULE_KEYS = [...RATE_KEYS, 'errorStatus', 'latencyMs', 'burst429'];

export function parseFaultSpec(text: string): FaultSpec {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t) as FaultSpec;
    } catch (e) {
      throw new FaultSpecError(`faults: not valid JSON (${(e as Error).message})`);
    }
  }
  const spec: FaultSpec = { rules: {} };
  for (const part of t.split(';').map((p) => p.trim()).filter(Boolean)) {
    const seed = /^seed\s*=\s*(-?\d+)$/.exec(part);
    if (seed) {
      spec.seed = Number(seed[1]);
      continue;
    }
    const colon = part.indexOf(':');
    if (colon < 0) throw new FaultSpecError(`faults: "${part}" should be TARGET:key=value,… (TARGET is * or "METHOD /path") or seed=N`);
    const target = part.slice(0, colon).trim();
    const rule: Record<string, unknown> = {};
    for (const kv of part.slice(colon + 1).split(',').map((x) => x.trim()).filter(Boolean)) {
      const [k, v] = kv.split('=').map((x) => x.trim());
      if (!k || v === undefined) throw new FaultSpecError(`faults: "${kv}" in "${part}" should be key=value`);
      const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(v);
      rule[k] = k === 'latencyMs' && range ? [Number(range[1]), Number(range[2])] : Number(v);
    }
    spec.rules![target] = rule as FaultRule;
  }
  return spec;
}

/** Validates a spec (from JSON or the compact form) against the emulator's endpoint keys. */
export function checkFaultSpec(input: unknown, knownKeys: string[]): FaultSpec {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new FaultSpecError('faults: expected an object { seed?, rules? }');
  const spec = input as Record<string, unknown>;
  for (const k of Object.keys(spec)) if (k !== 'seed' && k !== 'rules') throw new FaultSpecError(`faults: unknown field "${k}" (expected seed, rules)`);
  if (spec.seed !== undefined && (typeof spec.seed !== 'number' || !Number.isInteger(spec.seed))) throw new FaultSpecError('faults.seed: expected an integer');
  const rules = (spec.rules ?? {}) as Record<string, unknown>;
  if (typeof rules !== 'object' || Array.isArray(rules)) throw new FaultSpecError('faults.rules: expected an object keyed by endpoint');
  const out: Record<string, FaultRule> = {};
  for (const [rawTarget, rawRule] of Object.entries(rules)) {
    const target = normalizeTarget(rawTarget);
    if (target !== '*' && !knownKeys.includes(target)) {
      throw new FaultSpecError(`faults: unknown endpoint "${rawTarget}"; use * or one of: ${knownKeys.join(', ')}`);
    }
    if (typeof rawRule !== 'object' || rawRule === null) throw new FaultSpecError(`faults.rules["${rawTarget}"]: expected an object`);
    const rule = rawRule as Record<string, unknown>;
    for (const [k, v] of Object.entries(rule)) {
      const where = `faults.rules["${rawTarget}"].${k}`;
      if (!RULE_KEYS.includes(k)) throw new FaultSpecError(`${where}: unknown setting; use ${RULE_KEYS.join(', ')}`);
      if ((RATE_KEYS as readonly string[]).includes(k) && !(typeof v === 'number' && v >= 0 && v <= 1)) throw new FaultSpecError(`${where}: expected a share between 0 and 1, got ${String(v)}`);
      if (k === 'burst429' && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) throw new FaultSpecError(`${where}: expected a whole number ≥ 0, got ${String(v)}`);
      if (k === 'errorStatus' && !(typeof v === 'number' && Number.isInteger(v) && v >= 500 && v <= 599)) throw new FaultSpecError(`${where}: expected a 5xx status, got ${String(v)}`);
      if (k === 'latencyMs') {
        const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
        if (!(ok(v) || (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1]) && (v[0] as number) <= (v[1] as number)))) {
          throw new FaultSpecError(`${where}: expected milliseconds N or [min, max], got ${JSON.stringify(v)}`);
        }
      }
    }
    out[target] = rule as FaultRule;
  }
  return { seed: spec.seed as number | undefined, rules: out };
}

/** `POST /v2/contact_center/users` and `post /contact_center/users` both mean `POST /contact_center/users`. */
function normalizeTarget(t: string): string {
  const s = t.trim();
  if (s === '*') return s;
  const m = /^(\w+)\s+(\S+)$/.exec(s);
  if (!m) return s;
  return `${m[1]!.toUpperCase()} ${m[2]!.replace(/^\/v2(?=\/)/, '').replace(/\/$/, '')}`;
}

export interface FaultDecision {
  latencyMs: number;
  burst429: boolean;
  dropBefore: boolean;
  errorBefore?: number;
  dropAfter: boolean;
  errorAfter?: number;
}

export class FaultInjector {
  private spec: FaultSpec = {};
  private streams = new Map<string, () => number>();
  private bursts = new Map<string, number>();

  set(spec: FaultSpec | undefined): void {
    this.spec = spec ?? {};
    this.streams.clear();
    this.bursts.clear();
    for (const [k, r] of Object.entries(this.spec.rules ?? {})) if (r.burst429) this.bursts.set(k, r.burst429);
  }

  get(): FaultSpec {
    return this.spec;
  }

  /** What happens to this call; null when no rule applies. */
  decide(key: string): FaultDecision | null {
    const rules = this.spec.rules ?? {};
    const own = rules[key];
    const all = rules['*'];
    if (!own && !all) return null;
    const rule: FaultRule = { ...all, ...own };
    const rnd = this.stream(key);
    const [rLatency, rDrop, rError, rDropAfter, rErrorAfter] = [rnd(), rnd(), rnd(), rnd(), rnd()];
    const status = rule.errorStatus ?? 500;
    const lat = rule.latencyMs;
    const latencyMs = Array.isArray(lat) ? lat[0] + Math.floor(rLatency * (lat[1] - lat[0] + 1)) : (lat ?? 0);
    // A burst belongs to the rule that declares it (the endpoint's own, else `*`).
    const burstKey = own?.burst429 !== undefined ? key : all?.burst429 !== undefined ? '*' : undefined;
    let burst429 = false;
    if (burstKey !== undefined && (this.bursts.get(burstKey) ?? 0) > 0) {
      this.bursts.set(burstKey, this.bursts.get(burstKey)! - 1);
      burst429 = true;
    }
    return {
      latencyMs,
      burst429,
      dropBefore: rDrop < (rule.dropRate ?? 0),
      errorBefore: rError < (rule.errorRate ?? 0) ? status : undefined,
      dropAfter: rDropAfter < (rule.dropAfterApplyRate ?? 0),
      errorAfter: rErrorAfter < (rule.errorAfterApplyRate ?? 0) ? status : undefined,
    };
  }

  private stream(key: string): () => number {
    let s = this.streams.get(key);
    if (!s) {
      s = mulberry32(fnv1a(`${this.spec.seed ?? 1}|${key}`));
      this.streams.set(key, s);
    }
    return s;
  }
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
