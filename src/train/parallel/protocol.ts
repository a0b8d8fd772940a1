/** The messages between the trainer's worker pool (./pool.ts) and each training worker (./worker.ts). */
import type { LossConfig } from '../../config/schema.js';

/** A tensor's values as they cross to a worker. */
export interface TensorData {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Where one trained variable lives in the shared parameter and gradient buffers (in float32 elements). */
export interface VarSlot {
  offset: number;
  size: number;
  shape: number[];
}

/**
 * A fault a test asks worker `worker` (0-based) to have at its `step`-th step (1-based, counted over the run): throw
 * an error, or end its thread as a crash would. Never set outside tests of the failure path.
 */
export interface WorkerFault {
  worker: number;
  step: number;
  kind: 'throw' | 'exit';
}

/** What a worker is started with (its workerData). */
export interface WorkerSetup {
  index: number;
  count: number;
  /** The tfjs backend the main thread trains on (each worker starts its own). */
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** The student's topology (LayersModel.toJSON). */
  topology: string;
  /** The values of every student weight (trainable or not), in the model's order. */
  weights: TensorData[];
  /** Indices (into `weights`) of the weights training changes without gradients: BatchNorm moving statistics. */
  stateIndices: number[];
  loss: LossConfig;
  numClasses: number;
  seed: number;
  partialLabels: boolean;
  teacherShapes: [string, number[]][];
  /** The trained variables (student's trainables, then the loss's adapters) in `params` and `grads`. */
  slots: VarSlot[];
  /** The trained variables' current values, written by the main thread before each step. */
  params: SharedArrayBuffer;
  /** This worker's gradients (of its slice's loss), written by the worker at each step. */
  grads: SharedArrayBuffer;
  fault?: WorkerFault | undefined;
}

/** One step's slice of the batch. */
export interface StepMessage {
  type: 'step';
  x: TensorData;
  y: TensorData;
  teacher?: { logits: TensorData; features: [string, TensorData][] } | undefined;
  /** Mixed images (mixup, cutmix): each image's own share and its partner's label. */
  mix?: { lambda: Float32Array; partner: Int32Array } | undefined;
}

export type ToWorker = StepMessage | { type: 'state' };

export type FromWorker =
  | { type: 'ready'; backend: string; simd: boolean }
  | { type: 'grads'; value: number; parts: [string, number][] }
  | { type: 'state'; weights: Float32Array[] }
  | { type: 'error'; message: string };
