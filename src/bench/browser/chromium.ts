/**
 * Headless Chromium for browser targets: Debian's /usr/bin/chromium driven by playwright-core (never a browser
 * downloaded by `npx playwright install`), launched once per bench run with a fresh temporary profile in a folder
 * this project owns (see {@link launchChromium}).
 */
import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';
import { createProfileHome } from './profile.js';
import type { Resources } from '../types.js';
import { startLocalServer, type LocalServer } from './server.js';

/** Flags measured to work on this stack (DESIGN.md §3). --disable-gpu still leaves WebGL2 on SwiftShader. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGPU is behind this flag on Linux; here it finds SwiftShader's fallback adapter.
  '--enable-unsafe-webgpu',
];

/** The Chromium executable: $EDGE_DISTILL_CHROMIUM or Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.EDGE_DISTILL_CHROMIUM || '/usr/bin/chromium';
}

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${path} (apt-get install -y chromium, or set EDGE_DISTILL_CHROMIUM)`;
  }
}

/**
 * Launches headless Chromium. Playwright puts the browser's profile (and an artifacts folder) in fresh `playwright_*`
 * folders under os.tmpdir(), which a killed process leaves behind with nothing saying whose they were, and launch()
 * accepts no userDataDir. So the temp dir is pointed, for the launch only, at a folder this process owns
 * (./profile.ts), removed by {@link closeChromium} or when the process exits, and by the next bench when the process
 * was killed. Playwright's own SIGINT/SIGTERM handlers are off: they close the browser and let the bench carry on
 * (SIGTERM) or exit mid-write (SIGINT); the bench handles signals itself (src/core/interrupt.ts).
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const home = await createProfileHome();
  const saved = process.env.TMPDIR;
  let browser: Browser;
  try {
    process.env.TMPDIR = home.dir;
    browser = await chromium.launch({
      executablePath: chromiumPath(), args: CHROMIUM_FLAGS, headless: true, timeout: 60_000,
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
      env: { ...process.env, TMPDIR: home.dir },
    });
  } catch (e) {
    home.remove();
    throw e;
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  homes.set(browser, home.remove);
  return browser;
}

/** Each launched browser's profile folder remover. */
const homes = new WeakMap<Browser, () => void>();

/** Closes a browser from {@link launchChromium} and removes its profile folder. */
export async function closeChromium(browser: Browser): Promise<void> {
  try {
    await browser.close();
  } finally {
    homes.get(browser)?.();
  }
}

/** The run's shared browser, launched on first use and closed with the run's resources. */
export function sharedBrowser(resources: Resources): Promise<Browser> {
  return resources.get('chromium', launchChromium, closeChromium);
}

/** The run's shared local HTTP server. */
export function sharedServer(resources: Resources): Promise<LocalServer> {
  return resources.get('server', () => startLocalServer(), (s) => s.close());
}
