/**
 * What every kind of teacher file (tfjs LayersModel, tfjs GraphModel, ONNX) provides once opened: its declared input
 * and outputs, the tensors inside it, and a way to run it. Layout, preprocessing, probabilities and NHWC taps are
 * handled once for all kinds by {@link ModelTeacher} (./model-teacher.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Layout } from './layout.js';

/** A tensor as the file declares it. Dims are numbers, symbolic names (dynamic axes) or null (unknown). */
export interface TensorInfo {
  name: string;
  shape: (number | string | null)[] | undefined;
  dtype?: string;
}

/** An intermediate tensor of the model, and whether a feature tap can read it. */
export interface NodeInfo {
  /** Name to pass as a tap (ONNX tensor name, GraphModel node name, LayersModel layer name). */
  name: string;
  /** The op (or layer class) producing it. */
  op: string;
  tapable: boolean;
  /** Why it is not tap-able (constant, integer shape arithmetic, fused away by a converter, ...). */
  reason?: string;
}

/** An opened teacher file of one kind. Tensors returned by {@link TeacherModel.run} belong to the caller. */
export interface TeacherModel {
  /** The kind's registry name (layers-model, graph-model, onnx). */
  kind: string;
  /** Files the model was read from (hashed into teacher-cache keys). */
  files: string[];
  /** One-line description (producer, opset, ...). */
  summary: string;
  /** The layout the kind always uses (tfjs: NHWC); undefined when the file must say (ONNX). */
  layout?: Layout;
  /** The single image input. */
  input: TensorInfo;
  outputs: TensorInfo[];
  /** Every tensor of the graph a user might name, tap-able or not (without weights and the input). */
  nodes(): NodeInfo[];
  /** The op that produces tensor `name` (e.g. Softmax), when known. */
  producer(name: string): string | undefined;
  /**
   * Runs the model on `x` (already in the model's layout and preprocessed) and returns the tensors named by `fetch`,
   * in that order. Names must be tap-able nodes or outputs.
   */
  run(x: tf.Tensor, fetch: readonly string[]): Promise<tf.Tensor[]>;
  dispose(): void;
}
