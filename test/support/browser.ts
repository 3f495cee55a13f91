/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser download cannot be
 * reached here). ZCC_CHROMIUM overrides the path. A missing browser fails the test with the fix:
 * it is never skipped (scripts/setup.sh installs it).
 */
import * as fs from 'fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.ZCC_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the console tests drive a real browser (fix: scripts/setup.sh installs Debian's chromium, or set ZCC_CHROMIUM to its path)`);
  }
  // --no-sandbox: CI and developers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
