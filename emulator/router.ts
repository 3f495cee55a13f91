/** The route table's types and the matcher of path templates (`/contact_center/users/{userId}`). */
import type { PageTokens } from './paging';
import type { State } from './state';
import type { RateLabel } from './types';

export interface Ctx {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when the request had none). */
  body: unknown;
  state: State;
  pages: PageTokens;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under /v2, with {param} placeholders; `METHOD template` is the stats/faults key. */
  template: string;
  /** The operation's "Rate Limit Label" in openapi.json. */
  label: RateLabel;
  /** Whether the operation reads a JSON body. */
  hasBody?: boolean;
  handler(ctx: Ctx): Promise<Reply>;
}

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const pattern = route.template.replace(/\{(\w+)\}/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      });
      return { route, regex: new RegExp(`^${pattern}/?$`), names };
    });
  }

  /** Literal segments win over parameters (`/users/batch` before `/users/{userId}`): routes are tried in table order. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = safeDecode(m[i + 1]!);
      });
      return { route: c.route, params };
    }
    return undefined;
  }

  /** The template a path would have under any method (for counting calls with a wrong method). */
  templateOf(path: string): string | undefined {
    return this.compiled.find((c) => c.regex.test(path))?.route.template;
  }

  keys(): string[] {
    return this.compiled.map((c) => `${c.route.method} ${c.route.template}`);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const key = (r: Route) => `${r.method} ${r.template}`;
