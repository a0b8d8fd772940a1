/** onnxruntime-node: the native CPU execution provider in this process. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { imagesFor, sampleShape } from '../layout.js';
import { localSession, timed } from '../local-session.js';
import type { ModelRef, ProbeResult, Runner, RunnerContext, Session } from '../types.js';
import type { Target } from '../../config/target.js';
import { fixedBatchOption } from '../onnx-shape.js';
import { IDENTITY_ONNX_BASE64, openOrtModel, warmUpOrt, type OrtModule } from './ort-model.js';

/**
 * Opens an ONNX artifact with an onnxruntime module in this process; shared by onnxruntime-node and onnxruntime-web
 * under Node, which differ only in the module and the execution provider.
 */
export async function openOrtLocal(
  load: () => Promise<{ ort: OrtModule; version: string }>,
  ref: ModelRef,
  target: Target,
  ctx: RunnerContext,
): Promise<Session> {
  const { value: mod, ms: runtimeInitMs } = await timed(async () => {
    const m = await load();
    await warmUpOrt(m.ort, target.backend, target.threads, IDENTITY_ONNX_BASE64);
    return m;
  });
  const { data } = ctx;
  const x = imagesFor(ref.artifact.layout, data.x, data.n, data.shape);
  const shape = sampleShape(ref.artifact.layout, data.shape);
  const per = shape.reduce((a, b) => a * b, 1);
  const { value: model, ms: coldLoadMs } = await timed(async () => {
    const bytes = new Uint8Array(await readFile(join(ref.dir, ref.artifact.entry)));
    const m = await openOrtModel(mod.ort, bytes, {
      executionProvider: target.backend,
      threads: target.threads,
      sampleShape: shape,
      ...(ref.artifact.inputName ? { inputName: ref.artifact.inputName } : {}),
      ...(ref.artifact.outputName ? { outputName: ref.artifact.outputName } : {}),
      ...fixedBatchOption(bytes, ref.artifact.inputName),
    });
    const b = m.fixedBatch ?? 1;
    const first = new Float32Array(b * per);
    first.set(x.subarray(0, Math.min(b, data.n) * per));
    const input = m.makeInput(first, b);
    await m.run(input);
    m.disposeInput(input);
    return m;
  });
  const info = { runtimeVersion: mod.version, runtimeInitMs, coldLoadMs, notes: [], ...(model.fixedBatch !== undefined ? { fixedBatch: model.fixedBatch } : {}) };
  return localSession(model, info, x, per, data.n);
}

/** Runner for onnxruntime `cpu` targets on the node host (onnxruntime-node). */
export const nodeOrtRunner: Runner = {
  name: 'node-ort',
  host: 'node',
  runtime: 'onnxruntime',
  backends: ['cpu'],

  async probe(): Promise<ProbeResult> {
    try {
      await import('onnxruntime-node');
      return { ok: true, device: { description: `Node ${process.version}, ${process.arch}`, softwareEmulated: false } };
    } catch (e) {
      return { ok: false, reason: `onnxruntime-node failed to load: ${(e as Error).message.split('\n')[0]}` };
    }
  },

  open(ref, target, ctx) {
    return openOrtLocal(
      async () => {
        const ort = await import('onnxruntime-node');
        return { ort: ort as unknown as OrtModule, version: `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}` };
      },
      ref,
      target,
      ctx,
    );
  },
};
