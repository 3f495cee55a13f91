/**
 * Queues: list, list agents, assign agents (≤ 30), remove agent. `{queueId}` accepts the legacy
 * task-queue id (`queue_id`) and the Contact Center id (`cc_queue_id`).
 *
 * Choices where Zoom's docs are silent (also in emulator/README.md):
 * - Queue agents list: the request's page_size has no declared maximum and the response schema
 *   caps it at 100, so 1..300 is accepted and at most 100 agents are served a page (the answer's
 *   page_size says 100); above 300 → 400/300 like the other lists.
 * - Assign agents: an agent already in the queue is a success (listed, not counted as a change);
 *   every entry must be a ZCC user (id or email), else 404 code 1001 and nothing changes.
 * - Remove agent: a user who is not an agent of the queue (or no user at all) → 404 code 1201.
 */
import { queueAgentDoesNotExist, queueDoesNotExist, userDoesNotExist, validationFailed, ZoomError, type FieldError } from '../errors';
import { filterKeyOf, ListKind, pageOf, parsePageSize, startAfter } from '../paging';
import type { Ctx, Reply, Route } from '../router';
import type { QueueRec, State, UserRow } from '../state';
import { ADMIN_ID, agentObject } from '../views';
import { readUserIds } from '../validate';

export const AGENTS_PAGE_MAX = 100;

const CHANNELS = ['voice', 'video', 'messaging', 'email'];
const CHANNEL_TYPES = ['voice', 'chat', 'sms', 'video', 'in_app_chat', 'messaging'];

function findQueue(state: State, queueId: string): QueueRec {
  const q = state.queue(queueId);
  if (!q) throw queueDoesNotExist(queueId);
  return q;
}

/** The legacy `channel_types` of a queue, from its channel (email has no legacy type). */
function channelTypes(q: QueueRec): string[] {
  return q.channel === 'email' ? [] : [q.channel];
}

async function listQueues(ctx: Ctx): Promise<Reply> {
  const { state, query } = ctx;
  const pageSize = parsePageSize(query.get('page_size'));
  const channel = query.get('channel');
  const channelType = query.get('channel_type');
  if (channel && !CHANNELS.includes(channel)) throw validationFailed([{ field: 'channel', message: `Must be one of: ${CHANNELS.join(', ')}.` }]);
  if (channelType && !CHANNEL_TYPES.includes(channelType)) {
    throw validationFailed([{ field: 'channel_type', message: `Must be one of: ${CHANNEL_TYPES.join(', ')}.` }]);
  }
  const filterKey = filterKeyOf(query, ['channel', 'channel_type']);
  const after = startAfter(query, ctx.pages, ListKind.Queues, filterKey);
  const matching = state.queues.filter((q) => (!channel || q.channel === channel) && (!channelType || channelTypes(q).includes(channelType)));
  const rows = matching.filter((q) => q.seq > after).slice(0, pageSize + 1);
  const page = pageOf(rows, pageSize, (q) => q.seq, (seq) => ctx.pages.issue(ListKind.Queues, filterKey, seq));
  const agents = new Map<number, number>();
  for (const q of page.items) agents.set(q.seq, await agentCount(state, q.seq));
  const now = state.now();
  return {
    status: 200,
    body: {
      next_page_token: page.nextPageToken,
      page_size: pageSize,
      total_records: matching.length,
      queues: page.items.map((q) => ({
        queue_id: q.queueId,
        cc_queue_id: q.ccQueueId,
        queue_name: q.name,
        agents_count: agents.get(q.seq) ?? 0,
        supervisors_count: 0,
        channel_types: channelTypes(q),
        channel: q.channel,
        modified_by: ADMIN_ID,
        last_modified_time: now,
      })),
    },
  };
}

/** Agents of a queue: an indexed count, cached until the next write. */
function agentCount(state: State, queueSeq: number): Promise<number> {
  return state.count(`queue:${queueSeq}`, async () => Number(((await state.db('queue_agents').where('queue_seq', queueSeq).count({ n: '*' })) as { n: number }[])[0]!.n));
}

interface AgentRow extends UserRow {
  qa_seq: number;
  opt_in_out_status: number;
}

