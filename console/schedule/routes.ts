/**
 * /schedule: the full and the delta reconcile's schedules — interval, next runs, recent runs —
 * with Pause, Resume and Trigger now for operators. Pause and resume act on both (as
 * `zcc-sync schedule pause|resume`); each action is in the audit log with who did it.
 */
import type { FastifyInstance } from 'fastify';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { recordConsoleAction } from '../../src/store/audit';
import { deltaScheduleId, scheduleId } from '../../src/temporal/ids';
import { describeIfExists, durationText, infoOf, type ScheduleInfo } from '../../src/temporal/schedule-info';
import type { ConsoleDeps } from '../deps';
import { html, type Html } from '../html';
import { when } from '../layout';
import { may } from '../permissions';
import { userOf, view } from '../view';

const ACTIONS = ['pause', 'resume', 'trigger'] as const;

export function registerSchedule(app: FastifyInstance, deps: ConsoleDeps): void {
  const ids = () => [scheduleId(deps.config), deltaScheduleId(deps.config)];

  app.get('/schedule', { config: { permission: 'view' } }, async (req, reply) => {
    const infos = await Promise.all(ids().map(async (id) => {
      const d = await describeIfExists(deps.temporal.schedule.getHandle(id));
      return d ? infoOf(id, d) : null;
    }));
    const operator = may(userOf(req), 'operate');
    return view(deps, req, reply, { title: 'Schedule', here: 'schedule' }, (csrf) => html`<h1>Schedule</h1>
${section('Full reconcile', infos[0], operator, csrf, 'zcc-sync schedule set --every 6h')}
${section('Delta reconcile', infos[1], operator, csrf, 'zcc-sync schedule set --every 6h --delta-every 30s')}`);
  });

  for (const action of ACTIONS) {
    app.post(`/schedule/${action}`, { config: { permission: 'operate' } }, async (req, reply) => {
      const actor = userOf(req).name;
      const targets = action === 'trigger' ? [scheduleId(deps.config)] : ids();
      for (const id of targets) {
        const handle = deps.temporal.schedule.getHandle(id);
        if (!(await describeIfExists(handle))) {
          if (id === scheduleId(deps.config)) throw Object.assign(new Error('There is no reconcile schedule yet (fix: `zcc-sync schedule set --every 6h`, or schedule.every in the config).'), { statusCode: 409 });
          continue;
        }
        if (action === 'pause') await handle.pause(`paused in the console by ${actor}`);
        else if (action === 'resume') await handle.unpause(`resumed in the console by ${actor}`);
        else await handle.trigger(ScheduleOverlapPolicy.SKIP);
        await recordConsoleAction(deps.db, { actor, op: `schedule-${action}`, target: id, result: 'done' });
      }
      return reply.redirect('/schedule', 303);
    });
  }
}

function section(title: string, info: ScheduleInfo | null, operator: boolean, csrf: string, fix: string): Html {
  if (!info) return html`<h2>${title}</h2><p class="muted">No schedule. Create it with <code>${fix}</code>.</p>`;
  const button = (action: string, label: string, cls = 'secondary') => html`<form class="inline" method="post" action="/schedule/${action}"><input type="hidden" name="_csrf" value="${csrf}"><button class="${cls}" type="submit">${label}</button></form>`;
  return html`<h2>${title}</h2>
<dl class="facts" data-testid="schedule-${info.scheduleId}"><dt>Schedule</dt><dd>${info.scheduleId}</dd><dt>State</dt><dd data-testid="schedule-state">${info.paused ? 'paused' : 'active'}</dd>
<dt>Interval</dt><dd>${[...info.every.map((e) => `every ${durationText(e)}`), ...info.cron].join(', ') || '—'}</dd>
<dt>Next runs</dt><dd>${info.paused ? 'none while paused' : info.nextRuns.map(when).join(', ') || '—'}</dd>
<dt>Recent runs</dt><dd>${info.recentRuns.map((r) => when(r.at)).join(', ') || 'none yet'}</dd><dt>Skipped while busy</dt><dd>${info.skippedOverlaps}</dd></dl>
${operator && title === 'Full reconcile' ? html`<p>${info.paused ? button('resume', 'Resume') : button('pause', 'Pause')} ${button('trigger', 'Trigger now', '')}</p>` : ''}`;
}
