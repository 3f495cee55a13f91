/**
 * glibc malloc settings for the processes zcc-sync starts itself (the dev stack, benchmarks),
 * the same defaults `bin/zcc-sync` sets for everything an operator runs; see the reasons there.
 * Values already in the environment win.
 */
export const MALLOC_DEFAULTS: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

export function withMallocDefaults(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...MALLOC_DEFAULTS, ...env };
}
