/**
 * Email templates: every template renders subject, text and HTML; names are HTML-escaped;
 * run mails link to the run in the Temporal Web UI.
 */
import {
  accessDeactivated,
  esc,
  licenseAssigned,
  licenseExhausted,
  licenseRemoved,
  runFailed,
  runHeld,
  runReport,
  userChanged,
  workflowUrl,
  type RenderedMail,
} from '../src/mail/templates';

const evil = '<script>alert("x")</script>';
const ui = { uiUrl: 'http://127.0.0.1:8233/', namespace: 'default' };

function expectWellFormed(m: RenderedMail) {
  expect(m.subject.length).toBeGreaterThan(0);
  expect(m.subject).not.toMatch(/[\r\n]/);
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.html).toMatch(/^<!doctype html>/);
  expect(m.html).toContain('</html>');
  // No raw script tag in the HTML, ever.
  expect(m.html).not.toContain('<script>');
}

describe('user templates', () => {
  test('licenseAssigned lists role, package and queues; escapes the name', () => {
    const m = licenseAssigned({ name: evil, email: 'a@example.com', role: 'Agent', package: 'premium', queues: ['Support', 'Billing & Claims'] });
    expectWellFormed(m);
    expect(m.subject).toBe('Your Zoom Contact Center license is ready');
    expect(m.text).toContain('Role:');
    expect(m.text).toContain('Agent');
    expect(m.text).toContain('premium');
    expect(m.text).toContain('Support, Billing & Claims');
    expect(m.text).toContain(`Hello ${evil},`); // plain text carries the name as is
    expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(m.html).toContain('Support, Billing &amp; Claims');
  });

  test('licenseAssigned without queues says so', () => {
    const m = licenseAssigned({ email: 'a@example.com', role: 'Agent', package: 'essentials', queues: [] });
    expect(m.text).toContain('none yet');
    expect(m.text).toMatch(/^Hello,/);
  });

  test('userChanged lists each change', () => {
    const m = userChanged({
      name: 'Ada',
      email: 'a@example.com',
      changes: {
        role: { from: 'Agent', to: 'Supervisor' },
        access: { from: 'inactive', to: 'active' },
        queuesAdded: ['Sales'],
        queuesRemoved: [evil],
        settings: [{ field: 'channel_settings.multi_channel_engagements.enable', from: false, to: true }],
      },
    });
    expectWellFormed(m);
    expect(m.text).toContain('Role: Agent → Supervisor');
    expect(m.text).toContain('Access: inactive → active');
    expect(m.text).toContain('Added to queues: Sales');
    expect(m.text).toContain('Setting channel_settings.multi_channel_engagements.enable: false → true');
    expect(m.html).toContain('Removed from queues: &lt;script&gt;');
  });

  test('accessDeactivated and licenseRemoved render', () => {
    const d = accessDeactivated({ name: evil, email: 'a@example.com', licenseRemovalDate: '2030-01-31' });
    expectWellFormed(d);
    expect(d.subject).toBe('Your Zoom Contact Center access was deactivated');
    expect(d.text).toContain('2030-01-31');
    const r = licenseRemoved({ name: evil, email: 'a@example.com' });
    expectWellFormed(r);
    expect(r.subject).toBe('Your Zoom Contact Center license was removed');
  });
});

