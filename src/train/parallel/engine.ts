/** What the trainer calls for each step's gradients, whether they are computed in the main thread or by workers. */
import type * as tf from '@tensorflow/tfjs';
import type { LossBatch } from '../student-loss.js';

/** A step's gradients and loss, over the whole batch. */
export interface StepGradients {
  /** The combined loss over the batch. */
  value: number;
  /** Gradients of the combined loss, in the order of the trained variables; the caller disposes them. */
  grads: tf.Tensor[];
  /** `name = value` of each loss term that is NaN or ±Inf (for the error when `value` is not finite). */
  nonFiniteTerms(): Promise<string[]>;
  /** Frees what the step kept besides `grads`. */
  dispose(): void;
}

/** Computes each step's gradients at the trained variables' current values. */
export interface GradientEngine {
  /** Threads computing gradients (1: the main thread). */
  readonly workers: number;
  /**
   * The gradients of `batch` at the variables' values now. The batch's tensors are read before this returns (the
   * caller may dispose them once it resolves); with workers the work runs while the caller prepares the next batch.
   */
  gradients(batch: LossBatch): Promise<StepGradients>;
  /** Brings state kept outside the main thread's model (BatchNorm moving statistics) into it: before validation and checkpoints. */
  sync(): Promise<void>;
  /** Stops every worker; safe to call more than once. */
  close(): Promise<void>;
}
