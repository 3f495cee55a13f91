/** The ops of admin jobs (pure): assign, edit, remove, and per-user outcomes from op results. */
import { itemOutcome, NOT_LICENSED, planJob } from '../src/admin/job-ops';
import type { ActualUser } from '../src/domain/types';

const user = (email: string, extra: Partial<ActualUser> = {}): ActualUser => ({
  email, userId: `id-${email}`, displayName: email, roleName: 'Agent', packageName: 'essentials', access: 'active', queues: [], settings: {}, ...extra,
});
const actualOf = (...users: ActualUser[]) => new Map(users.map((u) => [u.email, u]));

describe('planJob assign', () => {
  it('creates users without a license, with one queueAdd per queue, row values beating flags', () => {
    const plan = planJob(
      'assign',
      { role: 'Agent', queues: ['Sales'], settings: { country_iso_code: 'US' } },
      [{ email: 'a@x.com' }, { email: 'b@x.com', params: { role: 'Supervisor', package: 'premium', queues: ['Billing', 'Support'] } }],
      new Map(),
    );
    expect(plan.ops).toEqual([
      { email: 'a@x.com', kind: 'create', before: null, after: { role: 'Agent', package: 'essentials', queues: ['Sales'], settings: { country_iso_code: 'US' } } },
      { email: 'b@x.com', kind: 'create', before: null, after: { role: 'Supervisor', package: 'premium', queues: ['Billing', 'Support'], settings: { country_iso_code: 'US' } } },
      { email: 'a@x.com', kind: 'queueAdd', before: null, after: { queue: 'Sales' } },
      { email: 'b@x.com', kind: 'queueAdd', before: null, after: { queue: 'Billing' } },
      { email: 'b@x.com', kind: 'queueAdd', before: null, after: { queue: 'Support' } },
    ]);
    expect(plan.settled.size).toBe(0);
    expect(plan.summary).toEqual({ create: 2, update: 0, queueAdd: 3, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0 });
  });

  it('leaves licensed users alone: already, with a note when they differ', () => {
    const plan = planJob(
      'assign',
      { role: 'Supervisor', package: 'premium', queues: ['Sales'], settings: { country_iso_code: 'US', user_access: 'active' } },
      [{ email: 'same@x.com' }, { email: 'diff@x.com' }],
      actualOf(
        user('same@x.com', { roleName: 'supervisor', packageName: 'premium', queues: ['Sales'], settings: { country_iso_code: 'US' } }),
        user('diff@x.com', { access: 'inactive', settings: { country_iso_code: 'DE' } }),
      ),
    );
    expect(plan.ops).toEqual([]);
    expect(plan.settled.get('same@x.com')).toEqual({ outcome: 'already' });
    expect(plan.settled.get('diff@x.com')).toEqual({
      outcome: 'already',
      note: 'already has a ZCC license; differs from the request: role Agent (asked Supervisor), package essentials (asked premium), not in queue Sales, access inactive (asked active), country_iso_code DE (asked US); left unchanged (use zcc-sync users edit to change it)',
    });
    expect(plan.summary.unchanged).toBe(2);
  });
});

describe('planJob edit', () => {
  it('updates only the fields that differ and the queue changes still needed', () => {
    const plan = planJob(
      'edit',
      { role: 'Supervisor', package: 'essentials', access: 'inactive', settings: { country_iso_code: 'DE', channel_settings: { multi_channel_engagements: { enable: true } } }, addQueues: ['Sales', 'Support'], removeQueues: ['Billing', 'Other'] },
      [{ email: 'a@x.com' }],
      actualOf(user('a@x.com', { queues: ['Billing', 'Support'], settings: { country_iso_code: 'DE', channel_settings: { multi_channel_engagements: { enable: false } } } })),
    );
    expect(plan.ops).toEqual([
      {
        email: 'a@x.com', kind: 'update',
        before: { role: 'Agent', access: 'active', settings: { channel_settings: { multi_channel_engagements: { enable: false } } } },
        after: { role: 'Supervisor', access: 'inactive', settings: { channel_settings: { multi_channel_engagements: { enable: true } } } },
      },
      { email: 'a@x.com', kind: 'queueAdd', before: null, after: { queue: 'Sales' } },
      { email: 'a@x.com', kind: 'queueRemove', before: { queue: 'Billing' }, after: null },
    ]);
  });

  it('fails users without a license and settles users already as asked', () => {
    const plan = planJob('edit', { role: 'Agent', addQueues: ['Sales'] }, [{ email: 'none@x.com' }, { email: 'ok@x.com' }], actualOf(user('ok@x.com', { queues: ['Sales'] })));
    expect(plan.ops).toEqual([]);
    expect(plan.settled.get('none@x.com')).toEqual({ outcome: 'failed', note: NOT_LICENSED });
    expect(plan.settled.get('ok@x.com')).toEqual({ outcome: 'already' });
  });

  it('takes role and package per row', () => {
    const plan = planJob('edit', {}, [{ email: 'a@x.com', params: { role: 'Admin', package: 'elite' } }], actualOf(user('a@x.com')));
    expect(plan.ops).toEqual([{ email: 'a@x.com', kind: 'update', before: { role: 'Agent', package: 'essentials' }, after: { role: 'Admin', package: 'elite' } }]);
  });
});

describe('planJob remove', () => {
  it('removes licensed users; missing ones are already so', () => {
    const plan = planJob('remove', {}, [{ email: 'a@x.com' }, { email: 'gone@x.com' }], actualOf(user('a@x.com', { queues: ['Sales'] })));
    expect(plan.ops).toEqual([{ email: 'a@x.com', kind: 'remove', before: { role: 'Agent', package: 'essentials', access: 'active', queues: ['Sales'] }, after: null }]);
    expect(plan.settled.get('gone@x.com')).toEqual({ outcome: 'already', note: 'has no ZCC license' });
    expect(plan.summary).toMatchObject({ remove: 1, unchanged: 1 });
  });
});

describe('itemOutcome', () => {
  const op = (status: string, error: string | null = null, kind = 'create') => ({ kind, status, error });
  it('ranks failed over not_zoom_user over done over already', () => {
    expect(itemOutcome([])).toEqual({ outcome: 'already' });
    expect(itemOutcome([op('already'), op('done', null, 'queueAdd')])).toEqual({ outcome: 'done' });
    expect(itemOutcome([op('not_zoom_user', 'User does not exist: a@x.com'), op('done')])).toEqual({ outcome: 'not_zoom_user', error: 'User does not exist: a@x.com' });
    expect(itemOutcome([op('done'), op('failed', 'queue is full', 'queueAdd'), op('not_zoom_user')])).toEqual({ outcome: 'failed', error: 'queueAdd: queue is full' });
  });
  it('explains license exhaustion and ops never applied', () => {
    expect(itemOutcome([op('skipped', 'license_exhausted')])).toEqual({ outcome: 'failed', error: 'create: no license left' });
    expect(itemOutcome([op('license_exhausted', 'no premium license left')])).toEqual({ outcome: 'failed', error: 'create: no license left (no premium license left)' });
    expect(itemOutcome([op('pending')])).toEqual({ outcome: 'failed', error: 'create: the job stopped before this change was made' });
  });
});
