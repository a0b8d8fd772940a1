/**
 * Drives one model in a fresh browser context: serve the page, the runtime, the model and the test split from the
 * local server; throttle the CPU when the target asks; open the model in the page; time and predict there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fixedBatchOption } from '../onnx-shape.js';
import { NETWORK_PROFILES, type Target } from '../../config/target.js';
import { imagesFor, sampleShape } from '../layout.js';
import type { ModelRef, RunnerContext, Session } from '../types.js';
import { sharedBrowser, sharedServer } from './chromium.js';
import { pageHtml, pageModuleSource, type PageBench, type PageOpenConfig, type PageProgram } from './page.js';
import { servingProblems, type ServedRequest } from './server.js';

/** What a browser runner contributes: its page program and the runtime files it serves. */
export interface BrowserRunnerSpec {
  /** Runner name; the page lives at /bench/<name>.html. */
  name: string;
  program: PageProgram;
  /** Folders to serve (URL prefix → absolute folder), the script/module URLs to load and the wasm URL prefix. */
  assets(target: Target): { mounts: Record<string, string>; scripts: string[]; wasmPaths: string };
  /** Why this machine cannot serve the runtime files `target` needs (a package not installed), or undefined. */
  missing?(target: Pick<Target, 'backend'>): string | undefined;
}

declare global {
  interface Window {
    bench: PageBench;
    benchReady?: boolean;
  }
}

