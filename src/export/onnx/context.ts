/**
 * What a layer converter sees: the graph being built, the value(s) it reads, and the helpers that keep the
 * NHWC-vs-NCHW bookkeeping in one place.
 *
 * Layout rule: inside the ONNX graph every image tensor is NCHW (ONNX Conv/Pool require it). A Flatten of an NCHW
 * tensor therefore yields features in C·H·W order where Keras has H·W·C order. Rather than transposing back before
 * every Flatten (a runtime cost on every inference), the value remembers that its order is "flattened from NCHW"
 * ({@link Value.flatFrom}); a Dense layer reading it permutes its kernel rows once at export time (free at run
 * time), elementwise layers pass the mark along, and anything else asks {@link ConvertContext.canonical} for the
 * Keras order, which inserts Reshape→Transpose→Flatten only where it is needed.
 */
import type { GraphBuilder } from './graph.js';
import type { LayerApp } from './topology.js';
import type { Named } from '../../core/registry.js';

/** A tensor in the graph being built. `shape` is the Keras shape without batch: [h, w, c] for images, [f] for features. */
export interface Value {
  name: string;
  shape: number[];
  /** Set on a rank-2 value whose features are in NCHW flatten order: the [h, w, c] it was flattened from. */
  flatFrom?: [number, number, number];
}

/** y = x·scale + shift per channel: an inference-mode BatchNormalization, to be folded into the layer before it. */
export interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

/** Shared state of one conversion, handed to every layer converter. */
export interface ConvertContext {
  g: GraphBuilder;
  /** `v` with its features in Keras order (adds a reorder only when `v` came from an NCHW Flatten). */
  canonical(v: Value): Value;
  /** False only in the negative-control test: Dense then ignores NCHW flatten order (and must fail parity). */
  permuteFlattenDense: boolean;
}

/** Writes one tfjs layer class as ONNX nodes. */
export interface LayerConverter extends Named {
  /** The tfjs class name, e.g. "Conv2D". */
  name: string;
  /** Why this layer's configuration cannot be written (undefined when it can). Called before anything is written. */
  check?(app: LayerApp): string | undefined;
  /** True when a following BatchNormalization can be folded into this layer's weights. */
  canFoldBatchNorm?(app: LayerApp): boolean;
  /** Adds the layer's nodes; `fold` is a BatchNormalization to fold into the weights (only if canFoldBatchNorm). */
  convert(ctx: ConvertContext, app: LayerApp, inputs: Value[], fold?: ChannelAffine): Value;
}

/** Keras image axis (of an NHWC rank-4 tensor, negative allowed) → the NCHW axis inside the graph. */
export function nchwAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return a;
  return [0, 2, 3, 1][a]!;
}
