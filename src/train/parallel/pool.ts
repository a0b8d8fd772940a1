/**
 * Data-parallel gradients on worker_threads: each worker (./worker.ts) holds a copy of the student and computes the
 * gradients of its slice of every batch; the main thread adds them up in worker order, weighted by slice size, so
 * the same worker count gives the same bits every time (and, for losses that are a mean over samples, the full
 * batch's gradient to float rounding). Weights and gradients cross in SharedArrayBuffers, the batch in messages.
 */
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { WorkerFailedError } from './errors.js';
import type { LossConfig } from '../../config/schema.js';
import type { LossBatch } from '../student-loss.js';
import type { GradientEngine, StepGradients } from './engine.js';
import type { FromWorker, StepMessage, TensorData, ToWorker, VarSlot, WorkerFault, WorkerSetup } from './protocol.js';
import { batchSlices } from './slices.js';

export interface WorkerPoolOptions {
  workers: number;
  student: tf.LayersModel;
  /** The trained variables: the student's trainable weights, then the loss's adapters. */
  vars: tf.Variable[];
  loss: LossConfig;
  numClasses: number;
  seed: number;
  partialLabels: boolean;
  teacherShapes: ReadonlyMap<string, number[]>;
  /** Tests of the failure path only. */
  fault?: WorkerFault | undefined;
}

let live = 0;

/** Training worker threads of this process that have started and not yet exited (none once every pool is closed). */
export function liveWorkerThreads(): number {
  return live;
}

/** The worker's entry: the compiled worker.js, or under tsx (tests, benchmarks) the .ts source with tsx registered. */
function spawn(setup: WorkerSetup): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData: setup });
  const entry = new URL('./worker.ts', self).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: setup });
}

const tensorData = (t: tf.Tensor): TensorData => ({ data: t.dataSync() as Float32Array | Int32Array, shape: t.shape, dtype: t.dtype === 'int32' ? 'int32' : 'float32' });

/** Rows [start, end) of `t` (values read once by the caller) as a TensorData of its own. */
function rows(t: TensorData, start: number, end: number): TensorData {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: t.data.slice(start * per, end * per), shape: [end - start, ...t.shape.slice(1)], dtype: t.dtype };
}

/** A gradient engine on worker threads, and what each thread runs on. */
export interface WorkerPool extends GradientEngine {
  /** Each worker's tfjs backend and whether this project's SIMD training kernels compiled in it. */
  threads: { backend: string; simd: boolean }[];
}

/**
 * Starts `workers` training workers with copies of the student (its weights as they are now, e.g. restored from a
 * checkpoint) and resolves once every one is ready. A worker that fails to start is a {@link WorkerFailedError}.
 */
