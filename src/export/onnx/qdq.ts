/**
 * fp32 ONNX graph → QDQ int8 graph (the form onnxruntime's quantizer writes and its graph optimizer fuses into
 * QLinearConv / QGemm / QLinearAdd ... kernels, which onnxruntime-web's wasm backend also runs):
 * - weights of Conv and Gemm: int8, symmetric, per output channel (scale = max|w|/127, codes in [−127, 127]);
 * - their biases: int32 with scale = input scale · weight scale (zero point 0), as the fused kernels expect;
 * - activations: uint8, asymmetric, from calibrated min/max widened to include 0 (so 0 is exact); a QuantizeLinear →
 *   DequantizeLinear pair after every producer except the graph output (logits stay float);
 * - data-movement ops (Transpose, Reshape, Flatten, MaxPool) reuse their input's parameters (their outputs lie in the
 *   input's range, and equal parameters let the runtime skip requantizing);
 * - a Relu or Clip(0, x) that is the only reader of a Conv/Gemm output is removed: the output's quantization range
 *   is the activation's calibrated range [0, max], so the uint8 clamp at zero point 0 does the ReLU.
 */
import { DataType, int, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from './graph.js';

/** Observed min/max of a tensor over the calibration images. */
export interface Range {
  min: number;
  max: number;
}

interface QParams {
  scale: number;
  zeroPoint: number;
}

const PASS_THROUGH = new Set(['Transpose', 'Reshape', 'Flatten', 'MaxPool']);
const WEIGHTED = new Set(['Conv', 'Gemm']);

/** uint8 parameters for a range (widened to include 0, as asymmetric quantization needs 0 exact). */
export function uint8Params(r: Range): QParams {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** Symmetric per-channel int8 codes of a weight whose output channel is `axis`. */
export function quantizePerChannel(w: Float32Array, dims: number[], axis: number): { q: Int8Array; scales: Float32Array } {
  const ch = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const chanOf = (i: number) => Math.floor(i / inner) % ch;
  const maxAbs = new Float64Array(ch);
  for (let i = 0; i < w.length; i++) maxAbs[chanOf(i)] = Math.max(maxAbs[chanOf(i)]!, Math.abs(w[i]!));
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scales[chanOf(i)]!)));
  return { q, scales };
}

/** Names of the float activation tensors a QDQ graph may quantize (node outputs except graph outputs). */
export function activationTensors(graph: OnnxGraph): string[] {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  return graph.nodes.flatMap((n) => n.outputs).filter((t) => !outputs.has(t));
}

