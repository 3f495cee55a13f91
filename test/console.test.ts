/// <reference lib="dom" />
/**
 * The web console in a real browser (Debian's Chromium, headless, via playwright-core) against the
 * real stack: slapd (sign-in binds as the user), Temporal (every change is a workflow), the ZCC
 * emulator, the SMTP capture and a worker. Each test asserts what an admin would check: what the
 * page shows, what the emulator holds, which emails arrived, what the store recorded. The pages
 * are saved as screenshots in docs/console/ (the README shows them).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import type { StateUser } from '../emulator/types';
import { CONSOLE_DEMO_PASSWORD } from '../devstack/console-accounts';
import { ADD_COUNT, addEmail, startConsoleEnv, XSS_EMAIL, XSS_NAME, type ConsoleEnv } from './support/console-env';
import { mailsOfRun } from './support/sync-env';
import { REPO_ROOT } from './support/stack-state';

jest.setTimeout(240_000);

const SHOTS = path.join(REPO_ROOT, 'docs', 'console');
let c: ConsoleEnv;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  c = await startConsoleEnv({ guards: { maxRemovals: 5 } });
});
afterAll(async () => {
  await c?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });

/** Waits (the page reloads itself when the run ends) until the run page shows one of these statuses. */
async function runEnds(page: Page, statuses: string[], timeout = 180_000): Promise<string> {
  const status = page.locator('[data-testid=run-status] .badge');
  try {
    await page.waitForFunction((wanted) => {
      const el = document.querySelector('[data-testid=run-status] .badge');
      return Boolean(el && wanted.includes(el.textContent ?? ''));
    }, statuses, { timeout });
  } catch (err) {
    // Say what the page showed instead: a status never reached, or an error page.
    throw new Error(`${(err as Error).message}\npage ${page.url()} shows:\n${(await page.locator('main').innerText()).slice(0, 1500)}`);
  }
  return (await status.textContent()) ?? '';
}

const runIdOf = (page: Page) => decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);

/** Every email the Users page lists for this query, following Next links. */
async function listed(page: Page, query: string): Promise<string[]> {
  await page.goto(`/users${query}`);
  const emails: string[] = [];
  for (;;) {
    emails.push(...(await page.locator('[data-testid=users] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email') ?? ''))));
    const next = page.locator('[data-testid=pager] a', { hasText: 'Next' });
    if ((await next.count()) === 0) return emails.sort();
    await next.click();
  }
}

async function zccUsers(): Promise<Map<string, StateUser>> {
  return new Map((await c.env.emu.state()).users.map((u) => [u.email, u]));
}