export async function createWorkerPool(o: WorkerPoolOptions): Promise<WorkerPool> {
  const n = o.workers;
  let total = 0;
  const slots: VarSlot[] = o.vars.map((v) => {
    const s = { offset: total, size: v.size, shape: v.shape };
    total += v.size;
    return s;
  });
  const params = new SharedArrayBuffer(4 * total);
  const paramView = new Float32Array(params);
  const gradBuffers = Array.from({ length: n }, () => new SharedArrayBuffer(4 * total));
  const gradViews = gradBuffers.map((b) => new Float32Array(b));
  const weights = o.student.weights;
  const stateIndices = weights.flatMap((w, i) => (w.trainable ? [] : [i]));
  const common = {
    count: n, backend: tf.getBackend() as WorkerSetup['backend'], topology: JSON.stringify(o.student.toJSON(undefined, false)),
    weights: weights.map((w) => tensorData(w.read())), stateIndices, loss: o.loss, numClasses: o.numClasses, seed: o.seed, partialLabels: o.partialLabels,
    teacherShapes: [...o.teacherShapes.entries()], slots, params, fault: o.fault,
  };

  type Pending = { resolve: (m: FromWorker) => void; reject: (e: Error) => void };
  const pending: (Pending | undefined)[] = Array.from({ length: n });
  let failure: WorkerFailedError | undefined;
  let closing = false;
  const workers: Worker[] = [];
  const fail = (i: number, why: string) => {
    if (closing) return;
    failure ??= new WorkerFailedError(`training worker ${i + 1} of ${n} failed: ${why}`, i);
    for (let k = 0; k < n; k++) {
      pending[k]?.reject(failure);
      pending[k] = undefined;
    }
    // No thread outlives a failed pool.
    closing = true;
    for (const w of workers) void w.terminate();
  };
  const request = (i: number, m: ToWorker | undefined, transfer: ArrayBuffer[] = []): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      pending[i] = { resolve, reject };
      if (m) workers[i]!.postMessage(m, transfer);
    });
  for (let i = 0; i < n; i++) {
    const w = spawn({ ...common, index: i, grads: gradBuffers[i]! });
    live++;
    w.on('message', (m: FromWorker) => {
      if (m.type === 'error') return fail(i, m.message);
      const p = pending[i];
      pending[i] = undefined;
      p?.resolve(m);
    });
    w.on('error', (e) => fail(i, e.message));
    w.on('exit', (code) => {
      live--;
      fail(i, `its thread exited (code ${code})`);
    });
    workers.push(w);
  }
  const close = async () => {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  let ready: Extract<FromWorker, { type: 'ready' }>[];
  try {
    ready = (await Promise.all(workers.map((_, i) => request(i, undefined)))) as typeof ready;
  } catch (e) {
    await close();
    throw e;
  }

  // Reused each step: the weighted sum is taken in float64, then rounded once.
  const acc = new Float64Array(total);
  return {
    workers: n,
    threads: ready.map(({ backend, simd }) => ({ backend, simd })),
    async gradients(batch: LossBatch): Promise<StepGradients> {
      if (failure) throw failure;
      o.vars.forEach((v, i) => paramView.set(v.dataSync() as Float32Array, slots[i]!.offset));
      const rowsIn = batch.x.shape[0];
      const x = tensorData(batch.x);
      const y = tensorData(batch.y);
      const logits = batch.teacher ? tensorData(batch.teacher.logits) : undefined;
      const features = batch.teacher ? Object.entries(batch.teacher.features).map(([k, t]) => [k, tensorData(t)] as const) : [];
      const mix = batch.mix;
      const parts = batchSlices(rowsIn, n).map((s, i) => ({ ...s, i })).filter((s) => s.end > s.start);
      const replies = parts.map(({ start, end, i }) => {
        const m: StepMessage = {
          type: 'step',
          x: rows(x, start, end),
          y: rows(y, start, end),
          teacher: logits ? { logits: rows(logits, start, end), features: features.map(([k, t]) => [k, rows(t, start, end)]) } : undefined,
          mix: mix ? { lambda: mix.lambda.slice(start, end), partner: Int32Array.from({ length: end - start }, (_, r) => (y.data[mix.perm[start + r]!] as number)) } : undefined,
        };
        const transfer = [m.x.data.buffer, m.y.data.buffer, ...(m.teacher ? [m.teacher.logits.data.buffer, ...m.teacher.features.map(([, t]) => t.data.buffer)] : []), ...(m.mix ? [m.mix.lambda.buffer, m.mix.partner.buffer] : [])] as ArrayBuffer[];
        return request(i, m, transfer);
      });
      const got = (await Promise.all(replies)) as Extract<FromWorker, { type: 'grads' }>[];
      let value = 0;
      const termSums = new Map<string, number>();
      parts.forEach(({ start, end, i }, k) => {
        const w = (end - start) / rowsIn;
        const g = gradViews[i]!;
        if (k === 0) for (let j = 0; j < total; j++) acc[j] = w * g[j]!;
        else for (let j = 0; j < total; j++) acc[j] = acc[j]! + w * g[j]!;
        value += w * got[k]!.value;
        for (const [name, v] of got[k]!.parts) termSums.set(name, (termSums.get(name) ?? 0) + w * v);
      });
      const grads = slots.map((s) => tf.tensor(new Float32Array(acc.subarray(s.offset, s.offset + s.size)), s.shape));
      return {
        value: Math.fround(value),
        grads,
        nonFiniteTerms: async () => [...termSums].filter(([, v]) => !Number.isFinite(v)).map(([k, v]) => `${k} = ${v}`),
        dispose: () => {},
      };
    },
    async sync() {
      if (stateIndices.length === 0) return;
      // As PyTorch DDP broadcasts rank 0's buffers: the moving statistics of worker 0 (of its slices) are the model's.
      const m = (await request(0, { type: 'state' })) as Extract<FromWorker, { type: 'state' }>;
      m.weights.forEach((data, k) => {
        const w = weights[stateIndices[k]!]!;
        const t = tf.tensor(data, w.shape as number[]);
        w.write(t);
        t.dispose();
      });
    },
    close,
  };
}
