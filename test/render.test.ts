/** terraform-plan-like text and the `plan --json` contract. */
import { policySchema } from '../src/config/schema';
import type { ActualUser, DesiredUser, ManagedRecord } from '../src/domain/types';
import { plan } from '../src/reconcile/plan';
import { planJson, planTotals, renderPlan } from '../src/reconcile/render';

const want = (email: string, over: Partial<DesiredUser> = {}): DesiredUser => ({
  email, displayName: email, roleName: 'Agent', packageName: 'premium', queues: [], settings: {}, ...over,
});
const have = (email: string, over: Partial<ActualUser> = {}): ActualUser => ({
  email, userId: `id-${email}`, displayName: email, roleName: 'Agent', packageName: 'premium', access: 'active', queues: [], settings: {}, ...over,
});
const rec = (email: string, deactivatedAt: string | null = null): ManagedRecord => ({ email, userId: `id-${email}`, deactivatedAt });

function samplePlan() {
  const desired = [
    want('new@x.com', { queues: ['Sales', 'Support'], settings: { country_iso_code: 'US' } }),
    want('mover@x.com', { roleName: 'Supervisor', queues: ['Sales'], settings: { channel_settings: { concurrent_message_capacity: 4 } } }),
    want('same@x.com'),
  ];
  const actual = [
    have('mover@x.com', { queues: ['Support'], settings: { channel_settings: { concurrent_message_capacity: 2 } } }),
    have('same@x.com'),
    have('leaver@x.com', { queues: ['Sales'] }),
    have('old@x.com', { access: 'inactive' }),
  ];
  const managed = [rec('mover@x.com'), rec('same@x.com'), rec('leaver@x.com'), rec('old@x.com', '2026-01-01T00:00:00.000Z')];
  return plan({
    desired: new Map(desired.map((u) => [u.email, u])),
    actual: new Map(actual.map((u) => [u.email, u])),
    managed: new Map(managed.map((u) => [u.email, u])),
    policy: policySchema.parse({ removeAfterDays: 30 }),
    now: new Date('2026-06-01T00:00:00Z'),
  });
}

describe('renderPlan', () => {
  test('lines per user like terraform plan, then warnings and totals', () => {
    const p = samplePlan();
    expect(renderPlan(p.ops, p.summary, ['something to know'])).toBe(
      [
        'zcc-sync will make these changes in ZCC:',
        '',
        '  - queue leaver@x.com ✕ Sales',
        '  - deactivate leaver@x.com',
        '  ~ update mover@x.com role: Agent → Supervisor, settings.channel_settings.concurrent_message_capacity: 2 → 4',
        '  + queue mover@x.com → Sales',
        '  - queue mover@x.com ✕ Support',
        '  + create new@x.com (role Agent, package premium, queues Sales, Support, settings country_iso_code=US)',
        '  - remove old@x.com (deactivated 2026-01-01)',
        '',
        'Warnings:',
        '  ! something to know',
        '',
        'Plan: 1 to create, 1 to update, 3 queue adds, 2 queue removes, 1 to deactivate, 1 to remove; 1 unchanged.',
      ].join('\n'),
    );
  });

  test('no changes', () => {
    const out = renderPlan([], { create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 240 }, []);
    expect(out).toBe('No changes: ZCC matches the directory for every managed user.\n\nPlan: 0 to create, 0 to update, 0 queue adds, 0 queue removes, 0 to deactivate, 0 to remove; 240 unchanged.');
  });

  test('re-joiner and already-inactive deactivation lines', () => {
    const out = renderPlan(
      [
        { email: 'r@x.com', kind: 'update', before: { access: 'inactive' }, after: { access: 'active' } },
        { email: 'i@x.com', kind: 'deactivate', before: { access: 'inactive' }, after: { access: 'inactive' } },
      ],
      { create: 0, update: 1, queueAdd: 0, queueRemove: 0, deactivate: 1, remove: 0, unchanged: 0 },
      [],
    );
    expect(out).toContain('  ~ update r@x.com access: inactive → active');
    expect(out).toContain('  - deactivate i@x.com (already inactive in ZCC; starts the removal grace period)');
  });

  test('colour only when asked', () => {
    const p = samplePlan();
    expect(renderPlan(p.ops, p.summary, [])).not.toContain('\x1b[');
    const coloured = renderPlan(p.ops, p.summary, [], { color: true });
    expect(coloured).toContain('  \x1b[32m+ create new@x.com');
    expect(coloured).toContain('\x1b[31m- deactivate leaver@x.com\x1b[0m');
    expect(coloured).toContain('\x1b[33m~ update mover@x.com');
  });

  test('totals: singular and plural', () => {
    expect(planTotals({ create: 3, update: 1, queueAdd: 2, queueRemove: 1, deactivate: 0, remove: 0, unchanged: 240 })).toBe(
      'Plan: 3 to create, 1 to update, 2 queue adds, 1 queue remove, 0 to deactivate, 0 to remove; 240 unchanged.',
    );
  });
});

describe('planJson', () => {
  test('exactly the contract shape', () => {
    const p = samplePlan();
    const doc = JSON.parse(JSON.stringify(planJson('rec-123', p.ops, p.summary, p.warnings)));
    expect(Object.keys(doc)).toEqual(['runId', 'summary', 'ops', 'warnings']);
    expect(doc.runId).toBe('rec-123');
    expect(doc.summary).toEqual({ create: 1, update: 1, queueAdd: 3, queueRemove: 2, deactivate: 1, remove: 1, unchanged: 1 });
    expect(Object.keys(doc.summary)).toEqual(['create', 'update', 'queueAdd', 'queueRemove', 'deactivate', 'remove', 'unchanged']);
    for (const op of doc.ops) expect(Object.keys(op)).toEqual(['email', 'kind', 'before', 'after']);
    expect(doc.ops).toContainEqual({ email: 'mover@x.com', kind: 'update', before: { role: 'Agent', settings: { channel_settings: { concurrent_message_capacity: 2 } } }, after: { role: 'Supervisor', settings: { channel_settings: { concurrent_message_capacity: 4 } } } });
    expect(doc.ops).toContainEqual({ email: 'new@x.com', kind: 'queueAdd', before: null, after: { queue: 'Sales' } });
    expect(doc.ops).toContainEqual({ email: 'leaver@x.com', kind: 'queueRemove', before: { queue: 'Sales' }, after: null });
    expect(doc.warnings).toEqual(p.warnings);
  });

  test('extra fields on ops or summary do not leak into the document', () => {
    const op = { email: 'a@x.com', kind: 'create' as const, before: null, after: {}, seq: 7 };
    const doc = planJson('r', [op], { create: 1, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0, extra: 1 } as never, []);
    expect(doc.ops[0]).toEqual({ email: 'a@x.com', kind: 'create', before: null, after: {} });
    expect(Object.keys(doc.summary)).not.toContain('extra');
  });
});