test('sign-in: a wrong password and a user in no role group are refused; a viewer signs in, sees no Add, signs out', async () => {
  const context = await c.browser.newContext({ baseURL: c.url, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto('/users');
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await shot(page, 'sign-in');

  await page.fill('input[name=name]', 'kara.moore');
  await page.fill('input[name=password]', 'not-her-password');
  await page.click('button[type=submit]');
  await expect(page.locator('.errors').textContent()).resolves.toContain('Wrong user name or password');

  await page.fill('input[name=name]', 'dan.adams');
  await page.fill('input[name=password]', CONSOLE_DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await expect(page.locator('.errors').textContent()).resolves.toMatch(/role/i);
  expect(new URL(page.url()).pathname).toBe('/sign-in');

  await page.fill('input[name=name]', 'kara.moore');
  await page.fill('input[name=password]', CONSOLE_DEMO_PASSWORD);
  await Promise.all([page.waitForURL('**/users'), page.click('button[type=submit]')]);
  await expect(page.locator('header .who').textContent()).resolves.toContain('Kara Moore · viewer');
  expect(await page.locator('a', { hasText: /^Add$/ }).count()).toBe(0);
  const cookie = (await context.cookies()).find((k) => k.name === 'zcc_console');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

  await page.click('button:has-text("Sign out")');
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await page.goto('/users');
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await context.close();
});

test('an operator applies a reconcile from the Runs page: live progress, then completed, with its plan and emails', async () => {
  const { context, page } = await c.signedIn('ada.king');
  await page.goto('/runs');
  await page.click('button:has-text("Apply (reconcile now)")');
  expect(await runEnds(page, ['completed', 'failed', 'held'])).toBe('completed');
  const totals = await page.locator('[data-testid=plan-totals]').textContent();
  const zcc = await zccUsers();
  const created = Number(/\+ (\d+) create/.exec(totals ?? '')?.[1]);
  expect(created).toBeGreaterThan(250);
  expect([...zcc.values()].filter((u) => u.role === 'Supervisor').length).toBeGreaterThan(0);
  await expect(page.locator('[data-testid=plan] tbody tr').count()).resolves.toBe(200);
  await page.waitForFunction(() => Number(/Emails \((\d+)\)/.exec(document.body.innerText)?.[1] ?? 0) > 0).catch(() => undefined);
  await shot(page, 'run');
  await context.close();
});

test('search and each filter, alone and combined, list exactly the users the emulator holds', async () => {
  const { context, page } = await c.signedIn('kara.moore');
  const zcc = [...(await zccUsers()).values()];
  const expectOf = (f: { search?: string; queue?: string; status?: string; role?: string }) => zcc
    .filter((u) => !f.search || u.email.includes(f.search) || u.name.toLowerCase().includes(f.search))
    .filter((u) => !f.queue || u.queues.includes(f.queue))
    .filter((u) => !f.status || u.access === f.status)
    .filter((u) => !f.role || u.role === f.role)
    .map((u) => u.email).sort();

  // Through the form, as a person would: the filters land in the URL.
  await page.goto('/users');
  await page.fill('input[name=search]', 'an');
  await page.selectOption('select[name=queue]', 'Support');
  await Promise.all([page.waitForURL(/search=an/), page.click('button:has-text("Filter")')]);
  expect(page.url()).toContain('queue=Support');
  const viaForm = await listed(page, new URL(page.url()).search);
  expect(viaForm).toEqual(expectOf({ search: 'an', queue: 'Support' }));
  expect(viaForm.length).toBeGreaterThan(0);

  const cases = [
    { search: 'smith' }, { queue: 'Escalations' }, { queue: 'Sales' }, { status: 'inactive' }, { status: 'active' }, { role: 'Supervisor' },
    { role: 'Agent', queue: 'Billing' }, { role: 'Supervisor', status: 'active', queue: 'Support' }, { search: 'hand', status: 'active' },
  ];
  for (const f of cases) {
    const query = `?${new URLSearchParams(f as unknown as Record<string, string>).toString()}`;
    expect({ f, emails: await listed(page, query) }).toEqual({ f, emails: expectOf(f) });
  }
  await context.close();
});

test('Add with a 250-row CSV: progress, then 250 done; the emulator holds them with role, package, queues and settings; 250 emails', async () => {
  const { context, page } = await c.signedIn('ada.king');
  const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'console-add-')), 'agents.csv');
  fs.writeFileSync(csv, ['email', ...Array.from({ length: ADD_COUNT }, (_, i) => addEmail(i + 1))].join('\n') + '\n');
  await page.goto('/users');
  await page.click('a:has-text("Add")');
  await page.setInputFiles('input[name=csv]', csv);
  await page.selectOption('select[name=role]', 'Agent');
  await page.selectOption('select[name=package]', 'premium');
  await page.selectOption('select[name=queues]', ['Sales', 'Billing']);
  await page.fill('textarea[name=settings]', 'country_iso_code=DE');
  await shot(page, 'add');
  await Promise.all([page.waitForURL(/\/runs\/[^/]*assign-/), page.click('button:has-text("Add")')]);
  const jobId = runIdOf(page);
  // Live progress while it runs (a 250-user job takes several seconds here).
  await expect(page.locator('[data-testid=progress] progress').count()).resolves.toBe(1);
  expect(await runEnds(page, ['completed', 'failed'])).toBe('completed');
  await expect(page.locator('[data-testid=job-counts]').textContent()).resolves.toBe(`${ADD_COUNT} done, 0 already so, 0 not a Zoom user, 0 failed`);

  const zcc = await zccUsers();
  for (let i = 1; i <= ADD_COUNT; i++) {
    const u = zcc.get(addEmail(i));
    expect({ email: addEmail(i), role: u?.role, package: u?.package, queues: [...(u?.queues ?? [])].sort(), country: u?.settings.country_iso_code })
      .toEqual({ email: addEmail(i), role: 'Agent', package: 'premium', queues: ['Billing', 'Sales'], country: 'DE' });
  }
  let mails = await mailsOfRun(jobId);
  for (let t = 0; t < 60 && new Set(mails.flatMap((m) => m.to)).size < ADD_COUNT; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    mails = await mailsOfRun(jobId);
  }
  const added = new Set(Array.from({ length: ADD_COUNT }, (_, i) => addEmail(i + 1)));
  expect(mails.filter((m) => m.to.some((t) => added.has(t))).length).toBe(ADD_COUNT);
  // Recorded as the console's, in the signed-in name: the run's trigger and its ops' audit actor,
  // which `audit --actor ada.king` finds.
  expect(await c.env.db('runs').where({ id: jobId }).first()).toMatchObject({ kind: 'assign', trigger: 'console:ada.king' });
  const actors = await c.env.db('audit').where({ run_id: jobId }).pluck('actor');
  expect(actors.length).toBeGreaterThanOrEqual(ADD_COUNT);
  expect(new Set(actors)).toEqual(new Set(['console:ada.king']));
  const audit = await c.env.cli(['audit', '--actor', 'ada.king', '--run', jobId, '--format', 'json']);
  expect(audit.code).toBe(0);
  expect(JSON.parse(audit.stdout)).toHaveLength(actors.length);
  await shot(page, 'job');
  await context.close();
});

