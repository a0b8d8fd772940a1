/**
 * Where each training step's gradients are computed (`--workers N`): in the main thread for one, on N worker_threads
 * otherwise (./pool.ts). The trainer calls {@link createGradientEngine} and the engine's `gradients` either way.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LossConfig } from '../../config/schema.js';
import type { StudentLoss } from '../student-loss.js';
import type { GradientEngine } from './engine.js';
import { inProcessEngine } from './in-process.js';
import type { WorkerFault } from './protocol.js';

export type { GradientEngine, StepGradients } from './engine.js';
export type { WorkerFault } from './protocol.js';
export { WorkerFailedError } from './errors.js';

export interface EngineOptions {
  workers: number;
  student: tf.LayersModel;
  studentLoss: StudentLoss;
  vars: tf.Variable[];
  loss: LossConfig;
  numClasses: number;
  seed: number;
  partialLabels: boolean;
  teacherShapes: ReadonlyMap<string, number[]>;
  fault?: WorkerFault | undefined;
}

/** The engine for `o.workers` threads (1: the main thread; the worker pool is loaded only when asked for). */
export async function createGradientEngine(o: EngineOptions): Promise<GradientEngine> {
  if (o.workers <= 1) return inProcessEngine(o.studentLoss, o.vars);
  const { createWorkerPool } = await import('./pool.js');
  return createWorkerPool(o);
}
