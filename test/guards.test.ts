/** Guards: when a reconcile must wait for an admin instead of applying. */
import { policySchema, type Policy } from '../src/config/schema';
import type { PlanSummary } from '../src/domain/types';
import { evaluateGuards, type GuardInput } from '../src/reconcile/guards';

const summary = (over: Partial<PlanSummary> = {}): PlanSummary => ({ create: 0, update: 0, queueAdd: 0, queueRemove: 0, deactivate: 0, remove: 0, unchanged: 0, ...over });
const policy = (guards: Partial<Policy['guards']> = {}): Policy =>
  policySchema.parse({ guards: { maxRemovals: 50, maxRemovalPercent: 10, minDirectoryUsers: 1, maxShrinkPercent: 20, ...guards } });
const input = (over: Partial<GuardInput>): GuardInput => ({
  directoryUsers: 250,
  lastGoodDirectoryUsers: 250,
  summary: summary(),
  managedCount: 250,
  policy: policy(),
  ...over,
});

describe('evaluateGuards', () => {
  test('a normal run passes', () => {
    expect(evaluateGuards(input({ summary: summary({ create: 3, deactivate: 2 }) }))).toEqual({ tripped: false, reasons: [] });
  });

  test('0 directory users is always held, even with minDirectoryUsers 0 and no last good run', () => {
    const r = evaluateGuards(input({ directoryUsers: 0, lastGoodDirectoryUsers: null, managedCount: 0, policy: policy({ minDirectoryUsers: 0 }) }));
    expect(r.tripped).toBe(true);
    expect(r.reasons[0]).toMatch(/directory returned 0 users/);
  });

  test('fewer users than minDirectoryUsers', () => {
    const r = evaluateGuards(input({ directoryUsers: 40, lastGoodDirectoryUsers: 41, policy: policy({ minDirectoryUsers: 50 }) }));
    expect(r).toEqual({ tripped: true, reasons: ['directory returned 40 users, fewer than the minimum of 50 (policy.guards.minDirectoryUsers)'] });
  });

  test('shrink of 50% since the last good run (limit 20%)', () => {
    const r = evaluateGuards(input({ directoryUsers: 125, lastGoodDirectoryUsers: 250 }));
    expect(r.tripped).toBe(true);
    expect(r.reasons).toEqual(['directory returned 125 users, 50% fewer than the last good run (250); limit 20% (policy.guards.maxShrinkPercent)']);
  });

  test('shrink exactly at the limit passes; just over trips', () => {
    expect(evaluateGuards(input({ directoryUsers: 200, lastGoodDirectoryUsers: 250 })).tripped).toBe(false); // 20%
    const r = evaluateGuards(input({ directoryUsers: 199, lastGoodDirectoryUsers: 250 }));
    expect(r.reasons[0]).toContain('20.4% fewer');
  });

  test('first run (no last good run): no shrink check', () => {
    expect(evaluateGuards(input({ directoryUsers: 5, lastGoodDirectoryUsers: null, managedCount: 0 })).tripped).toBe(false);
  });

  test('growth never trips the shrink guard', () => {
    expect(evaluateGuards(input({ directoryUsers: 1000, lastGoodDirectoryUsers: 250 })).tripped).toBe(false);
  });

  test('removals + deactivations beyond maxRemovals (count)', () => {
    const r = evaluateGuards(input({ summary: summary({ deactivate: 40, remove: 20 }), managedCount: 10_000 }));
    expect(r).toEqual({
      tripped: true,
      reasons: ['the plan deactivates or removes 60 users (40 to deactivate, 20 to remove); limit 50 (policy.guards.maxRemovals)'],
    });
  });

  test('removals + deactivations beyond maxRemovalPercent of managed users', () => {
    const r = evaluateGuards(input({ summary: summary({ deactivate: 30 }), managedCount: 250 }));
    expect(r).toEqual({
      tripped: true,
      reasons: ['the plan deactivates or removes 30 users (30 to deactivate, 0 to remove), 12% of the 250 managed users; limit 10% (policy.guards.maxRemovalPercent)'],
    });
  });

  test('at the limits exactly passes', () => {
    expect(evaluateGuards(input({ summary: summary({ deactivate: 20, remove: 5 }), managedCount: 250 })).tripped).toBe(false); // 25 = 10%
    expect(evaluateGuards(input({ summary: summary({ deactivate: 50 }), managedCount: 500 })).tripped).toBe(false); // 50 = maxRemovals
  });

  test('maxRemovals 0: any removal needs approval', () => {
    const r = evaluateGuards(input({ summary: summary({ remove: 1 }), managedCount: 10_000, policy: policy({ maxRemovals: 0 }) }));
    expect(r.tripped).toBe(true);
  });

  test('several guards at once: every reason is listed', () => {
    const r = evaluateGuards(input({ directoryUsers: 100, lastGoodDirectoryUsers: 250, summary: summary({ deactivate: 150 }), managedCount: 250 }));
    expect(r.reasons).toHaveLength(3);
  });
});
