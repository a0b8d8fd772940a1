// Data-parallel training (--workers, src/train/parallel/): the same N gives the same bits, N = 2 agrees with the main
// thread within float tolerance, BatchNorm takes per-worker statistics (checked against a second computation of the
// same thing in the main thread), and a worker that fails stops the run with its error and no thread left behind.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset, saveTinyModel, tmp } from '../../helpers/tiny.js';
import { trainStudent } from '../../../src/train/trainer.js';
import { buildStudentLoss, lossAndGradients } from '../../../src/train/student-loss.js';
import { batchSlices } from '../../../src/train/parallel/slices.js';
import { createWorkerPool, liveWorkerThreads } from '../../../src/train/parallel/pool.js';
import { WorkerFailedError, type WorkerFault } from '../../../src/train/parallel/index.js';
import { loadCheckpoint } from '../../../src/train/checkpoint.js';
import { studentFamilies } from '../../../src/students/index.js';
import { loadLayersTeacher } from '../../../src/teachers/layers-teacher.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { parseAugmentSpec } from '../../../src/data/augment/index.js';
import { resolveWorkers, workerCount } from '../../../src/config/workers.js';

before(() => useBackend('wasm'));
const io = { inputShape: [8, 8, 1], numClasses: 3 };
// Mixup makes some partners of a worker's images lie in the other worker's slice; feature-mse adds a trained adapter.
const train = TrainConfig.parse({ epochs: 2, batchSize: 16, learningRate: 0.01, seed: 5, augment: parseAugmentSpec('flip,mixup') });
const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 0.5, student: 'penultimate', teacher: 'hidden' }] };
const LIMIT = 72; // 5 steps an epoch, the last of 8 rows

async function run(workers: number, o: { checkpointDir?: string; fault?: WorkerFault } = {}) {
  const teacher = await loadLayersTeacher(await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 }));
  // mlp: no BatchNorm and no dropout, so the full batch's gradient is the size-weighted sum of the slices'.
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, train.seed);
  try {
    const threads: number[] = [];
    const r = await trainStudent({ student, teacher, data: bandDataset(), loss, train: { ...train, workers }, trainLimit: LIMIT, checkpointDir: o.checkpointDir, log: silentLogger, quiet: true, workerFault: o.fault, onEpoch: () => threads.push(liveWorkerThreads()) });
    return { history: r.history.map(({ seconds: _s, trainSeconds: _t, ...rest }) => rest), weights: student.getWeights().map((w) => Array.from(w.dataSync())), threads };
  } finally {
    student.dispose();
    teacher.dispose();
  }
}

const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.map((w, i) => Math.max(...w.map((x, j) => Math.abs(x - b[i]![j]!)))));

test('batchSlices: contiguous, in worker order, the first n mod N one row longer', () => {
  assert.deepEqual(batchSlices(7, 2), [{ start: 0, end: 4 }, { start: 4, end: 7 }]);
  assert.deepEqual(batchSlices(8, 3), [{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 8 }]);
  assert.deepEqual(batchSlices(1, 2), [{ start: 0, end: 1 }, { start: 1, end: 1 }]);
});

test('resolveWorkers: auto is the cores; 0, fractions, words and more than the cores are refused naming the flag', () => {
  assert.equal(resolveWorkers('auto', '--workers', 4), 4);
  assert.equal(resolveWorkers('3', '--workers', 4), 3);
  assert.equal(resolveWorkers(2, 'config: train.workers', 2), 2);
  assert.equal(workerCount('auto', 6), 6);
  assert.equal(workerCount(undefined, 6), 1);
  for (const bad of ['0', '-1', '1.5', 'two', '']) assert.throws(() => resolveWorkers(bad, '--workers', 4), (e: unknown) => e instanceof UserError && e.message.startsWith(`--workers ${bad}: expected a whole number from 1 to 4`));
  assert.throws(() => resolveWorkers('5', '--workers', 4), /^UserError: --workers 5: this machine has 4 cores available/);
});

test('2 workers: the same weights every run, and the main thread\'s within float tolerance', async () => {
  const one = await run(1);
  const a = await run(2);
  const b = await run(2);
  assert.deepEqual(one.threads, [0, 0], '--workers 1 trains in the main thread');
  assert.deepEqual(a.threads, [2, 2], 'two worker threads computed the gradients');
  assert.deepEqual(a.weights, b.weights, '2 workers twice: bit-identical weights');
  assert.deepEqual(a.history, b.history);
  const d = maxAbsDiff(a.weights, one.weights);
  assert.ok(d < 1e-4, `2 workers vs 1: max |Δw| = ${d}`);
  a.history.forEach((h, i) => assert.ok(Math.abs(h.trainLoss - one.history[i]!.trainLoss) < 1e-5, `epoch ${i + 1} loss ${h.trainLoss} vs ${one.history[i]!.trainLoss}`));
});

