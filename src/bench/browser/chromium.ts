/**
 * Headless Chromium for browser targets: Debian's /usr/bin/chromium driven by playwright-core (never a browser
 * downloaded by `npx playwright install`), launched once per bench run with a fresh temporary profile.
 */
import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';
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

/** Launches headless Chromium. playwright's launch() gives each browser a fresh temporary user-data-dir. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS, headless: true, timeout: 60_000 });
}

/** The run's shared browser, launched on first use and closed with the run's resources. */
export function sharedBrowser(resources: Resources): Promise<Browser> {
  return resources.get('chromium', launchChromium, (b) => b.close());
}

/** The run's shared local HTTP server. */
export function sharedServer(resources: Resources): Promise<LocalServer> {
  return resources.get('server', () => startLocalServer(), (s) => s.close());
}
