/**
 * Numbers a plan's ops for the store: a `seq` (display and apply order) and an apply `chunk`.
 * Each chunk holds ops of one kind for at most `chunkSize` users, one activity each.
 *
 * Queue adds are the exception: the API adds up to 30 agents to ONE queue per call, so queue-add
 * chunks hold one queue's ops, in multiples of 30 (90 of 100). Chunking them by user instead
 * would spread every chunk over all the queues and cost a partly empty call per queue per chunk
 * (measured: 600 calls where 378 suffice for 10k users in 4 queues).
 *
 * Ops arrive in slices (a reconcile plans a few thousand users at a time so that 100k users never
 * sit in memory at once): each slice sorted by kind, email, queue, and slices in ascending email
 * order. Numbers are therefore given incrementally:
 * - seq = kind's place in OP_ORDER × SEQ_STRIDE + the op's place within its kind, so ordering by
 *   seq gives kind, then email, then queue, whatever the slicing;
 * - chunks of user kinds count users as they come;
 * - queue-add chunks cannot be final until every slice is seen (a queue's chunks come before the
 *   next queue's, queues by name), so they get provisional numbers (QUEUE_CHUNK_BASE × (queue's
 *   index + 1) + its own chunk) and `finish()` says how to move them to 0…n-1.
 */
import { OP_ORDER, type Op, type OpKind } from '../domain/types';

export const QUEUE_ASSIGN_BATCH = 30;
/** Ops of one kind in one run, at most (seq stays within a 32-bit integer column). */
export const SEQ_STRIDE = 100_000_000;
/** Provisional queue-add chunk numbers start here; final ones stay below it. */
export const QUEUE_CHUNK_BASE = 1_000_000;
const MAX_QUEUES = 2000;

export interface NumberedOp {
  op: Op;
  kind: OpKind;
  seq: number;
  chunk: number;
}

/** Provisional queue-add chunks [from, from + count) become [to, to + count). */
export interface ChunkMove {
  from: number;
  count: number;
  to: number;
}

export interface Numbering {
  chunks: Partial<Record<OpKind, number>>;
  queueChunkMoves: ChunkMove[];
}

export class OpNumbering {
  private readonly perQueueChunk: number;
  private readonly seqs = new Map<OpKind, number>();
  private readonly users = new Map<OpKind, { last: string | null; count: number }>();
  private readonly queues = new Map<string, { index: number; ops: number }>();

  constructor(private readonly chunkSize: number) {
    this.perQueueChunk = chunkSize >= QUEUE_ASSIGN_BATCH ? Math.floor(chunkSize / QUEUE_ASSIGN_BATCH) * QUEUE_ASSIGN_BATCH : chunkSize;
  }

  /** Numbers one slice's ops (sorted by kind, email, queue; slices in ascending email order). */
  number(ops: Op[]): NumberedOp[] {
    return ops.map((op) => {
      const kind = op.kind;
      const n = this.seqs.get(kind) ?? 0;
      if (n >= SEQ_STRIDE) throw new Error(`more than ${SEQ_STRIDE} ${kind} ops in one run`);
      this.seqs.set(kind, n + 1);
      const seq = OP_ORDER.indexOf(kind) * SEQ_STRIDE + n;
      if (kind === 'queueAdd') {
        const name = String((op.after ?? {}).queue ?? '');
        let q = this.queues.get(name);
        if (!q) {
          if (this.queues.size >= MAX_QUEUES) throw new Error(`more than ${MAX_QUEUES} queues in one run`);
          this.queues.set(name, (q = { index: this.queues.size, ops: 0 }));
        }
        const chunk = QUEUE_CHUNK_BASE * (q.index + 1) + Math.floor(q.ops / this.perQueueChunk);
        q.ops++;
        return { op, kind, seq, chunk };
      }
      let u = this.users.get(kind);
      if (!u) this.users.set(kind, (u = { last: null, count: 0 }));
      if (u.last !== op.email) {
        u.last = op.email;
        u.count++;
      }
      return { op, kind, seq, chunk: Math.floor((u.count - 1) / this.chunkSize) };
    });
  }

  /** Chunk counts per kind, and the moves that make queue-add chunks 0…n-1, queues by name. */
  finish(): Numbering {
    const chunks: Partial<Record<OpKind, number>> = {};
    for (const [kind, u] of this.users) chunks[kind] = Math.ceil(u.count / this.chunkSize);
    const queueChunkMoves: ChunkMove[] = [];
    let to = 0;
    for (const name of [...this.queues.keys()].sort()) {
      const q = this.queues.get(name) as { index: number; ops: number };
      const count = Math.ceil(q.ops / this.perQueueChunk);
      queueChunkMoves.push({ from: QUEUE_CHUNK_BASE * (q.index + 1), count, to });
      to += count;
    }
    if (to >= QUEUE_CHUNK_BASE) throw new Error(`more than ${QUEUE_CHUNK_BASE} queue-add chunks in one run`);
    if (to > 0) chunks.queueAdd = to;
    return { chunks, queueChunkMoves };
  }
}

/** The final chunk of a numbered op once `finish()` has run (for callers that number in memory). */
export function finalChunk(op: NumberedOp, moves: ChunkMove[]): number {
  if (op.kind !== 'queueAdd') return op.chunk;
  const move = moves.find((m) => op.chunk >= m.from && op.chunk < m.from + m.count);
  return move ? op.chunk - move.from + move.to : op.chunk;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Numbers a whole list of ops at once (admin jobs, tests): sorted by kind then email, final chunks. */
export function assignChunks(ops: Op[], chunkSize: number): Numbering & { ops: NumberedOp[] } {
  const order = new Map(OP_ORDER.map((k, i) => [k, i]));
  const sorted = [...ops].sort((a, b) => (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0) || byCodeUnit(a.email, b.email));
  const numbering = new OpNumbering(chunkSize);
  const numbered = numbering.number(sorted);
  const result = numbering.finish();
  return { ...result, ops: numbered.map((o) => ({ ...o, chunk: finalChunk(o, result.queueChunkMoves) })) };
}
