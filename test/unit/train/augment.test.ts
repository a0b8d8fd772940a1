import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset, saveTinyModel, tmp } from '../../helpers/tiny.js';
import { trainStudent, type EpochRecord } from '../../../src/train/trainer.js';
import { checkAugment } from '../../../src/train/augment-check.js';
import { studentFamilies } from '../../../src/students/index.js';
import { loadLayersTeacher } from '../../../src/teachers/layers-teacher.js';
import { liveTeacherOutputs, type TeacherOutputs } from '../../../src/teachers/outputs.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { buildAugment, parseAugmentSpec } from '../../../src/data/augment/index.js';
import type { Dataset } from '../../../src/core/types.js';

before(() => useBackend('wasm'));
const io = { inputShape: [8, 8, 1], numClasses: 3 };
const train = TrainConfig.parse({ epochs: 2, batchSize: 16, learningRate: 0.01, seed: 5, augment: parseAugmentSpec('crop=2,flip,mixup') });
const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }] };
const LIMIT = 32; // two steps of 16 per epoch

async function run(o: { checkpointDir?: string; signal?: AbortSignal; onEpoch?: (r: EpochRecord) => void; augment?: string } = {}) {
  const teacher = await loadLayersTeacher(await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 }));
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, train.seed);
  try {
    const before = tf.memory().numTensors;
    const r = await trainStudent({ student, teacher, data: bandDataset(), loss, train: o.augment === undefined ? train : { ...train, augment: parseAugmentSpec(o.augment) }, trainLimit: LIMIT, checkpointDir: o.checkpointDir, log: silentLogger, quiet: true, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}) });
    return { history: r.history, weights: student.getWeights().map((w) => Array.from(w.dataSync())), leaked: tf.memory().numTensors - before };
  } finally {
    student.dispose();
    teacher.dispose();
  }
}

test('a run with crop, flip and mixup (2 steps an epoch) stays finite and leaks no tensor', async () => {
  const counts: number[] = [];
  const r = await run({ onEpoch: () => counts.push(tf.memory().numTensors) });
  assert.equal(r.history.length, 2);
  assert.ok(r.history.every((h) => Number.isFinite(h.trainLoss) && h.trainLoss > 0));
  assert.ok(r.weights.every((w) => w.every(Number.isFinite)));
  assert.equal(counts[1], counts[0], 'no tensor left behind per step');
  // A run leaves nothing behind, augmented or not.
  assert.equal(r.leaked, 0);
  assert.equal((await run({ augment: 'none' })).leaked, 0);
});

test('augmented runs are replayed exactly: same seed, same weights; resumed after epoch 1, the same as uninterrupted', async () => {
  const whole = await run();
  assert.deepEqual((await run()).weights, whole.weights);
  const dir = join(tmp(), 'checkpoint');
  const ac = new AbortController();
  await assert.rejects(run({ checkpointDir: dir, signal: ac.signal, onEpoch: (r) => r.epoch === 1 && ac.abort() }), { name: 'AbortError' });
  const resumed = await run({ checkpointDir: dir });
  assert.deepEqual(resumed.weights, whole.weights);
});

/** The teacher's view: records every batch it is given, answers uniform logits. */
function recordingTeacher(seen: number[][]): TeacherOutputs {
  return {
    description: 'recording',
    tapShapes: async () => ({}),
    forBatch: async (b) => {
      seen.push(Array.from(b.x.dataSync()));
      return { logits: tf.zeros([b.x.shape[0], 3]), features: {} };
    },
    dispose: () => undefined,
  };
}

test('the teacher sees the augmented batch: with flip=1 every image it gets is the stored one mirrored', async () => {
  const data = bandDataset();
  const seen: number[][] = [];
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
  await trainStudent({ student, teacherOutputs: recordingTeacher(seen), data, loss: { terms: [{ kind: 'soft-kl', weight: 1, temperature: 1 }] }, train: { ...train, epochs: 1, augment: parseAugmentSpec('flip=1') }, trainLimit: LIMIT, log: silentLogger, quiet: true });
  student.dispose();
  // The stored batches in the trainer's order (epoch 0 shuffles with seed·1000), each row reversed by hand.
  const want: number[][] = [];
  for await (const b of data.batches('train', 16, { shuffleSeed: train.seed * 1000, limit: LIMIT })) {
    const v = Array.from(b.x.dataSync());
    want.push(v.map((_, i) => v[i - (i % 8) + 7 - (i % 8)]!));
    tf.dispose([b.x, b.y]);
  }
  assert.equal(seen.length, 2);
  assert.deepEqual(seen, want);
  // A student with its own smaller input gets the augmented batch resized; the teacher still the augmented 8x8 one.
  const small = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, { inputShape: [4, 4, 1], numClasses: 3 }, 1);
  const seenSmall: number[][] = [];
  await trainStudent({ student: small, teacherOutputs: recordingTeacher(seenSmall), data, loss: { terms: [{ kind: 'soft-kl', weight: 1, temperature: 1 }] }, train: { ...train, epochs: 1, augment: parseAugmentSpec('flip=1') }, trainLimit: LIMIT, studentInput: [4, 4, 1], log: silentLogger, quiet: true });
  small.dispose();
  assert.deepEqual(seenSmall, want);
  assert.notDeepEqual(seen[0], want[0]!.map((_, i) => want[0]![i - (i % 8) + 7 - (i % 8)]), 'the images are not symmetric, so a missing flip shows');
});

