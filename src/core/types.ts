/**
 * The project's core interfaces, apart from their implementations. See ../shared/DESIGN.md §2.
 * tfjs types are imported as types only, so this file never loads tfjs.
 */
import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { Named } from './registry.js';

/** What a model produced for a batch: logits and named intermediate features (by tap name). */
export interface Outputs {
  logits: tf.Tensor;
  features: Record<string, tf.Tensor>;
}

/** Shape information a student is built for. `inputShape` is NHWC without the batch: [h, w, c]. */
export interface IOSpec {
  inputShape: number[];
  numClasses: number;
}

/** A batch: images NHWC float32 in the dataset's normalisation, labels as int32 class ids (-1: unlabeled). */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** Index of each sample in its split (for the teacher cache). */
  index?: Int32Array;
}

export type SplitName = 'train' | 'val' | 'test';

/** An image dataset split into train/val/test, labelled unless `labeled` is false. */
export interface Dataset {
  name: string;
  /**
   * False for images without labels (e.g. openUnlabeled in src/data): numClasses 0, no class names, every label -1.
   * Absent means labelled.
   */
  labeled?: boolean;
  /** True when the train split mixes labelled samples with unlabeled ones (label -1), e.g. `--unlabeled DIR`. */
  partialLabels?: boolean;
  /** [h, w, c] */
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  /** Number of samples in a split (0 when the dataset has no such split). */
  size(split: SplitName): number;
  /**
   * Batches of a split. With `shuffleSeed`, the order is a seeded permutation (same seed ⇒ same order);
   * otherwise the stored order. `limit` ends and `offset` starts at that position of the order (a slice of the split
   * for sharded teacher caching). Each batch's tensors belong to the caller, who disposes them.
   */
  batches(split: SplitName, batchSize: number, opts?: { shuffleSeed?: number; limit?: number; offset?: number }): AsyncIterable<Batch>;
  /** A stable hash of the data (for cache keys and resume checks). */
  fingerprint(): string;
}

/** A frozen teacher model. */
export interface Teacher {
  id: string;
  /** [h, w, c] the teacher takes. */
  inputShape: number[];
  numClasses: number;
  /** Names of the intermediate tensors that can be tapped. */
  tapNames(): string[];
  /** Logits (never probabilities) and the requested taps for a batch; runs inside the caller's tidy when synchronous. */
  forward(x: tf.Tensor4D, taps: readonly string[]): Promise<Outputs>;
  dispose(): void;
}

/** A family of student architectures with a size knob, e.g. width and depth. */
export interface StudentFamily<P = unknown> extends Named {
  name: string;
  description: string;
  params: z.ZodType<P>;
  /** The member used when neither params nor a budget are given. */
  defaultParams: P;
  /** The members of the family ordered from smallest to largest, for sizing to a budget. */
  grid(io: IOSpec): P[];
  /** Builds an untrained Keras-style model. Layer names of taps are stable (`block1`, `block2`, ..., `penultimate`). */
  build(p: P, io: IOSpec, seed?: number): tf.LayersModel;
  /** Human-readable summary of `p` (e.g. "width 0.5, depth 3"). */
  describe(p: P): string;
}

/**
 * How a batch's images were mixed in pairs (mixup, cutmix: src/data/augment/): image i is `lambda[i]` of itself and
 * `1 − lambda[i]` of image `perm[i]`, so its label is mixed the same way.
 */
export interface LabelMix {
  perm: Int32Array;
  lambda: Float32Array;
  /**
   * The label of each image's partner, read instead of `labels[perm[i]]` when given: a training worker's slice of a
   * batch (src/train/parallel/) does not hold every partner.
   */
  partner?: Int32Array;
}

/** A weighted term of the distillation loss. */
export interface LossTerm<P = unknown> extends Named {
  name: string;
  /** One line: what it computes (formula) and where it comes from (paper). */
  description: string;
  params: z.ZodType<P>;
  /** True when the term reads the teacher's outputs (so a run without such terms never runs the teacher). */
  needsTeacher: boolean;
  /** Student features this term needs, and teacher features (by tap name). */
  taps(p: P): { student: string[]; teacher: string[] };
  /**
   * The term's value on a batch (unweighted). Must be called inside tf.tidy / a gradient function. `mix`: the batch's
   * images were mixed in pairs, so a term reading the labels mixes them too (teacher terms need nothing: the teacher
   * saw the same mixed images).
   */
  create(p: P, ctx: LossContext): (s: Outputs, t: Outputs | undefined, labels: tf.Tensor1D, mix?: LabelMix) => tf.Scalar;
}

/** What a loss term may need to build itself (e.g. trainable adapters). */
export interface LossContext {
  /** Adds trainable variables that are trained with the student and never exported. */
  addTrainable(v: tf.Variable): void;
  /** Shape (without the batch dimension) of a student or teacher tap. */
  shapeOf(side: 'student' | 'teacher', tap: string): number[];
  numClasses: number;
  seed: number;
  /** Some training samples carry no label (-1, unlabeled images next to labelled data): label terms skip them. */
  partialLabels?: boolean;
}

/** Weight precision of an exported artifact. */
export type Precision = 'fp32' | 'float16' | 'uint16' | 'uint8' | 'int8';
export type ArtifactFormat = 'tfjs' | 'onnx';

/** One exported file set, as listed in the export manifest. */
export interface Artifact {
  format: ArtifactFormat;
  precision: Precision;
  /** Directory holding the files. */
  dir: string;
  /** Entry file relative to `dir` (model.json or model.onnx). */
  entry: string;
  files: string[];
  bytes: number;
  gzipBytes: number;
  /** Input layout the file takes. */
  layout: 'nhwc' | 'nchw';
  inputName?: string;
  outputName?: string;
}

/** An exporter writes one format at one precision. */
export interface Exporter extends Named {
  name: ArtifactFormat;
  precisions: Precision[];
  export(model: tf.LayersModel, dir: string, opts: ExportOptions): Promise<Artifact>;
}

export interface ExportOptions {
  precision: Precision;
  /** ONNX: fixed batch size (undefined = dynamic). */
  batch?: number;
  layout?: 'nhwc' | 'nchw';
  /** int8 calibration images (NHWC). */
  calibration?: tf.Tensor4D;
}
