/**
 * Keeps the worker's resident memory near what it really uses.
 *
 * Why: much of what a busy worker allocates is native memory (the Temporal core bridge, SQLite,
 * sockets) that lives as long as a small JS object pointing at it. V8 decides when to collect by
 * the size of its own heap, which stays at ~30 MB here, so it rarely runs a full collection and
 * the native memory behind dead handles piles up. Measured on the 10k-user benchmark: resident
 * memory climbed ~12 MB/s while applying (195 → 410 MB) with the JS heap flat at 26–33 MB; a full
 * collection each time RSS grows by a step keeps it at ~270 MB, for ~10 ms of CPU a collection.
 *
 * The JS heap has the opposite case: a 100k-user directory read or ZCC snapshot makes garbage so
 * fast that V8 lets the heap grow to ~200 MB (live: 30-90 MB) before its own full collection.
 * Measured on the snapshots alone at 100k users (directory / ZCC): peak RSS 257-290 / 253-267 MB
 * before; with a collection each time the used heap has grown 32 MB 183-192 / 189-191 MB (~18
 * collections a run), 16 MB 175-177 / 186-189 MB (24-30 collections).
 *
 * How: every `intervalMs`, if RSS has grown by `stepMb` or the used heap by `heapStepMb` since the
 * last collection, start a full collection — asynchronous, so V8 marks on its helper thread and
 * finishes incrementally instead of stopping the main thread for a whole mark-compact. At 100k
 * users garbage collection was a third of the worker's CPU (profile of a no-op and a churn run,
 * blocking collections: 9.6 of 30 s), and the main thread bounds those runs. Async: no-op 16.0 s,
 * peaks 214/236/229 MB (initial/no-op/churn), against 19.4 s and 220/224/225 MB blocking, same
 * code otherwise (one run each; the machine's noise is ±20 %). An idle worker never collects.
 * `gc` is not exposed by default; the V8 flag is set at run time and the function taken from a
 * fresh context (the documented effect of --expose-gc).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export interface MemoryReclaimerOptions {
  /** How often to look (default 100 ms: a look costs microseconds). */
  intervalMs?: number;
  /** Collect when RSS has grown this much since the last collection (default 16). */
  stepMb?: number;
  /** Collect when the used JS heap has grown this much since the last collection (default 16). */
  heapStepMb?: number;
}

export interface MemoryReclaimer {
  /** Full collections run so far. */
  collections(): number;
  stop(): void;
}

/** V8's gc extension: with `execution: 'async'` it starts a collection and returns a promise. */
type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void | Promise<void>;

function exposeGc(): Gc {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (typeof existing === 'function') return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as Gc;
}

export function startMemoryReclaimer(opts: MemoryReclaimerOptions = {}): MemoryReclaimer {
  const rssStep = (opts.stepMb ?? 16) * 1024 * 1024;
  const heapStep = (opts.heapStepMb ?? 16) * 1024 * 1024;
  const gc = exposeGc();
  const usedHeap = () => v8.getHeapStatistics().used_heap_size;
  let rssBaseline = process.memoryUsage.rss();
  let heapBaseline = usedHeap();
  let count = 0;
  let collecting = false;
  const timer = setInterval(() => {
    if (collecting) return;
    const rss = process.memoryUsage.rss();
    if (rss < rssBaseline) rssBaseline = rss; // memory went back to the system: measure growth from here
    if (rss - rssBaseline < rssStep && usedHeap() - heapBaseline < heapStep) return;
    // Asynchronous: V8 marks concurrently on its helper thread and finishes incrementally, instead
    // of stopping the main thread (the worker's bottleneck in a 100k-user snapshot) for a full
    // mark-compact each time.
    collecting = true;
    count++;
    Promise.resolve(gc({ type: 'major', execution: 'async' })).finally(() => {
      collecting = false;
      rssBaseline = process.memoryUsage.rss();
      heapBaseline = usedHeap();
    });
  }, opts.intervalMs ?? 100);
  timer.unref();
  return { collections: () => count, stop: () => clearInterval(timer) };
}