const AGENT_COLUMNS = ['u.*', 'qa.seq as qa_seq', 'qa.opt_in_out_status'];

async function listQueueAgents(ctx: Ctx): Promise<Reply> {
  const { state, query } = ctx;
  const queue = findQueue(state, ctx.params.queueId!);
  const pageSize = parsePageSize(query.get('page_size'), 300, AGENTS_PAGE_MAX);
  const filterKey = filterKeyOf(query, [], String(queue.seq));
  const after = startAfter(query, ctx.pages, ListKind.QueueAgents, filterKey);
  const rows: AgentRow[] = await state
    .db('queue_agents as qa')
    .join('cc_users as u', 'u.seq', 'qa.user_seq')
    .where('qa.queue_seq', queue.seq)
    .andWhere('qa.seq', '>', after)
    .orderBy('qa.seq')
    .limit(pageSize + 1)
    .select(AGENT_COLUMNS);
  const total = await agentCount(state, queue.seq);
  const page = pageOf(rows, pageSize, (r) => r.qa_seq, (seq) => ctx.pages.issue(ListKind.QueueAgents, filterKey, seq));
  return {
    status: 200,
    body: {
      next_page_token: page.nextPageToken,
      page_size: pageSize,
      total_records: total,
      agents: page.items.map((r) => agentObject(state, r, r.opt_in_out_status)),
    },
  };
}

async function assignQueueAgents(ctx: Ctx): Promise<Reply> {
  const { state } = ctx;
  const queue = findQueue(state, ctx.params.queueId!);
  const errors: FieldError[] = [];
  const keys = readUserIds(ctx.body, 30, errors);
  if (errors.length) throw validationFailed(errors);
  const agents = await state.write(async (tx) => {
    const found = await state.ccUsers(keys, tx.trx);
    const missing = keys.filter((k) => !found.has(k));
    if (missing.length) {
      throw new ZoomError(404, 1001, userDoesNotExist(missing[0]!).message, missing.map((k) => ({ field: 'user_ids', message: `User does not exist: ${k}.` })));
    }
    const unique = new Map<number, UserRow>();
    for (const k of keys) unique.set(found.get(k)!.seq, found.get(k)!);
    const seqs = [...unique.keys()];
    const already = new Map<number, number>(
      (await tx.trx('queue_agents').where('queue_seq', queue.seq).whereIn('user_seq', seqs).select('user_seq', 'opt_in_out_status')).map(
        (r: { user_seq: number; opt_in_out_status: number }) => [r.user_seq, r.opt_in_out_status],
      ),
    );
    const adding = [...unique.values()].filter((u) => !already.has(u.seq));
    if (adding.length) {
      await tx.trx('queue_agents').insert(adding.map((u) => ({ queue_seq: queue.seq, user_seq: u.seq, opt_in_out_status: 0 })));
      for (const u of adding) tx.change(u.email, 'queueAdd');
    }
    return [...unique.values()].map((u) => agentObject(state, u, already.get(u.seq) ?? 0));
  });
  return { status: 201, body: { agents } };
}

async function removeQueueAgent(ctx: Ctx): Promise<Reply> {
  const { state } = ctx;
  const queue = findQueue(state, ctx.params.queueId!);
  const key = ctx.params.userId!;
  await state.write(async (tx) => {
    const user = await state.ccUser(key, tx.trx);
    const removed = user ? await tx.trx('queue_agents').where({ queue_seq: queue.seq, user_seq: user.seq }).del() : 0;
    if (!user || !removed) throw queueAgentDoesNotExist(key);
    tx.change(user.email, 'queueRemove');
  });
  return { status: 204 };
}

export const queueRoutes: Route[] = [
  { method: 'GET', template: '/contact_center/queues', label: 'MEDIUM', handler: listQueues },
  { method: 'GET', template: '/contact_center/queues/{queueId}/agents', label: 'MEDIUM', handler: listQueueAgents },
  { method: 'POST', template: '/contact_center/queues/{queueId}/agents', label: 'MEDIUM', hasBody: true, handler: assignQueueAgents },
  { method: 'DELETE', template: '/contact_center/queues/{queueId}/agents/{userId}', label: 'LIGHT', handler: removeQueueAgent },
];
