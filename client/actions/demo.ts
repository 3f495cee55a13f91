/**
 * What `zcc-sync demo` does (its options: client/commands/demo.ts): starts the dev stack, shows
 * the plan, applies it with progress, prints the report and the emails received, and leaves the
 * stack running.
 */
import { devUp, describeStack } from '../../devstack/stack';
import { readMailbox, waitForMails } from '../../devstack/smtp';
import { printLine } from '../common';
import { withSession } from '../session';
import { runApply, runPlan } from './reconcile';
import { consoleDemoAccountLines } from '../../devstack/console-accounts';

export interface DemoOptions {
  stateDir?: string;
  reset?: boolean;
}

export async function demo(opts: DemoOptions): Promise<void> {
  const heading = (text: string) => printLine(`\n=== ${text}`);
  heading('1. Starting the embedded stack (zcc-sync dev up)');
  const { already, stack } = await devUp({ stateDir: opts.stateDir ?? '.state', reset: opts.reset, log: printLine });
  if (already) printLine('The stack already runs; using it.');
  for (const line of describeStack(stack)) printLine(`  ${line}`);
  const mailDir = stack.components.smtp?.dir;
  const before = mailDir ? await readMailbox(mailDir) : [];
  const mailsBefore = before.length;
  const reportsBefore = before.filter((m) => m.headers['x-zcc-sync-event'] === 'runReport').length;

  await withSession({ config: stack.configFile }, async (s) => {
    heading('2. What a reconcile would change (zcc-sync plan)');
    await runPlan(s, { as: 'demo' });
    heading('3. Applying it (zcc-sync apply --yes)');
    await runApply(s, { yes: true, wait: true, as: 'demo' });
  });

  if (mailDir) {
    heading('4. Emails received by the SMTP capture server (zcc-sync dev mail)');
    // Delivery follows the report: the admins' run report is the last email queued.
    const isReport = (m: { headers: Record<string, unknown> }) => m.headers['x-zcc-sync-event'] === 'runReport';
    await waitForMails(mailDir, isReport, reportsBefore + 1, 30_000).catch(() => undefined);
    const mails = (await readMailbox(mailDir)).slice(mailsBefore);
    const byEvent = new Map<string, number>();
    for (const m of mails) {
      const event = String(m.headers['x-zcc-sync-event'] ?? 'other');
      byEvent.set(event, (byEvent.get(event) ?? 0) + 1);
    }
    printLine(mails.length ? `${mails.length} emails: ${[...byEvent].map(([e, n]) => `${n} ${e}`).join(', ')}` : 'No new emails (nothing changed this time).');
    for (const m of mails.slice(0, 5)) printLine(`  to ${m.to.join(', ')}: ${m.subject}`);
    if (mails.length > 5) printLine(`  … and ${mails.length - 5} more (zcc-sync dev mail)`);
  }

  heading('The stack keeps running');
  if (stack.components.temporal?.uiUrl) printLine(`Temporal Web UI: ${stack.components.temporal.uiUrl}`);
  printLine(`Try:  export ZCC_SYNC_CONFIG=${stack.configFile}`);
  printLine('      ./bin/zcc-sync users list --queue Sales');
  printLine('      ./bin/zcc-sync runs list');
  printLine('      ./bin/zcc-sync console      # web console on http://127.0.0.1:8080; sign in as (name, password, role):');
  for (const line of consoleDemoAccountLines()) printLine(`        ${line}`);
  printLine('Stop: ./bin/zcc-sync dev down');
}
