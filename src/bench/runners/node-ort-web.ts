/** onnxruntime-web's wasm execution provider under Node (what a server-side or Electron deployment of the web build runs). */
import type { ProbeResult, Runner } from '../types.js';
import { openOrtLocal } from './node-ort.js';
import type { OrtModule } from './ort-model.js';

async function loadOrtWeb(threads: number) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return ort;
}

/** Runner for onnxruntime `wasm` targets on the node host (onnxruntime-web). */
export const nodeOrtWebRunner: Runner = {
  name: 'node-ort-web',
  host: 'node',
  runtime: 'onnxruntime',
  backends: ['wasm'],

  async probe(target): Promise<ProbeResult> {
    try {
      await loadOrtWeb(target.threads);
      return { ok: true, device: { description: `Node ${process.version}, ${process.arch}`, softwareEmulated: false } };
    } catch (e) {
      return { ok: false, reason: `onnxruntime-web failed to load under Node: ${(e as Error).message.split('\n')[0]}` };
    }
  },

  open(ref, target, ctx) {
    return openOrtLocal(
      async () => {
        const ort = await loadOrtWeb(target.threads);
        return { ort: ort as unknown as OrtModule, version: `onnxruntime-web ${ort.env.versions.web ?? ort.env.versions.common} (wasm, in Node)` };
      },
      ref,
      target,
      ctx,
    );
  },
};
