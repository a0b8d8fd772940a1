/** TensorFlow.js in headless Chromium: cpu, wasm (threads when cross-origin isolated), webgl and webgpu backends. */
import type * as tfType from '@tensorflow/tfjs';
import { join } from 'node:path';
import { packageDir } from '../browser/vendor.js';
import { openBrowserSession, type BrowserRunnerSpec } from '../browser/session.js';
import { loadScript, type PageOpenConfig, type PageRuntime } from '../browser/page.js';
import { probeChromium } from '../browser/probe.js';
import type { Runner } from '../types.js';
import { openTfjsModel } from './tfjs-model.js';

/** The tfjs backends that ship as a separate package (cpu and webgl are in the @tensorflow/tfjs bundle). */
const BACKEND_PACKAGES: Record<string, { pkg: string; bundle: string }> = {
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', bundle: 'tf-backend-wasm.es2017.min.js' },
  webgpu: { pkg: '@tensorflow/tfjs-backend-webgpu', bundle: 'tf-backend-webgpu.es2017.min.js' },
};

/** Runs in the page: loads tfjs and the backend from the local server and activates the backend. */
export async function tfjsPageLoader(cfg: PageOpenConfig): Promise<PageRuntime> {
  for (const url of cfg.scripts) await loadScript(url);
  const tf = (globalThis as unknown as { tf: typeof tfType }).tf;
  const wasm = (tf as unknown as { wasm?: { setWasmPaths(p: string): void; setThreadsCount(n: number): void; getThreadsCount(): number } }).wasm;
  if (cfg.backend === 'wasm') {
    if (!wasm) throw new Error('the tfjs wasm backend bundle did not load');
    wasm.setWasmPaths(cfg.wasmPaths);
    wasm.setThreadsCount(cfg.threads);
  }
  if (!(await tf.setBackend(cfg.backend))) throw new Error(`tfjs backend "${cfg.backend}" failed to initialise`);
  await tf.ready();
  // As deployed apps run it; in tfjs 4.22 prod mode only silences warnings.
  tf.enableProdMode();
  const notes: string[] = [];
  if (cfg.backend === 'wasm' && wasm) notes.push(`tfjs wasm: XNNPACK uses ${wasm.getThreadsCount()} thread(s) (${cfg.threads} requested)`);
  return {
    version: `tfjs ${tf.version.tfjs} (${cfg.backend})`,
    notes,
    async openModel(c) {
      const artifacts = await tf.io.http(c.modelUrl).load!();
      return openTfjsModel(tf, artifacts, c.sampleShape);
    },
  };
}

/** The page program and runtime files of tfjs in a browser (also the bundle of `bench --serve`). */
export const tfjsBrowserSpec: BrowserRunnerSpec = {
  name: 'chromium-tfjs',
  program: { loader: tfjsPageLoader, helpers: [openTfjsModel] },
  missing(target) {
    const extra = BACKEND_PACKAGES[target.backend];
    return extra && !packageDir(extra.pkg) ? `${extra.pkg} is not installed (npm install ${extra.pkg}@4.22.0)` : undefined;
  },
  assets(target) {
    const mounts: Record<string, string> = { '/vendor/tfjs/': join(packageDir('@tensorflow/tfjs')!, 'dist') };
    const scripts = ['/vendor/tfjs/tf.es2017.min.js'];
    let wasmPaths = '';
    const extra = BACKEND_PACKAGES[target.backend];
    if (extra) {
      const prefix = `/vendor/${extra.pkg.split('/')[1]}/`;
      mounts[prefix] = join(packageDir(extra.pkg)!, 'dist');
      scripts.push(prefix + extra.bundle);
      wasmPaths = prefix;
    }
    return { mounts, scripts, wasmPaths };
  },
};

/** Runner for tfjs targets on the chromium host. */
export const chromiumTfjsRunner: Runner = {
  name: 'chromium-tfjs',
  host: 'chromium',
  runtime: 'tfjs',
  backends: ['cpu', 'wasm', 'webgl', 'webgpu'],
  async probe(target, ctx) {
    const missing = tfjsBrowserSpec.missing!(target);
    return missing ? { ok: false, reason: missing } : probeChromium(target, ctx);
  },
  open: (ref, target, ctx) => openBrowserSession(tfjsBrowserSpec, ref, target, ctx),
};