/** Rewrites `model` (fp32, as convert.ts writes it) as a QDQ int8 model using calibrated `ranges`. */
export function quantizeQdq(model: OnnxModel, ranges: Map<string, Range>): OnnxModel {
  const g = model.graph;
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  let nodes: OnnxNode[] = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] }));

  // 1. Fold Relu / Clip(0, x) into the quantization of the Conv/Gemm output they read.
  const readers = (t: string) => nodes.filter((n) => n.inputs.includes(t));
  const producerOf = (t: string) => nodes.find((n) => n.outputs.includes(t));
  nodes = nodes.filter((n) => {
    const isRelu = n.opType === 'Relu' || (n.opType === 'Clip' && inits.get(n.inputs[1] ?? '')?.data[0] === 0);
    if (!isRelu || graphOutputs.has(n.outputs[0]!) || !ranges.has(n.outputs[0]!)) return true;
    const p = producerOf(n.inputs[0]!);
    if (!p || !WEIGHTED.has(p.opType) || readers(n.inputs[0]!).length !== 1) return true;
    p.outputs[0] = n.outputs[0]!;
    return false;
  });

  const newInits: OnnxTensor[] = [];
  const names = new Set([...g.initializers.map((t) => t.name), ...nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...g.inputs.map((i) => i.name)]);
  const fresh = (hint: string) => {
    let n = hint;
    for (let k = 1; names.has(n); k++) n = `${hint}_${k}`;
    names.add(n);
    return n;
  };
  const init = (hint: string, dataType: DataType, data: OnnxTensor['data'], dims: number[]) => {
    const name = fresh(hint);
    newInits.push({ name, dataType, dims, data });
    return name;
  };

  // 2. Activation parameters, in topological order so pass-through ops can copy their input's.
  const params = new Map<string, QParams>();
  const inputName = g.inputs[0]!.name;
  const inRange = ranges.get(inputName);
  if (inRange) params.set(inputName, uint8Params(inRange));
  for (const n of nodes) {
    const t = n.outputs[0]!;
    if (graphOutputs.has(t)) continue;
    const from = PASS_THROUGH.has(n.opType) ? params.get(n.inputs[0]!) : undefined;
    const r = ranges.get(t);
    if (from) params.set(t, from);
    else if (r) params.set(t, uint8Params(r));
  }

  // 3. Q→DQ after each quantized tensor's producer; readers switch to the dequantized copy.
  const out: OnnxNode[] = [];
  const dqOf = new Map<string, string>();
  const qdq = (t: string) => {
    const p = params.get(t);
    if (!p) return;
    const scale = init(`${t}/scale`, DataType.FLOAT, Float32Array.of(p.scale), []);
    const zp = init(`${t}/zero_point`, DataType.UINT8, Uint8Array.of(p.zeroPoint), []);
    const q = fresh(`${t}/q`);
    const dq = fresh(`${t}/dq`);
    out.push({ name: fresh(`${t}/QuantizeLinear`), opType: 'QuantizeLinear', inputs: [t, scale, zp], outputs: [q], attributes: {} });
    out.push({ name: fresh(`${t}/DequantizeLinear`), opType: 'DequantizeLinear', inputs: [q, scale, zp], outputs: [dq], attributes: {} });
    dqOf.set(t, dq);
  };
  qdq(inputName);
  for (const n of nodes) {
    const node = { ...n, inputs: n.inputs.map((t) => dqOf.get(t) ?? t) };
    if (WEIGHTED.has(n.opType)) quantizeWeightsOf(node);
    out.push(node);
    qdq(n.outputs[0]!);
  }

  // 4. Weights (int8 per channel) and biases (int32), each behind a DequantizeLinear.
  function quantizeWeightsOf(node: OnnxNode): void {
    const w = inits.get(node.inputs[1]!);
    if (!w || w.dataType !== DataType.FLOAT) return;
    const axis = node.opType === 'Conv' ? 0 : 1; // Conv W [out, in, kh, kw]; Gemm B [in, out] (transB = 0)
    const { q, scales } = quantizePerChannel(w.data as Float32Array, w.dims, axis);
    const wq = init(`${w.name}/int8`, DataType.INT8, q, w.dims);
    const ws = init(`${w.name}/scale`, DataType.FLOAT, scales, [scales.length]);
    const wz = init(`${w.name}/zero_point`, DataType.INT8, new Int8Array(scales.length), [scales.length]);
    const wdq = fresh(`${w.name}/dq`);
    out.push({ name: fresh(`${w.name}/DequantizeLinear`), opType: 'DequantizeLinear', inputs: [wq, ws, wz], outputs: [wdq], attributes: { axis: int(axis) } });
    node.inputs[1] = wdq;

    const b = node.inputs[2] ? inits.get(node.inputs[2]) : undefined;
    const xParams = [...dqOf.entries()].find(([, dq]) => dq === node.inputs[0])?.[0];
    const sx = xParams ? params.get(xParams)?.scale : undefined;
    if (!b || b.dataType !== DataType.FLOAT || sx === undefined) return;
    const bs = Float32Array.from(scales, (s) => Math.fround(sx * s));
    const bq = Int32Array.from(b.data as Float32Array, (v, i) => Math.max(-2147483647, Math.min(2147483647, Math.round(v / bs[i]!))));
    const bdq = fresh(`${b.name}/dq`);
    out.push({
      name: fresh(`${b.name}/DequantizeLinear`),
      opType: 'DequantizeLinear',
      inputs: [init(`${b.name}/int32`, DataType.INT32, bq, b.dims), init(`${b.name}/scale`, DataType.FLOAT, bs, [bs.length])],
      outputs: [bdq],
      attributes: { axis: int(0) },
    });
    node.inputs[2] = bdq;
  }

  // Keep only the initializers something still reads (the float weights are replaced).
  const used = new Set(out.flatMap((n) => n.inputs));
  const initializers = [...g.initializers, ...newInits].filter((t) => used.has(t.name));
  return {
    ...model,
    docString: `${model.docString ?? ''}; int8 QDQ (per-channel symmetric int8 weights, uint8 activations)`,
    metadata: { ...(model.metadata ?? {}), quantization: 'int8-qdq' },
    graph: { ...g, nodes: out, initializers },
  };
}
