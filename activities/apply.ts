/** The apply engine's activities (src/apply/engine.ts): one chunk of ops, and skipping what cannot run. */
import { applyChunk } from '../src/apply/engine';
import type { ApplyActivities } from '../src/domain/activities';
import { skipPendingOps } from '../src/store/ops';
import { heartbeat } from './context';
import type { ActivityDeps } from './deps';

export type { ApplyChunkInput } from '../src/apply/engine';

export function createApplyActivities(deps: ActivityDeps): ApplyActivities {
  return {
    applyChunk: (input) => applyChunk({ ...deps, heartbeat }, input),
    skipPendingOps: (input) => skipPendingOps(deps.db, input.runId, input.kind, input.reason),
  };
}
