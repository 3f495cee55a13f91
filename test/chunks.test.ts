import { assignChunks } from '../src/reconcile/chunks';
import type { Op } from '../src/domain/types';

const create = (email: string): Op => ({ email, kind: 'create', before: null, after: { role: 'Agent' } });
const add = (email: string, queue: string): Op => ({ email, kind: 'queueAdd', before: null, after: { queue } });
const emails = (n: number, p = 'u') => Array.from({ length: n }, (_, i) => `${p}${String(i).padStart(4, '0')}@x.com`);

test('creates: chunks of chunkSize users (250 → 100/100/50)', () => {
  const { ops, chunks } = assignChunks(emails(250).map(create), 100);
  expect(chunks).toEqual({ create: 3 });
  const sizes = [0, 1, 2].map((c) => ops.filter((o) => o.chunk === c).length);
  expect(sizes).toEqual([100, 100, 50]);
});

test('queue adds: one queue per chunk, 90 ops a chunk, so each chunk is whole calls of 30', () => {
  const support = emails(220).map((e) => add(e, 'Support'));
  const sales = emails(30, 's').map((e) => add(e, 'Sales'));
  const { ops, chunks } = assignChunks([...support, ...sales], 100);
  // Sales: 30 → 1 chunk; Support: 220 → 90/90/40.
  expect(chunks).toEqual({ queueAdd: 4 });
  const byChunk = new Map<number, Set<string>>();
  for (const o of ops) (byChunk.get(o.chunk) ?? byChunk.set(o.chunk, new Set()).get(o.chunk)!).add(String(o.op.after?.queue));
  for (const queues of byChunk.values()) expect(queues.size).toBe(1);
  const sizes = [...byChunk.keys()].sort().map((c) => ops.filter((o) => o.chunk === c).length);
  expect(sizes).toEqual([30, 90, 90, 40]);
  // Calls: Σ ceil(chunk/30) = 1 + 3 + 3 + 2 = 9 = the lower bound ceil(220/30) + ceil(30/30).
  expect(sizes.reduce((n, s) => n + Math.ceil(s / 30), 0)).toBe(Math.ceil(220 / 30) + 1);
});

test('a chunk size below 30 still bounds the users per chunk', () => {
  const { chunks } = assignChunks(emails(50).map((e) => add(e, 'Q')), 20);
  expect(chunks).toEqual({ queueAdd: 3 });
});

test('kinds keep their own chunk numbering, in op order', () => {
  const { ops, chunks } = assignChunks([create('a@x.com'), add('a@x.com', 'Q'), create('b@x.com')], 100);
  expect(chunks).toEqual({ create: 1, queueAdd: 1 });
  expect(ops.map((o) => `${o.kind}:${o.op.email}`)).toEqual(['create:a@x.com', 'create:b@x.com', 'queueAdd:a@x.com']);
});
