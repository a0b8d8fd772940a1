import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset, saveTinyModel, tmp } from '../../helpers/tiny.js';
import { trainStudent, type EpochRecord } from '../../../src/train/trainer.js';
import { studentFamilies } from '../../../src/students/index.js';
import { loadLayersTeacher } from '../../../src/teachers/layers-teacher.js';
import { silentLogger } from '../../../src/core/progress.js';
import { DivergedError, UserError } from '../../../src/core/errors.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { predictSplit } from '../../../src/train/evaluate.js';
import type { TeacherOutputs } from '../../../src/teachers/outputs.js';
import { lossTerms } from '../../../src/losses/index.js';
import { z } from 'zod';

before(() => useBackend('wasm'));
type TrainInputLoss = Parameters<typeof trainStudent>[0]['loss']['terms'];
const io = { inputShape: [8, 8, 1], numClasses: 3 };
const train = TrainConfig.parse({ epochs: 3, batchSize: 16, learningRate: 0.01, seed: 5, warmupEpochs: 0.5 });
const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 0.5, student: 'penultimate', teacher: 'hidden' }] };

async function run(o: { epochs?: number; checkpointDir?: string; signal?: AbortSignal; onEpoch?: (r: EpochRecord) => void; nan?: boolean; clipGrad?: number } = {}) {
  const teacher = await loadLayersTeacher(await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 }));
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, train.seed);
  try {
    const r = await trainStudent({
      student, teacher, data: bandDataset({ nan: o.nan ?? false }), loss, train: { ...train, epochs: o.epochs ?? train.epochs, ...(o.clipGrad !== undefined ? { clipGrad: o.clipGrad } : {}) },
      checkpointDir: o.checkpointDir, log: silentLogger, quiet: true, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
    });
    return { history: r.history, weights: student.getWeights().map((w) => Array.from(w.dataSync())), resumedFrom: r.resumedFrom };
  } finally {
    student.dispose();
    teacher.dispose();
  }
}

test('same seed gives the same metrics and weights', async () => {
  const a = await run();
  const b = await run();
  assert.deepEqual(a.history.map(({ seconds: _s, trainSeconds: _t, ...r }) => r), b.history.map(({ seconds: _s, trainSeconds: _t, ...r }) => r));
  assert.deepEqual(a.weights, b.weights);
  assert.ok(a.history.at(-1)!.valAgreement !== undefined);
});

test('an interrupted run resumed from its checkpoint ends exactly like an uninterrupted one', async () => {
  const whole = await run();
  const dir = join(tmp(), 'checkpoint');
  const ac = new AbortController();
  await assert.rejects(run({ checkpointDir: dir, signal: ac.signal, onEpoch: (r) => r.epoch === 1 && ac.abort() }), { name: 'AbortError' });
  assert.ok(existsSync(join(dir, 'state.json')));
  const resumed = await run({ checkpointDir: dir });
  assert.equal(resumed.resumedFrom, 1);
  assert.deepEqual(resumed.weights, whole.weights);
  assert.deepEqual(resumed.history.map((r) => r.valAccuracy), whole.history.map((r) => r.valAccuracy));
});

test('tensor count is stable across epochs (no leak per step)', async () => {
  const counts: number[] = [];
  await run({ epochs: 3, onEpoch: () => counts.push(tf.memory().numTensors) });
  assert.equal(counts.length, 3);
  assert.equal(counts[1], counts[0]);
  assert.equal(counts[2], counts[0]);
});

test('a NaN loss stops with a DivergedError (a UserError) naming epoch and step', async () => {
  // The NaN image's step, found from the data's own epoch-1 order (the trainer shuffles with seed·1000 + epoch).
  let step = 0;
  for await (const b of bandDataset({ nan: true }).batches('train', train.batchSize, { shuffleSeed: train.seed * 1000 })) {
    step++;
    const bad = b.x.dataSync().some((v) => Number.isNaN(v));
    tf.dispose([b.x, b.y]);
    if (bad) break;
  }
  assert.ok(step > 1, 'the NaN image is not in the first batch, so "step 1" would be wrong');
  await assert.rejects(run({ nan: true }), (e: unknown) => e instanceof DivergedError && e instanceof UserError && e.epoch === 1 && e.step === step && e.message.includes(`loss is NaN at epoch 1, step ${step}. `));
});

/** A teacher that gives every image the same logits `row`. */
function fixedTeacher(row: number[]): TeacherOutputs {
  return {
    description: `fixed logits [${row}]`,
    tapShapes: async () => ({}),
    forBatch: async (b) => ({ logits: tf.tile(tf.tensor2d([row]), [b.x.shape[0], 1]), features: {} }),
    dispose: () => undefined,
  };
}

