/**
 * Debian's Chromium driven by playwright-core, for the dashboard's browser tests. The flags keep
 * it off the network (this machine has none past loopback) and quiet; each test file launches one
 * browser and opens pages in fresh contexts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const hasChromium = existsSync(chromiumPath);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
      '--no-first-run',
      '--headless',
    ],
  });
}

/** Builds the page into dist/dashboard (esbuild: a fraction of a second), as `npm run build` does. */
export function buildDashboard(): void {
  execFileSync(process.execPath, ['scripts/build-dashboard.mjs'], { stdio: 'ignore' });
}