describe('admin templates', () => {
  test('runReport: counts per op and outcome, failures capped, link to the run', () => {
    const failures = Array.from({ length: 30 }, (_, i) => ({ email: `u${i}@example.com`, op: 'create', error: `boom ${i}` }));
    failures[0].email = evil;
    const m = runReport({
      kind: 'reconcile',
      workflowId: 'reconcile-2024/01 #1',
      status: 'completed',
      actor: 'schedule',
      counts: { create: { done: 250, failed: 30 }, queueAdd: { done: 12, already: 3 }, remove: { not_zoom_user: 2 } },
      failures,
      maxFailures: 10,
      email: { sent: 250, failed: 0, unknown: 1 },
      ui,
    });
    expectWellFormed(m);
    expect(m.subject).toBe('[zcc-sync] reconcile completed: 262 done, 3 already so, 30 failed');
    expect(m.text).toContain('license assigned: 250 done, 0 already so, 0 not a Zoom user, 30 failed');
    expect(m.text).toContain('queue added: 12 done, 3 already so');
    expect(m.text).toContain('license removed: 0 done, 0 already so, 2 not a Zoom user');
    expect(m.text).toContain('Failures (first 10 of 30)');
    expect(m.text).toContain('u9@example.com (license assigned): boom 9');
    expect(m.text).not.toContain('u10@example.com');
    expect(m.text).toContain('... and 20 more.');
    expect(m.text).toContain('1 unconfirmed');
    const url = 'http://127.0.0.1:8233/namespaces/default/workflows/reconcile-2024%2F01%20%231';
    expect(m.text).toContain(url);
    expect(m.html).toContain(`href="${url}"`);
    expect(m.html).toContain('&lt;script&gt;');
  });

  test('runReport without a UI URL has no link, and says when nothing changed', () => {
    const m = runReport({ kind: 'assign', workflowId: 'assign-1', status: 'completed', counts: {}, failures: [], ui: { namespace: 'default' } });
    expectWellFormed(m);
    expect(m.text).toContain('No changes.');
    expect(m.text).not.toContain('http');
    expect(m.html).not.toContain('href=');
  });

  test('runHeld gives reasons and the approve/reject commands', () => {
    const m = runHeld({
      kind: 'reconcile',
      workflowId: 'reconcile-42',
      reasons: ['removals 80 exceed policy.guards.maxRemovals 50', evil],
      summary: { create: 3, remove: 80 },
      expiresAt: '2030-01-02T00:00:00Z',
      ui,
    });
    expectWellFormed(m);
    expect(m.subject).toBe('[zcc-sync] reconcile held for approval: reconcile-42');
    expect(m.text).toContain('zcc-sync runs approve reconcile-42');
    expect(m.text).toContain('zcc-sync runs reject reconcile-42');
    expect(m.text).toContain('removals 80 exceed policy.guards.maxRemovals 50');
    expect(m.text).toContain('license removed: 80');
    expect(m.html).toContain('http://127.0.0.1:8233/namespaces/default/workflows/reconcile-42');
  });

  test('runFailed shows the error, escaped', () => {
    const m = runFailed({ kind: 'remove', workflowId: 'remove-7', error: `ZCC 500 ${evil}`, ui });
    expectWellFormed(m);
    expect(m.subject).toBe('[zcc-sync] remove failed: remove-7');
    expect(m.text).toContain(`ZCC 500 ${evil}`);
    expect(m.html).toContain('ZCC 500 &lt;script&gt;');
    expect(m.html).toContain('/namespaces/default/workflows/remove-7');
  });

  test('licenseExhausted names the package and the users', () => {
    const m = licenseExhausted({ package: 'elite', count: 25, emails: ['a@example.com', 'b@example.com'], workflowId: 'reconcile-9', ui });
    expectWellFormed(m);
    expect(m.subject).toBe('[zcc-sync] No elite licenses left: 25 users not assigned');
    expect(m.text).toContain('a@example.com');
    expect(m.text).toContain('... and 23 more.');
    expect(m.text).toContain('/namespaces/default/workflows/reconcile-9');
  });

  test('subjects cannot carry header injection', () => {
    const m = runFailed({ kind: 'reconcile', workflowId: 'x\r\nBcc: victim@example.com', error: 'e' });
    expect(m.subject).not.toMatch(/[\r\n]/);
  });
});

test('helpers', () => {
  expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  expect(workflowUrl('https://cloud.temporal.io', 'ns.acct', 'wf')).toBe('https://cloud.temporal.io/namespaces/ns.acct/workflows/wf');
});
