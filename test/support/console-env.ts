/**
 * The console against the real stack: the sample directory (with the console's demo accounts and
 * role groups) in slapd, the sample Zoom account in the emulator (plus 250 Zoom users without a
 * ZCC license for Add, and one whose display name holds markup), the shared Temporal and SMTP, a
 * worker in the jest process, the console on a free loopback port, and headless Chromium.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sampleDirectorySpec, sampleMappings, sampleSeed } from '../../devstack/sample';
import { startConsole, type RunningConsole } from '../../console/main';
import { launchChromium } from './browser';
import { startSyncEnv, type SyncEnv } from './sync-env';

export const ADD_COUNT = 250;
export const addEmail = (i: number) => `console-add-${String(i).padStart(3, '0')}@example.com`;
export const XSS_EMAIL = 'markup.name@example.com';
export const XSS_NAME = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> Eve';

export interface ConsoleEnv {
  env: SyncEnv;
  console: RunningConsole;
  browser: Browser;
  url: string;
  /** A new browser context signed in as this demo account. */
  signedIn(name: string, password?: string): Promise<{ context: BrowserContext; page: Page }>;
  stop(): Promise<void>;
}

export async function startConsoleEnv(opts: { guards?: Record<string, number> } = {}): Promise<ConsoleEnv> {
  const seed = sampleSeed();
  const env = await startSyncEnv({
    directory: sampleDirectorySpec(),
    seed: {
      ...seed,
      licenses: {},
      accountUsers: [...seed.accountUsers, ...Array.from({ length: ADD_COUNT }, (_, i) => ({ email: addEmail(i + 1), name: `Console Add ${i + 1}` }))],
      ccUsers: [...seed.ccUsers, { email: XSS_EMAIL, name: XSS_NAME, role: 'Agent', package: 'essentials', access: 'active', queues: [] }],
    },
    config: {
      mappings: sampleMappings(),
      temporal: { uiUrl: 'http://127.0.0.1:8233' },
      policy: { guards: { maxRemovals: 50, maxRemovalPercent: 100, maxShrinkPercent: 100, ...(opts.guards ?? {}) } },
    },
  });
  let running: RunningConsole | undefined;
  let browser: Browser;
  try {
    running = await startConsole(env.config, { listen: '127.0.0.1:0' });
    browser = await launchChromium();
  } catch (err) {
    await running?.close();
    await env.stop();
    throw err;
  }
  const console = running;
  const signedIn = async (name: string, password = 'console-demo') => {
    const context = await browser.newContext({ baseURL: console.url, viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.fill('input[name=name]', name);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/sign-in')), page.click('button[type=submit]')]);
    return { context, page };
  };
  return {
    env, console, browser, url: console.url, signedIn,
    async stop() {
      await browser.close();
      await console.close();
      await env.stop();
    },
  };
}