/** Rejects with a clear message when `p` takes longer than `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  // The loser of the race must not become an unhandled rejection (tfjs-backend-wasm's emscripten glue turns those
  // into process crashes under Node).
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Opens `ref` in a new page of the shared browser and returns a {@link Session} that runs in that page. */
export async function openBrowserSession(spec: BrowserRunnerSpec, ref: ModelRef, target: Target, ctx: RunnerContext): Promise<Session> {
  const server = await sharedServer(ctx.resources);
  const browser = await sharedBrowser(ctx.resources);
  // Every URL of this session lives under its own random token, and only requests under it are held against the
  // page: another process's requests to the server (404s included) cannot fail this session.
  const network = target.network ? NETWORK_PROFILES[target.network] : undefined;
  // A throttled target stands for a deployment: its files go out gzip-compressed with a CDN's caching headers (a
  // fresh browser context has an empty cache, so the load stays cold).
  const scope = server.openScope(network ? { gzip: true, cacheControl: 'public, max-age=31536000, immutable' } : {});
  const url = (path: string) => scope.base + path.replace(/^\//, '');
  const assets = spec.assets(target);
  for (const [prefix, dir] of Object.entries(assets.mounts)) scope.mountDir(prefix, dir);
  scope.mountContent(`/bench/${spec.name}.js`, pageModuleSource(spec.program), 'text/javascript; charset=utf-8');
  scope.mountContent(`/bench/${spec.name}.html`, pageHtml(url(`/bench/${spec.name}.js`)), 'text/html; charset=utf-8');
  const { data } = ctx;
  const layout = ref.artifact.layout ?? 'nhwc';
  const x = imagesFor(layout, data.x, data.n, data.shape);
  scope.mountContent('/data/x.f32', new Uint8Array(x.buffer, x.byteOffset, x.byteLength), 'application/octet-stream');
  scope.mountDir('/model/', ref.dir);

  const cfg: PageOpenConfig = {
    backend: target.backend,
    threads: target.threads,
    wasmPaths: assets.wasmPaths ? url(assets.wasmPaths) : '',
    scripts: assets.scripts.map(url),
    modelUrl: url('/model/' + ref.artifact.entry.split('/').map(encodeURIComponent).join('/')),
    sampleShape: sampleShape(layout, data.shape),
    ...(ref.artifact.inputName ? { inputName: ref.artifact.inputName } : {}),
    ...(ref.artifact.outputName ? { outputName: ref.artifact.outputName } : {}),
    ...(ref.artifact.format === 'onnx' ? fixedBatchOption(new Uint8Array(readFileSync(join(ref.dir, ref.artifact.entry))), ref.artifact.inputName) : {}),
    dataUrl: url('/data/x.f32'),
    n: data.n,
    chunk: 64,
  };

  // A fresh context per session: empty cache and storage, so every load is cold.
  const context: BrowserContext = await browser.newContext();
  const page: Page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  const cleanup = async () => {
    await context.close().catch(() => undefined);
    scope.close();
  };
  /** An error naming what went wrong in the page and any file the server could not serve properly. */
  const failure = (what: string, e: unknown) => {
    const problems = servingProblems(scope.takeLog());
    const parts = [`${target.id}: ${what}: ${(e as Error).message.split('\n')[0]}`];
    if (problems.length) parts.push(`served files: ${problems.join('; ')}`);
    if (pageErrors.length) parts.push(`page errors: ${[...new Set(pageErrors)].slice(0, 3).join(' | ')}`);
    return new Error(parts.join('; '));
  };

  let opened;
  let served: ServedRequest[] = [];
  try {
    const cdp = target.cpuThrottling > 1 || network ? await context.newCDPSession(page) : undefined;
    if (target.cpuThrottling > 1) {
      // Throttles the page's main thread (Lighthouse's mobile convention is 4x); workers are not slowed.
      await cdp!.send('Emulation.setCPUThrottlingRate', { rate: target.cpuThrottling });
    }
    scope.takeLog();
    await page.goto(scope.url(`/bench/${spec.name}.html`), { timeout: 60_000 });
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    await withTimeout(page.evaluate((c) => window.bench.loadData(c), cfg), 120_000, 'loading the test images into the page');
    if (network) {
      // Only the runtime and the model load under the profile; the page and the test images came before it.
      await cdp!.send('Network.enable');
      await cdp!.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: network.latencyMs,
        downloadThroughput: network.downloadBytesPerSec,
        uploadThroughput: network.uploadBytesPerSec,
      });
    }
    opened = await withTimeout(page.evaluate((c) => window.bench.open(c), cfg), 300_000, 'opening the model in the page');
    if (network) await cdp!.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    // A runtime may work around a bad response (emscripten falls back from streaming compilation when the wasm MIME
    // type is wrong), but a deployment serving it that way is broken: report it instead of measuring around it.
    served = scope.takeLog();
    const problems = servingProblems(served);
    if (problems.length) throw new Error(problems.join('; '));
  } catch (e) {
    const err = failure(`the page could not open ${ref.artifact.entry}`, e);
    await cleanup();
    throw err;
  }

  const notes = [...opened.notes];
  // Which wasm binary the runtime picked (SIMD, threads, JSEP/asyncify) says more than any flag.
  const wasm = [...new Set(served.filter((r) => r.path.endsWith('.wasm') && r.status === 200).map((r) => r.path.split('/').pop()))];
  if (wasm.length) notes.push(`wasm binary: ${wasm.join(', ')}`);
  if (target.network) notes.push(`runtime and model loaded under the ${target.network} network profile (CDP Network.emulateNetworkConditions), gzip-compressed`);
  if (target.cpuThrottling > 1) notes.push(`CPU throttled ${target.cpuThrottling}x (CDP Emulation.setCPUThrottlingRate; main thread only)`);
  const guarded = async <T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(fn(), ms, what);
    } catch (e) {
      throw failure(what, e);
    }
  };
  return {
    info: {
      runtimeVersion: `${opened.runtimeVersion} in Chromium ${browser.version()}`,
      runtimeInitMs: opened.runtimeInitMs,
      coldLoadMs: opened.coldLoadMs,
      firstPrediction: { ...opened.firstPrediction, ...(target.network ? { network: target.network } : {}) },
      ...(opened.fixedBatch !== null ? { fixedBatch: opened.fixedBatch } : {}),
      device: opened.device,
      notes,
    },
    time: (batch, plan) => guarded(`timing batch ${batch}`, plan.maxTimeMs + 300_000, () => page.evaluate(([b, p]) => window.bench.time(b, p), [batch, plan] as const)),
    predict: async (count) => Int32Array.from(await guarded('predicting the test split', 600_000, () => page.evaluate((c) => window.bench.predict(c), count))),
    memory: async () => (await guarded('reading memory', 30_000, () => page.evaluate(() => window.bench.memory()))) ?? undefined,
    async dispose() {
      await page.evaluate(() => window.bench.dispose()).catch(() => undefined);
      await cleanup();
    },
  };
}
