/**
 * Runs a written artifact on the parity batch in every runtime that applies to its format:
 * tfjs artifacts are reloaded from their model.json (tf.loadLayersModel) and run on the active tfjs backend;
 * ONNX artifacts run in onnxruntime-node and in onnxruntime-web's wasm backend.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type * as tfType from '@tensorflow/tfjs';
import type { Artifact } from '../../core/types.js';
import { loadLayersModelFromFile } from '../../runtime/model-io.js';
import { transpose } from '../onnx/weights.js';
import { ORT_RUNTIMES, openOrtSession } from './ort.js';

/** Inputs NHWC (as the dataset gives them), row-major, `dims` = [n, ...input shape]. */
export interface ParityInputs {
  x: Float32Array;
  dims: number[];
}

/** The outputs of one runtime on the parity batch, flattened row-major [n, ...output shape]. */
export interface RuntimeOutputs {
  runtime: string;
  output: Float32Array;
}

const CHUNK = 64;

/** Runs a tfjs LayersModel on the batch in chunks (bounded memory), returning the concatenated output. */
export async function predictTfjs(tf: typeof tfType, model: tfType.LayersModel, inputs: ParityInputs): Promise<Float32Array> {
  const per = inputs.dims.slice(1).reduce((a, b) => a * b, 1);
  const n = inputs.dims[0]!;
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    const out = tf.tidy(() => model.predict(tf.tensor(inputs.x.subarray(s * per, (s + m) * per), [m, ...inputs.dims.slice(1)])) as tfType.Tensor);
    parts.push((await out.data()) as Float32Array);
    out.dispose();
  }
  return concat(parts);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Runs an ONNX file on the batch. With a fixed batch size the last chunk is padded with zero images and the padding's
 * outputs dropped. Inputs are transposed to NCHW for an nchw file; an image output is compared in NHWC.
 */
export async function runOnnx(
  runtime: (typeof ORT_RUNTIMES)[number],
  bytes: Uint8Array,
  inputs: ParityInputs,
  opts: { layout: 'nhwc' | 'nchw'; fixedBatch?: number; outputShape: number[] },
): Promise<Float32Array> {
  const { layout, fixedBatch } = opts;
  const session = await openOrtSession(runtime, bytes);
  try {
    let x = inputs.x;
    let dims = inputs.dims;
    if (layout === 'nchw' && dims.length === 4) ({ data: x, dims } = transpose(x, dims, [0, 3, 1, 2]));
    const per = dims.slice(1).reduce((a, b) => a * b, 1);
    const n = dims[0]!;
    const chunk = fixedBatch ?? CHUNK;
    const parts: Float32Array[] = [];
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      let feed = x.subarray(s * per, (s + m) * per);
      if (fixedBatch && m < fixedBatch) {
        const padded = new Float32Array(fixedBatch * per);
        padded.set(feed);
        feed = padded;
      }
      const rows = fixedBatch ?? m;
      const out = (await session.run(feed, [rows, ...dims.slice(1)]))[session.outputNames[0]!]!;
      parts.push(out.slice(0, (m * out.length) / rows));
    }
    const out = concat(parts);
    // An NCHW image output back to NHWC, to compare with tfjs element by element.
    if (layout === 'nchw' && opts.outputShape.length === 3) {
      const [h, w, c] = opts.outputShape as [number, number, number];
      return transpose(out, [n, c, h, w], [0, 2, 3, 1]).data;
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Runs `artifact` (already written under `root`) in every runtime of its format. */
export async function runArtifact(
  tf: typeof tfType,
  root: string,
  artifact: Artifact,
  inputs: ParityInputs,
  opts: { backend: string; onnxBatch?: number; outputShape: number[] },
): Promise<RuntimeOutputs[]> {
  const dir = join(root, artifact.dir);
  if (artifact.format === 'tfjs') {
    const model = await loadLayersModelFromFile(tf, join(dir, artifact.entry));
    try {
      return [{ runtime: `tfjs-${opts.backend}`, output: await predictTfjs(tf, model, inputs) }];
    } finally {
      model.dispose();
    }
  }
  const bytes = new Uint8Array(await readFile(join(dir, artifact.entry)));
  const results: RuntimeOutputs[] = [];
  for (const runtime of ORT_RUNTIMES) results.push({ runtime, output: await runOnnx(runtime, bytes, inputs, { layout: artifact.layout, fixedBatch: opts.onnxBatch, outputShape: opts.outputShape }) });
  return results;
}
