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

before(() => useBackend('wasm'));
const io = { inputShape: [8, 8, 1], numClasses: 3 };
const train = TrainConfig.parse({ epochs: 3, batchSize: 16, learningRate: 0.01, seed: 5, warmupEpochs: 0.5 });
const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 0.5, student: 'penultimate', teacher: 'hidden' }] };

async function run(o: { epochs?: number; checkpointDir?: string; signal?: AbortSignal; onEpoch?: (r: EpochRecord) => void; nan?: boolean } = {}) {
  const teacher = await loadLayersTeacher(await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 }));
  const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, train.seed);
  try {
    const r = await trainStudent({
      student, teacher, data: bandDataset({ nan: o.nan ?? false }), loss, train: { ...train, epochs: o.epochs ?? train.epochs },
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
  assert.deepEqual(a.history.map(({ seconds: _s, ...r }) => r), b.history.map(({ seconds: _s, ...r }) => r));
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
