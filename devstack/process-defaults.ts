/**
 * How zcc-sync processes are started: the glibc malloc settings and node flags that `bin/zcc-sync`
 * sets for everything an operator runs (see the reasons there), for the processes zcc-sync starts
 * itself (the dev stack, benchmarks). Values already in the environment win.
 */
export const MALLOC_DEFAULTS: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/** V8's young generation: 2 MB semi-spaces instead of up to 16 (per isolate: main and workflow thread). */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

export function withMallocDefaults(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...MALLOC_DEFAULTS, ...env };
}