test('edit one user’s role and queues; deactivate 3 with check boxes; remove 2 after a confirmation naming how many', async () => {
  const { context, page } = await c.signedIn('ada.king');
  const target = addEmail(1);
  await page.goto(`/users/${encodeURIComponent(target)}/edit`);
  await page.selectOption('select[name=role]', 'Supervisor');
  await page.selectOption('select[name=addQueues]', ['Support']);
  await page.selectOption('select[name=removeQueues]', ['Sales']);
  await shot(page, 'edit');
  await Promise.all([page.waitForURL(/\/runs\/[^/]*edit-/), page.click('button:has-text("Save")')]);
  expect(await runEnds(page, ['completed', 'failed'])).toBe('completed');
  let u = (await zccUsers()).get(target);
  expect({ role: u?.role, queues: [...(u?.queues ?? [])].sort() }).toEqual({ role: 'Supervisor', queues: ['Billing', 'Support'] });

  const deactivate = [addEmail(11), addEmail(12), addEmail(13)];
  await page.goto('/users?search=console-add-01');
  for (const e of deactivate) await page.check(`input[name=email][value="${e}"]`);
  await shot(page, 'users');
  await Promise.all([page.waitForURL(/\/runs\/[^/]*edit-/), page.click('button:has-text("Deactivate")')]);
  expect(await runEnds(page, ['completed', 'failed'])).toBe('completed');
  const zcc = await zccUsers();
  expect(deactivate.map((e) => zcc.get(e)?.access)).toEqual(['inactive', 'inactive', 'inactive']);
  expect(zcc.get(addEmail(14))?.access).toBe('active');

  const remove = [addEmail(21), addEmail(22)];
  await page.goto('/users?search=console-add-02');
  for (const e of remove) await page.check(`input[name=email][value="${e}"]`);
  await page.click('button:has-text("Remove")');
  await expect(page.locator('[data-testid=remove-question]').textContent()).resolves.toContain('Remove the ZCC license of 2 users');
  expect((await zccUsers()).has(remove[0])).toBe(true); // nothing before the confirmation
  await shot(page, 'remove-confirm');
  await Promise.all([page.waitForURL(/\/runs\/[^/]*remove-/), page.click('button:has-text("Remove 2 licenses")')]);
  expect(await runEnds(page, ['completed', 'failed'])).toBe('completed');
  const after = await zccUsers();
  expect(remove.map((e) => after.has(e))).toEqual([false, false]);
  expect(after.has(addEmail(23))).toBe(true);

  // The user's page: ZCC state and the history of changes, with who made them.
  await page.goto(`/users/${encodeURIComponent(target)}`);
  await expect(page.locator('[data-testid=zcc-state]').textContent()).resolves.toContain('Supervisor');
  const history = await page.locator('[data-testid=history]').textContent();
  expect(history).toContain('ada.king');
  await shot(page, 'user');
  u = (await zccUsers()).get(target);
  expect(u?.role).toBe('Supervisor');
  await context.close();
});