test('mixed labels reach hard-ce: at lr 0 the loss is λ·CE(y) + (1 − λ)·CE(y[perm]) with the λ and perm of each step', async () => {
  // The student never moves at lr 0, so each step's loss can be recomputed here: the step's batch augmented by the same
  // pipeline at (seed, epoch 0, step), the student's log-probabilities on it, and the mixed cross-entropy in float64.
  const data = bandDataset();
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
  const spec = parseAugmentSpec('crop=1,flip,mixup=8'); // α 8: λ near 1/2
  try {
    const r = await trainStudent({ student, data, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { ...train, epochs: 1, learningRate: 0, augment: spec }, trainLimit: LIMIT, log: silentLogger, quiet: true });
    const pipe = buildAugment(spec)!;
    const mixed: number[] = [];
    const plain: number[] = [];
    let step = 0;
    for await (const b of data.batches('train', 16, { shuffleSeed: train.seed * 1000, limit: LIMIT })) {
      const y = Array.from(b.y.dataSync());
      const out = pipe.apply(tf, b.x, { seed: train.seed, epoch: 0, step: step++ });
      const logits = student.predict(out.x) as tf.Tensor2D;
      const logp = (logits.arraySync() as number[][]).map((z) => {
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
        return z.map((v) => v - lse);
      });
      const { perm, lambda } = out.mix!;
      mixed.push(y.reduce((a, yi, i) => a - lambda[i]! * logp[i]![yi]! - (1 - lambda[i]!) * logp[i]![y[perm[i]!]!]!, 0) / y.length);
      plain.push(y.reduce((a, yi, i) => a - logp[i]![yi]!, 0) / y.length);
      tf.dispose([b.x, b.y, out.x, logits]);
    }
    const want = (mixed[0]! + mixed[1]!) / 2;
    assert.ok(Math.abs(r.history[0]!.trainLoss - want) < 1e-5, `${r.history[0]!.trainLoss} vs ${want}`);
    const unmixed = (plain[0]! + plain[1]!) / 2;
    assert.ok(Math.abs(unmixed - want) > 1e-3, `${unmixed} vs ${want}: the unmixed loss differs, so a dropped mix shows`);
  } finally {
    student.dispose();
  }
});

test('refused: augmentation with teacher outputs looked up by index (a cache); mixup on unlabeled data with hard-ce', async () => {
  const data = bandDataset();
  const augment = parseAugmentSpec('flip,mixup');
  const cacheLike: TeacherOutputs = { ...recordingTeacher([]), byIndex: true };
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, 1);
  try {
    await assert.rejects(
      trainStudent({ student, teacherOutputs: cacheLike, data, loss, train: { ...train, augment }, trainLimit: LIMIT, log: silentLogger, quiet: true }),
      (e: unknown) => e instanceof UserError && /^--augment: the teacher outputs come from a teacher cache, .* run it live \(--no-cache\) or drop --augment$/.test(e.message),
    );
    const unlabeled: Dataset = Object.assign(Object.create(data) as Dataset, { labeled: false });
    await assert.rejects(
      trainStudent({ student, teacherOutputs: recordingTeacher([]), data: unlabeled, loss, train: { ...train, augment }, trainLimit: LIMIT, log: silentLogger, quiet: true }),
      (e: unknown) => e instanceof UserError && /^--augment mixup: mixes the labels of image pairs, but bands has unlabeled images \(label -1\) and the loss has hard-ce; drop mixup/.test(e.message),
    );
  } finally {
    student.dispose();
  }
  const soft = { terms: [{ kind: 'soft-kl', weight: 1, temperature: 1 }] };
  const unlabeled = Object.assign(Object.create(data) as Dataset, { labeled: false });
  // Allowed: mixing without hard-ce (soft-kl reads no labels), hard-ce without mixing, hard-ce at weight 0, labeled data.
  checkAugment({ augment, data: unlabeled, loss: soft, needsTeacher: true });
  checkAugment({ augment: parseAugmentSpec('crop,flip'), data: unlabeled, loss, needsTeacher: true });
  checkAugment({ augment, data: unlabeled, loss: { terms: [...soft.terms, { kind: 'hard-ce', weight: 0 }] }, needsTeacher: true });
  checkAugment({ augment, data, loss, needsTeacher: true, byIndex: false });
  // A live teacher has no index lookup; no augmentation needs no check.
  assert.equal(liveTeacherOutputs({ id: 't', inputShape: [8, 8, 1], numClasses: 3, tapNames: () => [], forward: async () => ({ logits: tf.zeros([1, 3]), features: {} }), dispose: () => undefined }).byIndex, undefined);
  checkAugment({ augment: [], data: unlabeled, loss, needsTeacher: true, byIndex: true });
});
