/**
 * Calibration for int8: runs the fp32 graph in onnxruntime-node with every activation exposed as an output, over
 * calibration images, and records each tensor's min/max (plain min/max calibration).
 */
import { DataType, type OnnxModel } from './graph.js';
import { encodeModel } from './proto.js';
import { activationTensors, type Range } from './qdq.js';
import { openOrtSession } from '../parity/ort.js';

/** Min/max of the graph input and of every activation of `model` over `images` ([n, ...input dims] as the file takes). */
export async function calibrateRanges(model: OnnxModel, images: Float32Array, dims: number[], chunk = 32): Promise<Map<string, Range>> {
  const g = model.graph;
  const tensors = activationTensors(g);
  // A copy with a dynamic batch and every activation as an output (shape left to the runtime).
  const probe: OnnxModel = {
    ...model,
    graph: {
      ...g,
      inputs: g.inputs.map((i) => ({ ...i, shape: i.shape && ['batch', ...i.shape.slice(1)] })),
      outputs: [...g.outputs, ...tensors.map((name) => ({ name, elemType: DataType.FLOAT }))],
    },
  };
  const session = await openOrtSession('onnxruntime-node', encodeModel(probe));
  const ranges = new Map<string, Range>();
  const widen = (name: string, data: Float32Array) => {
    const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
    for (const v of data) {
      if (v < r.min) r.min = v;
      if (v > r.max) r.max = v;
    }
    ranges.set(name, r);
  };
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  try {
    for (let start = 0; start < dims[0]!; start += chunk) {
      const n = Math.min(chunk, dims[0]! - start);
      const x = images.subarray(start * per, (start + n) * per);
      widen(g.inputs[0]!.name, x);
      const outs = await session.run(x, [n, ...dims.slice(1)]);
      for (const t of tensors) widen(t, outs[t]!);
    }
  } finally {
    await session.release();
  }
  return ranges;
}
