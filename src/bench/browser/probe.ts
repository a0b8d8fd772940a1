import type { Target } from '../../config/target.js';
import type { DeviceInfo, ProbeResult, RunnerContext } from '../types.js';
import { chromiumMissing, sharedBrowser, sharedServer } from './chromium.js';
import { describeDevice, portableCall } from './page.js';

/**
 * Whether Chromium can run a browser target here: the executable exists and launches, and GPU backends find a WebGL
 * context or a WebGPU adapter. Returns what the backend would run on (SwiftShader is flagged software-emulated).
 */
export async function probeChromium(target: Target, ctx: RunnerContext): Promise<ProbeResult> {
  const missing = chromiumMissing();
  if (missing) return { ok: false, reason: missing };
  try {
    await sharedBrowser(ctx.resources);
  } catch (e) {
    return { ok: false, reason: `Chromium failed to start: ${(e as Error).message.split('\n')[0]}` };
  }
  let device: DeviceInfo;
  try {
    device = await ctx.resources.get(
      `chromium-device:${target.backend}`,
      async () => {
        const server = await sharedServer(ctx.resources);
        server.mountContent('/blank.html', '<!doctype html><title>probe</title>', 'text/html; charset=utf-8');
        const browser = await sharedBrowser(ctx.resources);
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          // WebGPU needs a secure context: 127.0.0.1 is one, about:blank is not.
          await page.goto(`${server.origin}/blank.html`);
          return (await page.evaluate(portableCall(describeDevice, target.backend))) as DeviceInfo;
        } finally {
          await context.close();
        }
      },
      async () => undefined,
    );
  } catch (e) {
    return { ok: false, reason: `Chromium could not report its ${target.backend} device: ${(e as Error).message.split('\n')[0]}` };
  }
  if (target.backend === 'webgpu' && device.description === 'no WebGPU adapter') {
    return { ok: false, reason: 'Chromium found no WebGPU adapter (needs --enable-unsafe-webgpu and a GPU or SwiftShader)' };
  }
  if (target.backend === 'webgl' && device.description === 'no WebGL context') {
    return { ok: false, reason: 'Chromium could not create a WebGL context' };
  }
  return { ok: true, device };
}