test('BatchNorm: each worker normalises its slice by its own statistics; worker 0\'s moving statistics are kept', async () => {
  const student = studentFamilies.get('cnn').build({ width: 0.25, depth: 1 }, io, 3);
  const hard = { terms: [{ kind: 'hard-ce', weight: 1 }] };
  const opts = { numClasses: 3, seed: 3, partialLabels: false, teacherShapes: new Map<string, number[]>() };
  const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const pool = await createWorkerPool({ workers: 2, student, vars, loss: hard, ...opts });
  const clone = async () => {
    const m = await tf.models.modelFromJSON({ modelTopology: JSON.parse(JSON.stringify(student.toJSON(undefined, false))) });
    m.setWeights(student.getWeights());
    const sl = buildStudentLoss(m, hard, opts);
    return { m, sl, vars: m.trainableWeights.map((w) => w.read() as tf.Variable) };
  };
  try {
    assert.deepEqual(pool.threads, [{ backend: 'wasm', simd: true }, { backend: 'wasm', simd: true }], 'each worker runs wasm with the SIMD training kernels');
    let batch: { x: tf.Tensor4D; y: tf.Tensor1D } | undefined;
    for await (const b of bandDataset().batches('train', 7)) {
      batch = b;
      break;
    }
    const { x, y } = batch!;
    const got = await pool.gradients({ x, y });
    // The second computation: each slice (rows 0-3 and 4-6) through its own copy of the student, in this thread.
    const [c0, c1, full] = [await clone(), await clone(), await clone()];
    const g0 = lossAndGradients(c0.sl, c0.vars, { x: x.slice(0, 4), y: y.slice(0, 4) });
    const g1 = lossAndGradients(c1.sl, c1.vars, { x: x.slice(4, 3), y: y.slice(4, 3) });
    const gf = lossAndGradients(full.sl, full.vars, { x, y });
    const expected = g0.grads.map((g, i) => tf.add(tf.mul(g, 4 / 7), tf.mul(g1.grads[i]!, 3 / 7)));
    const diff = (a: tf.Tensor[], b: tf.Tensor[]) => Math.max(...a.map((t, i) => tf.max(tf.abs(tf.sub(t, b[i]!))).dataSync()[0]!));
    assert.ok(diff(got.grads, expected) < 1e-5, `per-worker statistics: max |Δg| = ${diff(got.grads, expected)}`);
    assert.ok(diff(got.grads, gf.grads) > 1e-4, 'and not the full batch\'s statistics');
    assert.ok(Math.abs(got.value - ((4 / 7) * g0.value.dataSync()[0]! + (3 / 7) * g1.value.dataSync()[0]!)) < 1e-5);
    // The moving statistics: worker 0's (rows 0-3), as PyTorch DDP broadcasts rank 0's buffers.
    await pool.sync();
    const state = (m: tf.LayersModel) => m.weights.filter((w) => !w.trainable).map((w) => Array.from(w.read().dataSync()));
    assert.ok(state(student).length > 0);
    assert.ok(maxAbsDiff(state(student), state(c0.m)) < 1e-6, 'worker 0\'s moving statistics');
    assert.ok(maxAbsDiff(state(student), state(c1.m)) > 1e-4);
    tf.dispose([x, y, ...got.grads, ...expected, g0.value, g1.value, gf.value, ...g0.grads, ...g1.grads, ...gf.grads]);
    for (const c of [c0, c1, full]) c.m.dispose();
  } finally {
    await pool.close();
    student.dispose();
  }
  assert.equal(liveWorkerThreads(), 0);
});

test('a worker that throws stops the run with its error named, keeps the last checkpoint, leaves no thread', async () => {
  const dir = join(tmp(), 'checkpoint');
  // Step 7 of the run is epoch 2, step 2: epoch 1's checkpoint is on disk.
  await assert.rejects(run(2, { checkpointDir: dir, fault: { worker: 1, step: 7, kind: 'throw' } }), (e: unknown) => {
    assert.ok(e instanceof WorkerFailedError && e instanceof UserError);
    assert.match(e.message, /^training worker 2 of 2 failed: injected fault at step 7 \(at epoch 2, step 2\); the last good checkpoint \(epoch 1\) is kept in .*checkpoint; resume with --resume, or train in one thread with --workers 1$/);
    return true;
  });
  assert.equal(liveWorkerThreads(), 0, 'every worker thread is stopped');
  assert.ok(existsSync(join(dir, 'state.json')));
  const ck = await loadCheckpoint(dir);
  assert.equal(ck!.meta.epoch, 1);
  tf.dispose([...ck!.model, ...ck!.extra, ...ck!.optimizer]);
});

test('a worker whose thread dies (a crash) stops the run the same way', async () => {
  await assert.rejects(run(2, { fault: { worker: 0, step: 2, kind: 'exit' } }), /^WorkerFailedError: training worker 1 of 2 failed: its thread exited \(code 3\) \(at epoch 1, step 2\)/);
  assert.equal(liveWorkerThreads(), 0);
});
