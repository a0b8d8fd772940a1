/**
 * Reads a tfjs LayersModel (Sequential or functional) as a list of layer applications in topological order, with
 * tensors identified by key, their static shapes and their consumers. The converters work on this, never on tfjs
 * internals directly.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';

/** One weight of a layer, by its short name (kernel, bias, gamma, depthwise_kernel, ...). */
export interface LayerWeight {
  shape: number[];
  data: Float32Array;
}

/** A layer applied once in the model. Shapes exclude the batch dimension and are NHWC for images. */
export interface LayerApp {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inputs: string[];
  output: string;
  inputShapes: number[][];
  outputShape: number[];
  /** Names of the layer's weights, short form (the part after the last "/", without a uniquifying `_N` suffix). */
  weightNames: string[];
  /** A weight's values by short name (read on demand, so checking a model never copies its weights). */
  weight(short: string): LayerWeight | undefined;
}

/** A model as its input, output and layer applications in topological order. */
export interface ModelTopology {
  input: { key: string; shape: number[] };
  output: { key: string; shape: number[] };
  layers: LayerApp[];
  /** Layers reading each tensor key. */
  consumers: Map<string, LayerApp[]>;
}

type Sym = tf.SymbolicTensor;
const key = (t: Sym): string => `t${t.id}`;

/** The static shape of `t` without the batch dimension; unknown dimensions are refused (padding needs sizes). */
function staticShape(t: Sym, what: string): number[] {
  const dims = t.shape.slice(1);
  if (dims.some((d) => d === null || d === undefined)) {
    throw new UserError(`${what} has shape [${t.shape.map((d) => d ?? 'null').join(', ')}]; export needs every dimension but the batch to be fixed`);
  }
  return dims as number[];
}

const SHORT_NAME = /([^/]+?)(?:_\d+)?$/;

function shortName(originalName: string): string {
  return SHORT_NAME.exec(originalName)?.[1] ?? originalName;
}

function weightReader(layer: tf.layers.Layer): (short: string) => LayerWeight | undefined {
  return (short) => {
    const w = layer.weights.find((v) => shortName(v.originalName) === short);
    return w && { shape: w.shape.map(Number), data: w.read().dataSync() as Float32Array };
  };
}

/**
 * Lists the layers of `model` in an order where every layer comes after the layers it reads. Refuses models this
 * exporter cannot describe: several inputs or outputs, a layer applied more than once (shared layers).
 */
export function readTopology(model: tf.LayersModel): ModelTopology {
  if (model.inputs.length !== 1) throw new UserError(`the model has ${model.inputs.length} inputs; export supports single-input models`);
  if (model.outputs.length !== 1) throw new UserError(`the model has ${model.outputs.length} outputs; export supports single-output models`);
  const input = model.inputs[0]!;
  const output = model.outputs[0]!;
  const apps: LayerApp[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) {
      throw new UserError(`layer "${layer.name}" (class ${className}) is applied ${layer.inboundNodes.length} times (a shared layer); export supports each layer applied once`);
    }
    const node = layer.inboundNodes[0]!;
    if (node.outputTensors.length !== 1) throw new UserError(`layer "${layer.name}" (class ${className}) has ${node.outputTensors.length} outputs; export supports one`);
    const out = node.outputTensors[0]!;
    apps.push({
      name: layer.name,
      className,
      config: layer.getConfig() as Record<string, unknown>,
      inputs: node.inputTensors.map(key),
      output: key(out),
      inputShapes: node.inputTensors.map((t) => staticShape(t, `the input of layer "${layer.name}"`)),
      outputShape: staticShape(out, `the output of layer "${layer.name}"`),
      weightNames: layer.weights.map((w) => shortName(w.originalName)),
      weight: weightReader(layer),
    });
  }
  // Order by availability of inputs (tfjs already lists layers by depth; this makes it a guarantee).
  const ready = new Set([key(input)]);
  const ordered: LayerApp[] = [];
  let pending = apps;
  while (pending.length) {
    const next = pending.filter((a) => !a.inputs.every((k) => ready.has(k)));
    const now = pending.filter((a) => a.inputs.every((k) => ready.has(k)));
    if (!now.length) throw new UserError(`layers ${next.map((a) => `"${a.name}"`).join(', ')} read tensors no layer produces; the model graph is not connected to its input`);
    for (const a of now) {
      ordered.push(a);
      ready.add(a.output);
    }
    pending = next;
  }
  const consumers = new Map<string, LayerApp[]>();
  for (const a of ordered) for (const k of a.inputs) consumers.set(k, [...(consumers.get(k) ?? []), a]);
  return {
    input: { key: key(input), shape: staticShape(input, 'the model input') },
    output: { key: key(output), shape: staticShape(output, 'the model output') },
    layers: ordered,
    consumers,
  };
}
