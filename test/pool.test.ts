/** The one concurrency pool (src/util/pool.ts): order, the bound, and what an error does. */
import { runPool } from '../src/util/pool';

/** A promise settled from outside, to hold calls in flight while the test looks. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending callback and continuation run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Counts the calls in flight and remembers the most seen at once. */
function gauge() {
  let running = 0;
  const g = { max: 0, get running() { return running; } };
  return {
    g,
    async around(work: () => Promise<void>): Promise<void> {
      running++;
      g.max = Math.max(g.max, running);
      try {
        await work();
      } finally {
        running--;
      }
    },
  };
}

describe('runPool', () => {
  it('calls fn once per item, starting them in list order, with the index', async () => {
    const calls: Array<[string, number]> = [];
    await runPool(['a', 'b', 'c', 'd', 'e'], 2, async (item, index) => {
      calls.push([item, index]);
      await settle();
    });
    expect(calls).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
  });

  it('keeps at most `concurrency` calls in flight, and uses all of them', async () => {
    const { g, around } = gauge();
    // Uneven durations, so lanes free up at different times.
    await runPool(Array.from({ length: 40 }, (_, i) => i), 3, (i) => around(() => new Promise((r) => setTimeout(r, (i * 7) % 5))));
    expect(g.max).toBe(3);
    expect(g.running).toBe(0);
  });

  it('starts the next item as soon as a lane is free, not when a whole batch is done', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const done = runPool([0, 1, 2], 2, async (i) => {
      started.push(i);
      await gates[i].promise;
    });
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1].resolve(); // item 0 is still running
    await settle();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    await done;
  });

  it('runs everything one at a time when concurrency is below 1, and nothing for no items', async () => {
    for (const concurrency of [0, -2, Number.NaN]) {
      const { g, around } = gauge();
      const seen: number[] = [];
      await runPool([1, 2, 3], concurrency, (i) => around(async () => { seen.push(i); await settle(); }));
      expect(seen).toEqual([1, 2, 3]);
      expect(g.max).toBe(1);
    }
    const fn = jest.fn(async () => undefined);
    await runPool([], 4, fn);
    expect(fn).not.toHaveBeenCalled();
  });

  it('on an error: starts no further item, waits for the running ones, then rethrows the first error', async () => {
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const finished: number[] = [];
    let rejected = false;
    const done = runPool([0, 1, 2, 3], 2, async (i) => {
      started.push(i);
      await gates[i].promise;
      finished.push(i);
    }).catch((err: unknown) => {
      rejected = true;
      throw err;
    });
    await settle();
    gates[0].reject(new Error('first'));
    await settle();
    expect(rejected).toBe(false); // item 1 is still running
    expect(started).toEqual([0, 1]); // the failed lane took no new item
    gates[1].reject(new Error('second'));
    await expect(done).rejects.toThrow('first');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([]);
  });

  it('lets a running call finish its work before the error reaches the caller', async () => {
    const gate = deferred();
    const finished: number[] = [];
    const done = runPool([0, 1], 2, async (i) => {
      if (i === 0) throw new Error('boom');
      await gate.promise;
      finished.push(i);
    });
    await settle();
    gate.resolve();
    await expect(done).rejects.toThrow('boom');
    expect(finished).toEqual([1]);
  });

  it('rethrows a thrown non-Error value as it is, undefined included', async () => {
    await expect(runPool([1], 1, () => Promise.reject('text'))).rejects.toBe('text');
    await expect(runPool([1, 2], 1, () => Promise.reject(undefined))).rejects.toBeUndefined();
  });

  it('a synchronous throw in fn counts as that item failing', async () => {
    const fn = (i: number): Promise<void> => {
      if (i === 1) throw new Error('sync');
      return Promise.resolve();
    };
    await expect(runPool([1, 2, 3], 1, fn)).rejects.toThrow('sync');
  });

  it('stopWhen: once true, no further item starts, running ones finish, and the pool resolves', async () => {
    let stop = false;
    const started: number[] = [];
    const finished: number[] = [];
    await runPool([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await settle();
      if (i === 2) stop = true;
      finished.push(i);
    }, { stopWhen: () => stop });
    // Items 0–3 had started when item 2 set the flag (two lanes); nothing after.
    expect(started).toEqual([0, 1, 2, 3]);
    expect(finished).toEqual(started);
  });

  it('stopWhen is checked before the first item too', async () => {
    const fn = jest.fn(async () => undefined);
    await runPool([1, 2], 2, fn, { stopWhen: () => true });
    expect(fn).not.toHaveBeenCalled();
  });
});
