/**
 * tfjs LayersModel → in-memory ONNX model (IR 8, opset 13). The graph computes in NCHW; by default the input is
 * NHWC (a Transpose first) so the same preprocessed batch feeds the tfjs and ONNX files. Every layer is checked
 * before any node is built ({@link onnxProblems}), so an unsupported model is refused before anything is written.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError, listOf } from '../../core/errors.js';
import { PACKAGE_VERSION } from '../version.js';
import type { ChannelAffine, ConvertContext, Value } from './context.js';
import { DataType, GraphBuilder, IR_VERSION, OPSET, int, ints, type OnnxModel } from './graph.js';
import { onnxLayers } from './layers/index.js';
import { readTopology, type LayerApp, type ModelTopology } from './topology.js';
import { batchNormAffine } from './weights.js';

/** Input layout of a written ONNX file. */
export type OnnxLayout = 'nhwc' | 'nchw';

/** Options of {@link convertToOnnx}. */
export interface OnnxConvertOptions {
  /** Fixed batch size; undefined writes a symbolic "batch" dimension. */
  batch?: number;
  /** Layout of the file's input (and of a rank-4 output). Default nhwc. */
  layout?: OnnxLayout;
  /** Testing only: false skips the Flatten→Dense row permutation (the negative control). Default true. */
  permuteFlattenDense?: boolean;
}

/** Names of the file's input and output tensors. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

/** tfjs layer classes the ONNX writer supports. */
export function supportedOnnxLayers(): string[] {
  return ['InputLayer', ...onnxLayers.names()];
}

/** Every reason `topology` cannot be written as ONNX (empty when it can), one line each, naming layer and class. */
export function onnxProblems(topology: ModelTopology): string[] {
  const problems: string[] = [];
  for (const app of topology.layers) {
    if (!onnxLayers.has(app.className)) {
      problems.push(`layer "${app.name}" (class ${app.className}) cannot be written as ONNX; supported layer classes: ${listOf(supportedOnnxLayers())}`);
      continue;
    }
    const why = onnxLayers.get(app.className).check?.(app);
    if (why) problems.push(`layer "${app.name}" (class ${app.className}): ${why}`);
  }
  // Unsupported layers first: they say more than the input rank an unsupported layer usually implies.
  const r = topology.input.shape.length + 1;
  if (r !== 2 && r !== 4) problems.push(`the model input has rank ${r}; ONNX export supports rank 4 (NHWC images) or rank 2 (features)`);
  return problems;
}

/** Throws a {@link UserError} naming the first unsupported layer of `model` (and how many more there are). */
export function assertOnnxSupported(model: tf.LayersModel): ModelTopology {
  const topology = readTopology(model);
  const problems = onnxProblems(topology);
  if (problems.length) {
    throw new UserError(`ONNX export: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}`);
  }
  return topology;
}

/** BatchNormalization layers that fold into the layer before them: producer name → the BN it absorbs. */
function foldPlan(t: ModelTopology): Map<string, LayerApp> {
  const byOutput = new Map(t.layers.map((a) => [a.output, a]));
  const plan = new Map<string, LayerApp>();
  for (const bn of t.layers) {
    if (bn.className !== 'BatchNormalization') continue;
    const p = byOutput.get(bn.inputs[0]!);
    if (!p || !onnxLayers.has(p.className)) continue;
    const foldable = onnxLayers.get(p.className).canFoldBatchNorm?.(p) ?? false;
    // The producer's output must feed only this BN (otherwise others would see the normalised values).
    if (foldable && t.consumers.get(p.output)?.length === 1 && p.output !== t.output.key) plan.set(p.name, bn);
  }
  return plan;
}

/** Converts `model` to an ONNX model. Throws a {@link UserError} for unsupported layers (see {@link onnxProblems}). */
export function convertToOnnx(model: tf.LayersModel, opts: OnnxConvertOptions = {}): OnnxModel {
  const topology = assertOnnxSupported(model);
  const layout = opts.layout ?? 'nhwc';
  const g = new GraphBuilder();
  const reordered = new Map<string, Value>();
  const ctx: ConvertContext = {
    g,
    permuteFlattenDense: opts.permuteFlattenDense ?? true,
    canonical(v) {
      if (!v.flatFrom) return v;
      const hit = reordered.get(v.name);
      if (hit) return hit;
      const [h, w, c] = v.flatFrom;
      const nchw = g.add('Reshape', [v.name, g.int64(`${v.name}/nchw_shape`, [-1, c, h, w])], {}, `${v.name}/to_nchw`);
      const nhwc = g.add('Transpose', [nchw], { perm: ints([0, 2, 3, 1]) }, `${v.name}/to_nhwc`);
      const out: Value = { name: g.add('Flatten', [nhwc], { axis: int(1) }, `${v.name}/keras_order`), shape: v.shape };
      reordered.set(v.name, out);
      return out;
    },
  };

  const batchDim: number | string = opts.batch ?? 'batch';
  const inShape = topology.input.shape;
  const inputName = g.reserve(ONNX_INPUT);
  const image = inShape.length === 3;
  const fileInShape = image && layout === 'nchw' ? [inShape[2]!, inShape[0]!, inShape[1]!] : inShape;
  const values = new Map<string, Value>();
  values.set(
    topology.input.key,
    image && layout === 'nhwc'
      ? { name: g.add('Transpose', [inputName], { perm: ints([0, 3, 1, 2]) }, 'input_nchw'), shape: inShape }
      : { name: inputName, shape: inShape },
  );

  const plan = foldPlan(topology);
  const folded = new Set([...plan.values()].map((bn) => bn.name));
  for (const app of topology.layers) {
    const inputs = app.inputs.map((k) => values.get(k)!);
    if (folded.has(app.name)) {
      values.set(app.output, inputs[0]!);
      continue;
    }
    const bn = plan.get(app.name);
    const fold: ChannelAffine | undefined = bn && batchNormAffine(bn);
    values.set(app.output, onnxLayers.get(app.className).convert(ctx, app, inputs, fold));
  }

  let out = ctx.canonical(values.get(topology.output.key)!);
  const outShape = out.shape;
  let fileOutShape = outShape;
  if (outShape.length === 3) {
    if (layout === 'nhwc') out = { ...out, name: g.add('Transpose', [out.name], { perm: ints([0, 2, 3, 1]) }, 'output_nhwc') };
    else fileOutShape = [outShape[2]!, outShape[0]!, outShape[1]!];
  }
  const producedByNode = g.nodes.some((n) => n.outputs.includes(out.name));
  if (producedByNode) g.rename(out.name, ONNX_OUTPUT);
  else g.nodes.push({ name: g.unique('output/Identity'), opType: 'Identity', inputs: [out.name], outputs: [g.reserve(ONNX_OUTPUT)], attributes: {} });

  return {
    irVersion: IR_VERSION,
    opsets: [{ domain: '', version: OPSET }],
    producerName: 'edge-distill',
    producerVersion: PACKAGE_VERSION,
    docString: `converted from a tfjs LayersModel; input ${layout.toUpperCase()}${image ? '' : ' (features)'}`,
    metadata: { layout, source_layers: String(topology.layers.length) },
    graph: {
      name: model.name || 'model',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: inputName, elemType: DataType.FLOAT, shape: [batchDim, ...fileInShape] }],
      outputs: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: [batchDim, ...fileOutShape] }],
    },
  };
}
