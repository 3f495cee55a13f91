/**
 * The first steps of delta and on-demand runs: what changed (or the named users) in the directory,
 * and the ZCC state of those users only. Planning, guards, apply and report are the reconcile's.
 */
import type { ScopedReconcileActivities } from '../src/domain/activities';
import { pollDirectoryChanges, prepareUserSync } from '../src/reconcile/scoped-run';
import { snapshotScopeInContactCenter } from '../src/reconcile/snapshot-scope-in-zcc';
import { failFastOnBadInput, heartbeat } from './context';
import type { ActivityDeps } from './deps';

export function createScopedReconcileActivities(deps: ActivityDeps): ScopedReconcileActivities {
  return {
    pollDirectoryChanges: (input) => failFastOnBadInput(() => pollDirectoryChanges(deps, input)),
    prepareUserSync: (input) => failFastOnBadInput(() => prepareUserSync(deps, input)),
    snapshotScopeInContactCenter: (input) => failFastOnBadInput(() => snapshotScopeInContactCenter(deps, input.runId, heartbeat)),
  };
}
