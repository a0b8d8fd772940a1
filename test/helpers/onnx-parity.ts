/** Per-layer parity for tests: the same batch through tfjs and through the written ONNX file in onnxruntime-node. */
import type * as tfType from '@tensorflow/tfjs';
import { convertToOnnx, type OnnxConvertOptions } from '../../src/export/onnx/convert.js';
import { encodeModel } from '../../src/export/onnx/proto.js';
import { openOrtSession, type OrtRuntime } from '../../src/export/parity/ort.js';
import { compareOutputs, type OutputComparison } from '../../src/export/parity/compare.js';
import { uniform } from './tf.js';

/** NHWC [n, h, w, c] → NCHW, for feeding an nchw-layout file. */
export function toNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < h!; y++)
      for (let xx = 0; xx < w!; xx++)
        for (let ch = 0; ch < c!; ch++) out[((b * c! + ch) * h! + y) * w! + xx] = x[((b * h! + y) * w! + xx) * c! + ch]!;
  return out;
}

/** Runs `model` in tfjs and its ONNX conversion in `runtime` on a seeded batch; returns the comparison and the bytes. */
export async function onnxParity(
  tf: typeof tfType,
  model: tfType.LayersModel,
  batch: number,
  opts: OnnxConvertOptions & { runtime?: OrtRuntime; seed?: number } = {},
): Promise<OutputComparison & { bytes: Uint8Array }> {
  const bytes = encodeModel(convertToOnnx(model, opts));
  const dims = [batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const x = uniform(dims.reduce((a, b) => a * b, 1), opts.seed ?? 7, -1, 1);
  const ref = tf.tidy(() => (model.predict(tf.tensor(x, dims)) as tfType.Tensor).dataSync() as Float32Array);
  const session = await openOrtSession(opts.runtime ?? 'onnxruntime-node', bytes);
  const nchw = opts.layout === 'nchw' && dims.length === 4;
  const feed = nchw ? toNchw(x, dims) : x;
  const feedDims = nchw ? [dims[0]!, dims[3]!, dims[1]!, dims[2]!] : dims;
  let got = (await session.run(feed, feedDims)).output!;
  await session.release();
  const outDims = model.outputs[0]!.shape.slice(1) as number[];
  if (nchw && outDims.length === 3) {
    // Bring an NCHW output back to NHWC for comparison.
    const [h, w, c] = outDims as [number, number, number];
    const back = new Float32Array(got.length);
    for (let b = 0; b < batch; b++)
      for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) back[((b * h + y) * w + xx) * c + ch] = got[((b * c + ch) * h + y) * w + xx]!;
    got = back;
  }
  const cols = outDims[outDims.length - 1]!;
  return { ...compareOutputs(ref, got, cols), bytes };
}