test('the teacher terms reach the loss: at lr 0 a zero student reports T²·KL against the teacher, worked in float64', async () => {
  // All-zero weights give logits 0, so p_s = [1/3, 1/3, 1/3] for every image; the teacher's logits [0, 0, 2·ln 8] at
  // T = 2 soften to [1, 1, 8]/10. At lr 0 the weights never move, so every step's loss is the same.
  const T = 2;
  const pt = [0.1, 0.1, 0.8];
  const kl = pt.reduce((a, p) => a + p * Math.log(p / (1 / 3)), 0); // 0.4595804
  const ce = Math.log(3); // hard-ce of a uniform student, whatever the label
  const lossOf = async (terms: TrainInputLoss) => {
    const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
    student.setWeights(student.getWeights().map((w) => tf.zerosLike(w)));
    try {
      const r = await trainStudent({ student, teacherOutputs: fixedTeacher([0, 0, 2 * Math.log(8)]), data: bandDataset(), loss: { terms }, train: { ...train, epochs: 1, learningRate: 0 }, log: silentLogger, quiet: true });
      return r.history[0]!.trainLoss;
    } finally {
      student.dispose();
    }
  };
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  close(await lossOf([{ kind: 'soft-kl', weight: 1, temperature: T }]), T * T * kl); // 1.838322
  close(await lossOf([{ kind: 'hard-ce', weight: 1 }]), ce);
  close(await lossOf([{ kind: 'soft-kl', weight: 0.5, temperature: T }, { kind: 'hard-ce', weight: 0.5 }]), 0.5 * T * T * kl + 0.5 * ce);
  assert.ok(Math.abs(T * T * kl - ce) > 0.5, 'the two terms are far apart, so dropping either shows');
  // dist: the uniform student's probabilities have no spread across classes, and the fixed teacher's none across the
  // batch, so both correlations are 0 (the ε, not 0/0) and the loss is T²·(1 + 1) = 8 at every step, gradients finite.
  close(await lossOf([{ kind: 'dist', weight: 1, temperature: T }]), T * T * 2);
});

test('soft-kl alone pulls the student to the teacher, not the labels: a teacher always saying class 2', async () => {
  const data = bandDataset();
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
  try {
    await trainStudent({ student, teacherOutputs: fixedTeacher([0, 0, 5]), data, loss: { terms: [{ kind: 'soft-kl', weight: 1, temperature: 1 }] }, train, log: silentLogger, quiet: true });
    const { preds, labels } = await predictSplit(student, data, 'val');
    assert.equal(labels.filter((y) => y === 2).length, Math.round(labels.length / 3), 'a third of the labels say class 2');
    assert.equal(preds.filter((p) => p === 2).length, preds.length, 'every prediction is the teacher\'s class');
  } finally {
    student.dispose();
  }
});

test('every student family trains a step with finite loss (cnn, dsconv, mlp, vgg)', async () => {
  const data = bandDataset({ size: 8 });
  for (const fam of studentFamilies.all()) {
    const m = fam.build(fam.grid(io)[0], io, 1);
    const r = await trainStudent({ student: m, data, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { ...train, epochs: 1, batchSize: 64 }, trainLimit: 64, log: silentLogger, quiet: true });
    assert.ok(Number.isFinite(r.history[0]!.trainLoss), fam.name);
    m.dispose();
  }
});

test('hard-label training learns the bands (val accuracy well above chance)', async () => {
  const m = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
  const r = await trainStudent({ student: m, data: bandDataset(), loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train, log: silentLogger, quiet: true });
  assert.ok(r.history.at(-1)!.valAccuracy > 0.8, `val accuracy ${r.history.at(-1)!.valAccuracy}`);
  m.dispose();
});

// A loss term that is finite (and connected to the student's logits) for its first call and NaN from its second on.
lossTerms.register({
  name: 'nan-from-step-2',
  description: 'test only',
  params: z.object({}).strict(),
  needsTeacher: false,
  taps: () => ({ student: [], teacher: [] }),
  create: () => {
    let calls = 0;
    return (s) => tf.mul(tf.mean(tf.square(s.logits)), ++calls >= 2 ? NaN : 1) as tf.Scalar;
  },
});

test('a loss term that goes NaN stops training with the term named (and the finite ones not)', async () => {
  const m = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
  try {
    const terms = [{ kind: 'hard-ce', weight: 1 }, { kind: 'nan-from-step-2', weight: 0.5 }];
    await assert.rejects(trainStudent({ student: m, data: bandDataset(), loss: { terms }, train: { ...train, epochs: 1 }, log: silentLogger, quiet: true }), (e: unknown) => {
      assert.ok(e instanceof DivergedError);
      assert.equal(e.step, 2);
      assert.match(e.message, /loss is NaN at epoch 1, step 2\. The non-finite loss term: nan-from-step-2 = NaN\. Lower the learning rate/);
      assert.doesNotMatch(e.message, /hard-ce/);
      return true;
    });
  } finally {
    m.dispose();
  }
});

test('clipGrad: a threshold above every step\'s norm trains bit for bit as no clipping; a small one changes the weights', async () => {
  const plain = await run({ epochs: 1 });
  assert.deepEqual((await run({ epochs: 1, clipGrad: 1e30 })).weights, plain.weights);
  const clipped = await run({ epochs: 1, clipGrad: 1e-3 });
  assert.notDeepEqual(clipped.weights, plain.weights);
  assert.ok(clipped.weights.every((w) => w.every(Number.isFinite)));
});
