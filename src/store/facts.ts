/**
 * Small facts the store keeps between runs, each under a typed key of the `kv` table:
 *   - `names:<run>`            the role and queue name → id maps a run resolved (every chunk uses them);
 *   - `adopt:<run>`            users a reconcile adopts and managed users to clear, recorded when it completes;
 *   - `notZoomUser:<email>`    when Zoom last said the user is not a Zoom user (create deferred);
 *   - `lastGoodDirectoryUsers` the directory size of the last completed reconcile (shrink guard);
 *   - `zccAccountUsers`        ZCC users at the last full listing (admin jobs: search or list);
 *   - `marker:<run>`           the directory's change marker a run read before the directory;
 *   - `directoryMarker`        the marker of the last applied run: delta runs read changes since it;
 *   - `lastNames`              the role and queue ids the last run resolved (delta runs reuse them);
 *   - `zccMirrorFull`          the full run whose ZCC snapshot last replaced the ZCC mirror, and when;
 *   - `zccMirrorChangedAt`     when anything last changed the ZCC mirror (src/store/zcc-mirror.ts).
 * The key families are declared here once, with their value types, so nothing else spells a key.
 */
import type { StoreOrTx } from './db';
import type { ChangeMarker } from '../ldap/changes';

/** Role and queue name → id maps resolved at the start of a run, used by every chunk. */
export interface NameMaps {
  roles: Record<string, string>;
  queues: Record<string, string>;
}

/** What a completed reconcile records about users it needed no op for. */
export interface AdoptionFacts {
  /** Desired users found in ZCC but not managed yet: managed from now on. */
  adopt: string[];
  /** Managed users active again in ZCC (reactivated by hand): their old deactivation time goes. */
  clearDeactivated: string[];
}

/** The facts kept under fixed keys, with their value types. */
interface GlobalFacts {
  lastGoodDirectoryUsers: number;
  zccAccountUsers: number;
  /**
   * `config`: the desired-state fingerprint the run applied (src/reconcile/config-fingerprint.ts);
   * `retry`: users whose change failed are missing from the mirror, and a delta compares again at
   * `at` even when the marker did not move (`attempts` so far, for the back-off).
   */
  directoryMarker: { marker: ChangeMarker; runId: string; at: string; config?: string; retry?: { attempts: number; at: string } };
  lastNames: NameMaps;
  zccMirrorFull: { runId: string; at: string };
  zccMirrorChangedAt: string;
}

const NAMES = 'names:';
const ADOPT = 'adopt:';
const NOT_ZOOM_USER = 'notZoomUser:';
const MARKER = 'marker:';

async function put(db: StoreOrTx, key: string, value: unknown): Promise<void> {
  await db('kv').insert({ key, value: JSON.stringify(value) }).onConflict('key').merge();
}

async function get<T>(db: StoreOrTx, key: string): Promise<T | null> {
  const row = await db('kv').where({ key }).first();
  return row ? (JSON.parse(row.value) as T) : null;
}

export const getFact = <K extends keyof GlobalFacts>(db: StoreOrTx, key: K): Promise<GlobalFacts[K] | null> => get(db, key);
export const putFact = <K extends keyof GlobalFacts>(db: StoreOrTx, key: K, value: GlobalFacts[K]): Promise<void> => put(db, key, value);

export const saveNames = (db: StoreOrTx, runId: string, names: NameMaps): Promise<void> => put(db, NAMES + runId, names);

export async function loadNames(db: StoreOrTx, runId: string): Promise<NameMaps> {
  const names = await get<NameMaps>(db, NAMES + runId);
  if (!names) throw new Error(`run ${runId}: role and queue names were not resolved (snapshot missing)`);
  return names;
}

export const saveRunMarker = (db: StoreOrTx, runId: string, marker: ChangeMarker | null): Promise<void> => put(db, MARKER + runId, marker);
export const loadRunMarker = (db: StoreOrTx, runId: string): Promise<ChangeMarker | null> => get(db, MARKER + runId);

export const saveAdoptionFacts = (db: StoreOrTx, runId: string, facts: AdoptionFacts): Promise<void> => put(db, ADOPT + runId, facts);
export const loadAdoptionFacts = (db: StoreOrTx, runId: string): Promise<AdoptionFacts | null> => get(db, ADOPT + runId);

export const rememberNotZoomUser = (db: StoreOrTx, email: string, at: string): Promise<void> => put(db, NOT_ZOOM_USER + email, at);

/** Emails whose create failed with "not a Zoom user" after `since` (ISO time), with when. */
export async function notZoomUsersSince(db: StoreOrTx, since: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await db('kv').where('key', 'like', `${NOT_ZOOM_USER}%`)) {
    const at = JSON.parse(r.value) as string;
    if (Date.parse(at) > since) out.set(r.key.slice(NOT_ZOOM_USER.length), at);
  }
  return out;
}
