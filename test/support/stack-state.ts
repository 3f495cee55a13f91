/**
 * State shared by jest's globalSetup and globalTeardown (they run in the same process, the
 * test files do not: tests read the ZCC_TEST_* environment through testStack()).
 */
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TEST_STATE_ROOT = path.join(REPO_ROOT, '.state', 'test');

export interface StackStop {
  name: string;
  stop(): Promise<void>;
}

interface StackState {
  stops: StackStop[];
  runDir: string;
}

const KEY = '__zccSyncTestStack';
type Holder = { [KEY]?: StackState };

export function setStackStops(stops: StackStop[], runDir: string): void {
  (globalThis as Holder)[KEY] = { stops, runDir };
}

export function takeStackStops(): StackState | undefined {
  const state = (globalThis as Holder)[KEY];
  delete (globalThis as Holder)[KEY];
  return state;
}