test('a held run: a viewer sees no Approve and a forged approve is refused (403); an approver approves and it applies', async () => {
  // The 250 users added by hand are managed and in no mapped group: the next reconcile wants to
  // deactivate them, which the guard (maxRemovals 5) holds for approval.
  const operator = await c.signedIn('ada.king');
  await operator.page.goto('/runs');
  await operator.page.click('button:has-text("Apply (reconcile now)")');
  expect(await runEnds(operator.page, ['held', 'completed', 'failed'])).toBe('held');
  const runId = runIdOf(operator.page);
  await expect(operator.page.locator('[data-testid=held-reasons]').textContent()).resolves.toMatch(/deactivat|remov/i);
  expect(await operator.page.locator('button:has-text("Approve")').count()).toBe(0);

  const viewer = await c.signedIn('kara.moore');
  await viewer.page.goto(`/runs/${runId}`);
  expect(await viewer.page.locator('button:has-text("Approve")').count()).toBe(0);
  await expect(viewer.page.locator('main').textContent()).resolves.toContain('Waiting for an approver');
  const token = await viewer.page.locator('input[name=_csrf]').first().inputValue();
  const forged = await viewer.page.request.post(`/runs/${runId}/approve`, { form: { _csrf: token } });
  expect(forged.status()).toBe(403);
  const row = await c.env.db('runs').where({ id: runId }).first();
  expect(row.status).toBe('held');

  const approver = await c.signedIn('finn.ortiz');
  await approver.page.goto('/approvals');
  await expect(approver.page.locator('[data-testid=held-run]').count()).resolves.toBe(1);
  await shot(approver.page, 'approvals');
  await approver.page.click(`a:has-text("Review")`);
  await shot(approver.page, 'held-run');
  await approver.page.click('button:has-text("Approve")');
  expect(await runEnds(approver.page, ['completed', 'failed'])).toBe('completed');
  const zcc = await zccUsers();
  expect(zcc.get(addEmail(30))?.access).toBe('inactive');
  const decision = await c.env.db('audit').where({ run_id: runId, op: 'approve' }).first();
  expect(decision?.actor).toBe('finn.ortiz');
  for (const s of [operator, viewer, approver]) await s.context.close();
});

test('a change without a CSRF token is refused and changes nothing; a display name holding <script> is shown as text', async () => {
  const { context, page } = await c.signedIn('ada.king');
  await page.goto('/users');
  const runsBefore = Number((await c.env.db('runs').count({ n: '*' }).first())?.n);
  const noToken = await page.request.post('/runs/preview', { form: {} });
  expect(noToken.status()).toBe(403);
  const badToken = await page.request.post('/users/bulk', { form: { _csrf: 'forged', action: 'remove', confirm: 'yes', email: addEmail(40) } });
  expect(badToken.status()).toBe(403);
  expect(Number((await c.env.db('runs').count({ n: '*' }).first())?.n)).toBe(runsBefore);
  expect((await zccUsers()).has(addEmail(40))).toBe(true);

  await page.goto(`/users?search=${encodeURIComponent('markup.name')}`);
  const cell = page.locator(`tr[data-email="${XSS_EMAIL}"] td`).nth(2);
  await expect(cell.textContent()).resolves.toBe(XSS_NAME);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  const csp = (await page.request.get('/users')).headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self'");
  await context.close();
});

test('schedule: an operator pauses, resumes and triggers it; the actions are in the audit log', async () => {
  const set = await c.env.cli(['schedule', 'set', '--every', '6h']);
  expect(set.code).toBe(0);
  const { context, page } = await c.signedIn('ada.king');
  await page.goto('/schedule');
  await expect(page.locator('[data-testid=schedule-state]').first().textContent()).resolves.toBe('active');
  await page.click('button:has-text("Pause")');
  await expect(page.locator('[data-testid=schedule-state]').first().textContent()).resolves.toBe('paused');
  await page.click('button:has-text("Resume")');
  await expect(page.locator('[data-testid=schedule-state]').first().textContent()).resolves.toBe('active');
  await shot(page, 'schedule');
  const actions = await c.env.db('audit').where({ actor: 'ada.king' }).whereIn('op', ['schedule-pause', 'schedule-resume']).pluck('op');
  expect(actions).toEqual(['schedule-pause', 'schedule-resume']);
  await c.env.cli(['schedule', 'delete']);
  await context.close();
});
