/**
 * /users: the list (from the mirror), a user's page, and the forms whose posts start admin jobs.
 * Reads need a viewer; every change needs an operator and ends on the job's run page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RawRequest } from '../../src/admin/validate';
import { readQueues, readRoles } from '../../src/admin/catalog';
import { explainUser } from '../../src/explain/explain-user';
import { listMirrorUsers, mirrorFacets, mirrorFreshness, mirrorUser } from '../../src/store/zcc-mirror';
import type { ConsoleDeps } from '../deps';
import { html } from '../html';
import { startJob } from '../jobs/start-job';
import { field, fields, userOf, view } from '../view';
import { PAGE_SIZE, usersQuery } from './filters';
import { addForm, editForm, emailList, removeConfirm, settingLines, type AddValues, type EditValues, type Names } from './forms';
import { usersPage } from './list-page';
import { userPage } from './user-page';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function registerUsers(app: FastifyInstance, deps: ConsoleDeps): void {
  const { db } = deps;

  app.get('/users', { config: { permission: 'view' } }, async (req, reply) => {
    const q = usersQuery(req.query);
    const [{ users, total }, facets, freshness] = await Promise.all([
      listMirrorUsers(db, q, { offset: (q.page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      mirrorFacets(db),
      mirrorFreshness(db),
    ]);
    return view(deps, req, reply, { title: 'Users', here: 'users' }, (csrf) => usersPage(userOf(req), csrf, { q, users, total, facets, freshness }));
  });

  app.get('/users/add', { config: { permission: 'operate' } }, async (req, reply) => {
    const names = await namesFor();
    return view(deps, req, reply, { title: 'Add users', here: 'users' }, (csrf) => addForm(csrf, names, EMPTY_ADD));
  });

  app.post('/users/add', { config: { permission: 'operate' } }, async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const v: AddValues = { emails: field(body, 'emails'), role: field(body, 'role'), package: field(body, 'package'), queues: fields(body, 'queues'), settings: field(body, 'settings') };
    const upload = body.csv;
    const csvText = Buffer.isBuffer(upload) && upload.length > 0 ? upload.toString('utf8') : undefined;
    const raw: RawRequest = {
      kind: 'assign', emails: emailList(v.emails), role: v.role || undefined, package: v.package || undefined, queues: v.queues, set: settingLines(v.settings),
      ...(csvText !== undefined ? { csv: { file: 'the uploaded CSV', text: csvText } } : {}),
    };
    if (raw.emails.length === 0 && !raw.csv) return refuse(req, reply, 'Add users', ['Emails: none given — type at least one email, or choose a CSV file with an email column'], (csrf, names) => addForm(csrf, names, v));
    const started = await startJob(deps, userOf(req), raw);
    if (!started.jobId) return refuse(req, reply, 'Add users', started.problems, (csrf, names) => addForm(csrf, names, v));
    return reply.redirect(`/runs/${started.jobId}`, 303);
  });

  app.post('/users/bulk', { config: { permission: 'operate' } }, async (req, reply) => {
    const action = field(req.body, 'action');
    const emails = fields(req.body, 'email');
    if (emails.length === 0) return reply.redirect('/users', 303);
    if (action === 'remove' && field(req.body, 'confirm') !== 'yes') return view(deps, req, reply, { title: 'Remove licenses', here: 'users' }, (csrf) => removeConfirm(csrf, emails));
    const raw: RawRequest | null = action === 'remove' ? { kind: 'remove', emails }
      : action === 'activate' || action === 'deactivate' ? { kind: 'edit', emails, status: action === 'activate' ? 'active' : 'inactive' } : null;
    if (!raw) throw Object.assign(new Error(`action: got "${action}" — expected activate, deactivate or remove`), { statusCode: 400 });
    const started = await startJob(deps, userOf(req), raw);
    if (!started.jobId) return view(deps, req, reply, { title: 'Users', here: 'users', errors: started.problems }, () => backToUsers, 400);
    return reply.redirect(`/runs/${started.jobId}`, 303);
  });

  app.get('/users/:email', { config: { permission: 'view' } }, async (req, reply) => {
    const email = emailParam(req);
    const mirror = await mirrorUser(db, email);
    let ex = null;
    let explainError: string | null = null;
    try {
      ex = await explainUser({ config: deps.config, db, zoom: deps.zoom, logger: quiet }, email, new Date());
    } catch (err) {
      explainError = (err as Error).message;
    }
    return view(deps, req, reply, { title: email, here: 'users' }, () => userPage(userOf(req), email, mirror, ex, explainError));
  });

  app.get('/users/:email/edit', { config: { permission: 'operate' } }, async (req, reply) => {
    const email = emailParam(req);
    const [mirror, names] = await Promise.all([mirrorUser(db, email), namesFor()]);
    return view(deps, req, reply, { title: `Edit ${email}`, here: 'users' }, (csrf) => editForm(csrf, names, mirror, email, EMPTY_EDIT));
  });

  app.post('/users/:email/edit', { config: { permission: 'operate' } }, async (req, reply) => {
    const email = emailParam(req);
    const body = req.body;
    const v: EditValues = { role: field(body, 'role'), package: field(body, 'package'), status: field(body, 'status'), addQueues: fields(body, 'addQueues'), removeQueues: fields(body, 'removeQueues'), settings: field(body, 'settings') };
    const raw: RawRequest = { kind: 'edit', emails: [email], role: v.role || undefined, package: v.package || undefined, status: v.status || undefined, addQueues: v.addQueues, removeQueues: v.removeQueues, set: settingLines(v.settings) };
    const started = await startJob(deps, userOf(req), raw);
    if (!started.jobId) {
      const mirror = await mirrorUser(db, email);
      return refuse(req, reply, `Edit ${email}`, started.problems, (csrf, names) => editForm(csrf, names, mirror, email, v));
    }
    return reply.redirect(`/runs/${started.jobId}`, 303);
  });

  app.get('/users/:email/remove', { config: { permission: 'operate' } }, async (req, reply) =>
    view(deps, req, reply, { title: 'Remove license', here: 'users' }, (csrf) => removeConfirm(csrf, [emailParam(req)])));

  /** Role and queue names for the forms: live from ZCC (two short reads), else what the mirror knows. */
  async function namesFor(): Promise<Names> {
    try {
      const [roles, queues] = await Promise.all([readRoles(deps.zoom), readQueues(deps.zoom)]);
      return { roles: roles.map((r) => r.name).sort(), queues: queues.map((q) => q.name).sort() };
    } catch {
      return mirrorFacets(db);
    }
  }

  async function refuse(req: FastifyRequest, reply: FastifyReply, title: string, problems: string[], form: (csrf: string, names: Names) => ReturnType<typeof addForm>): Promise<FastifyReply> {
    const names = await namesFor();
    return view(deps, req, reply, { title, here: 'users', errors: problems }, (csrf) => form(csrf, names), 400);
  }
}

const EMPTY_ADD: AddValues = { emails: '', role: '', package: 'essentials', queues: [], settings: '' };
const EMPTY_EDIT: EditValues = { role: '', package: '', status: '', addQueues: [], removeQueues: [], settings: '' };
const backToUsers = html`<p><a href="/users">Back to Users</a></p>`;

function emailParam(req: FastifyRequest): string {
  return decodeURIComponent((req.params as { email: string }).email).trim().toLowerCase();
}
