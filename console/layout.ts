/** The frame of every page: navigation, who is signed in, sign-out, and the page's body. */
import { html, type Html } from './html';
import type { ConsoleUser } from './deps';

export interface PageFrame {
  title: string;
  /** Navigation entry to highlight. */
  here?: 'users' | 'runs' | 'approvals' | 'schedule';
  user?: ConsoleUser;
  csrf?: string;
  /** Held runs waiting, shown beside Approvals. */
  held?: number;
  notice?: string;
  errors?: string[];
}

const NAV: Array<[NonNullable<PageFrame['here']>, string, string]> = [
  ['users', '/users', 'Users'],
  ['runs', '/runs', 'Runs'],
  ['approvals', '/approvals', 'Approvals'],
  ['schedule', '/schedule', 'Schedule'],
];

export function page(frame: PageFrame, body: Html): string {
  const { user } = frame;
  const nav = user
    ? html`<nav>${NAV.map(([key, href, label]) => html`<a href="${href}" class="${key === frame.here ? 'here' : ''}">${label}${key === 'approvals' && frame.held ? html` (${frame.held})` : ''}</a>`)}</nav>
      <div class="who"><span title="${user.dn}">${user.displayName || user.name} · ${user.roles.join(', ')}</span>
      <form class="inline" method="post" action="/sign-out"><input type="hidden" name="_csrf" value="${frame.csrf}"><button class="secondary" type="submit">Sign out</button></form></div>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · zcc-sync</title><link rel="stylesheet" href="/assets/console.css"></head>
<body><header class="top"><span class="brand">zcc-sync</span>${nav}</header>
<main>${frame.notice ? html`<div class="notice" role="status">${frame.notice}</div>` : ''}${frame.errors?.length ? errorBox(frame.errors) : ''}${body}</main>
<script src="/assets/console.js"></script></body></html>`.text;
}

export function errorBox(errors: string[]): Html {
  return html`<div class="errors" role="alert">${errors.length === 1 ? errors[0] : html`<strong>${errors.length} problems, nothing was changed:</strong><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul>`}</div>`;
}

export const badge = (text: string | null | undefined): Html => (text ? html`<span class="badge ${text}">${text}</span>` : html`<span class="muted">—</span>`);

export const when = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').slice(0, 19) : '—');
