/** onnxruntime-web in headless Chromium: the wasm (threads when cross-origin isolated), webgl and webgpu EPs. */
import type * as ortType from 'onnxruntime-web';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixedBatchOption } from '../onnx-shape.js';
import { packageDir } from '../browser/vendor.js';
import { openBrowserSession, type BrowserRunnerSpec } from '../browser/session.js';
import type { PageOpenConfig, PageRuntime } from '../browser/page.js';
import { probeChromium } from '../browser/probe.js';
import type { Runner } from '../types.js';
import { IDENTITY_ONNX_BASE64, openOrtModel, warmUpOrt } from './ort-model.js';

/** The onnxruntime-web bundle per execution provider (each loads its own .wasm/.mjs from wasmPaths). */
const BUNDLES: Record<string, string> = { wasm: 'ort.wasm.min.mjs', webgpu: 'ort.webgpu.min.mjs', webgl: 'ort.webgl.min.mjs' };

/** Runs in the page: imports onnxruntime-web from the local server and starts the execution provider. */
export async function ortPageLoader(cfg: PageOpenConfig): Promise<PageRuntime> {
  const ort = (await import(cfg.scripts[0]!)) as typeof ortType;
  ort.env.wasm.wasmPaths = cfg.wasmPaths;
  ort.env.wasm.numThreads = cfg.threads;
  ort.env.logLevel = 'error';
  const notes: string[] = [];
  try {
    await warmUpOrt(ort, cfg.backend, cfg.threads, IDENTITY_ONNX_BASE64);
  } catch (e) {
    notes.push(`runtime warm-up failed (${(e as Error).message}); its start-up is counted in the cold load`);
  }
  if (cfg.backend === 'wasm') notes.push(`onnxruntime-web wasm: ${cfg.threads} thread(s)${crossOriginIsolated ? '' : ', not cross-origin isolated: single-threaded'}`);
  return {
    version: `onnxruntime-web ${ort.env.versions.web ?? ort.env.versions.common} (${cfg.backend})`,
    notes,
    async openModel(c) {
      const res = await fetch(c.modelUrl);
      if (!res.ok) throw new Error(`${c.modelUrl}: HTTP ${res.status}`);
      return openOrtModel(ort, new Uint8Array(await res.arrayBuffer()), {
        executionProvider: c.backend,
        threads: c.threads,
        sampleShape: c.sampleShape,
        ...(c.inputName ? { inputName: c.inputName } : {}),
        ...(c.outputName ? { outputName: c.outputName } : {}),
        ...(c.fixedBatch !== undefined ? { fixedBatch: c.fixedBatch } : {}),
      });
    },
  };
}

/** The page program and runtime files of onnxruntime-web in a browser (also the bundle of `bench --serve`). */
export const ortBrowserSpec: BrowserRunnerSpec = {
  name: 'chromium-ort',
  program: { loader: ortPageLoader, helpers: [openOrtModel, warmUpOrt], constants: { IDENTITY_ONNX_BASE64 } },
  assets(target) {
    return {
      mounts: { '/vendor/ort/': join(packageDir('onnxruntime-web')!, 'dist') },
      scripts: [`/vendor/ort/${BUNDLES[target.backend]}`],
      wasmPaths: '/vendor/ort/',
    };
  },
};

/** Runner for onnxruntime targets on the chromium host (onnxruntime-web in the page). */
export const chromiumOrtRunner: Runner = {
  name: 'chromium-ort',
  host: 'chromium',
  runtime: 'onnxruntime',
  backends: ['wasm', 'webgl', 'webgpu'],
  probe: (target, ctx) => probeChromium(target, ctx),
  async open(ref, target, ctx) {
    if (target.backend === 'webgl' && fixedBatchOption(new Uint8Array(await readFile(join(ref.dir, ref.artifact.entry))), ref.artifact.inputName).fixedBatch === undefined) {
      throw new Error(`onnxruntime-web's webgl backend needs a fixed batch size, and ${ref.artifact.entry} has a dynamic one; export the ONNX with a fixed batch`);
    }
    return openBrowserSession(ortBrowserSpec, ref, target, ctx);
  },
};
