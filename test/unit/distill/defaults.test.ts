import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../helpers/backend.js';
import { saveTinyModel, tmp } from '../../helpers/tiny.js';
import { distill, baseRecipe, resolveDistillConfig } from '../../../src/distill/index.js';
import { mlpFamily } from '../../../src/students/mlp.js';
import { saveLayersModelToDir } from '../../../src/runtime/model-io.js';
import { silentLogger } from '../../../src/core/progress.js';
import { trainTeacher } from '../../../src/distill/train-teacher.js';
import { DEFAULT_LOSS } from '../../../src/config/schema.js';
import { buildLoss } from '../../../src/losses/index.js';
import { recipeLoss } from '../../../src/tune/space.js';
import * as tf from '@tensorflow/tfjs';

before(() => useBackend('wasm'));

const base = { data: { spec: 'mnist', trainLimit: 64 }, student: { family: 'mlp', params: { hidden: 8, depth: 1 } }, train: { epochs: 1, backend: 'wasm' } };
const saved = (out: string) => JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));

test('default recipe: soft-kl 0.9 at T=1 + hard-ce 0.1 at lr 0.0094, plus feature-mse 0.1 on penultimate only when the teacher has that layer and no loss was given', async () => {
  const dir = tmp('ed-defaults-');
  const family = mlpFamily.build({ hidden: 16, depth: 1 }, { inputShape: [28, 28, 1], numClasses: 10 }, 3);
  await saveLayersModelToDir(family, join(dir, 'fam'));
  family.dispose();
  const withPenultimate = join(dir, 'fam', 'model.json');
  const without = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });

  const a = join(dir, 'a');
  await distill({ config: { ...base, teacher: { path: withPenultimate } }, out: a, quiet: true, log: silentLogger });
  assert.deepEqual(saved(a).loss.terms, [
    { kind: 'soft-kl', weight: 0.9, temperature: 1, standardize: false },
    { kind: 'hard-ce', weight: 0.1 },
    { kind: 'feature-mse', weight: 0.1, student: 'penultimate', teacher: 'penultimate', adapter: 'auto' },
  ]);
  assert.equal(saved(a).train.learningRate, 0.0094);

  const b = join(dir, 'b');
  await distill({ config: { ...base, teacher: { path: without } }, out: b, quiet: true, log: silentLogger });
  assert.deepEqual(saved(b).loss.terms, [{ kind: 'soft-kl', weight: 0.9, temperature: 1, standardize: false }, { kind: 'hard-ce', weight: 0.1 }]);

  const c = join(dir, 'c');
  const given = { terms: [{ kind: 'soft-kl', weight: 0.5, temperature: 4 }, { kind: 'hard-ce', weight: 0.5 }] };
  await distill({ config: { ...base, teacher: { path: withPenultimate }, loss: given }, out: c, quiet: true, log: silentLogger });
  assert.deepEqual(saved(c).loss, { terms: [{ ...given.terms[0], standardize: false }, given.terms[1]] }, 'a given loss is used as given (its defaults filled in)');

  assert.equal(DEFAULT_LOSS.terms.length, 2, 'adding the feature term to one run leaves the default alone');
  // The search starts from the configured recipe, feature term included.
  assert.deepEqual(baseRecipe(resolveDistillConfig(saved(a))), { softWeight: 0.9, temperature: 1, featureWeight: 0.1, learningRate: 0.0094 });
});

test('train-teacher keeps its own learning rate (0.002), not the distillation default', async () => {
  const out = join(tmp('ed-defaults-'), 't');
  await trainTeacher({ data: 'mnist', trainLimit: 64, arch: 'mlp:hidden=8,depth=1', epochs: 1, out, quiet: true, log: silentLogger });
  assert.equal(saved(out).train.learningRate, 0.002);
});

test('a soft-kl term given without a temperature trains at T=1 (the default recipe), config.json records it, and the tune base recipe is that recipe', async () => {
  const dir = tmp('ed-defaults-');
  const teacher = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });
  const out = join(dir, 'explicit');
  await distill({ config: { ...base, teacher: { path: teacher }, loss: { terms: [{ kind: 'soft-kl', weight: 0.9 }, { kind: 'hard-ce', weight: 0.1 }] } }, out, quiet: true, log: silentLogger });
  const c = saved(out);
  assert.deepEqual(c.loss.terms, [{ kind: 'soft-kl', weight: 0.9, temperature: 1, standardize: false }, { kind: 'hard-ce', weight: 0.1 }]);
  // config.json holds every value the run used: the whole train block, with its defaults (augment: [] for none;
  // workers as a number, 1 by default).
  assert.deepEqual(Object.keys(c.train).sort(), ['augment', 'backend', 'batchSize', 'epochs', 'learningRate', 'minLrFactor', 'seed', 'warmupEpochs', 'workers']);
  assert.equal(c.train.workers, 1);

  // The loss the trainer builds from that config, on logits worked out by hand: teacher [ln 3, 0], student [0, 0].
  // At T=1: p_t = [3/4, 1/4], p_s = [1/2, 1/2], KL = 3/4 ln(3/2) + 1/4 ln(1/2) = 0.130812; at T=4 (the old default)
  // it would be 16 · KL(softmax([ln3/4, 0]) ‖ [1/2, 1/2]) = 0.14951.
  const loss = buildLoss(c.loss, { addTrainable: () => {}, shapeOf: () => [], numClasses: 2, seed: 1 });
  const parts = tf.tidy(() => {
    const r = loss.compute({ logits: tf.tensor2d([[0, 0]]), features: {} }, { logits: tf.tensor2d([[Math.log(3), 0]]), features: {} }, tf.tensor1d([0], 'int32'));
    return Object.fromEntries(Object.entries(r.parts).map(([k, v]) => [k, v.dataSync()[0]!]));
  });
  assert.ok(Math.abs(parts['soft-kl']! - (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5))) < 1e-6, `soft-kl ${parts['soft-kl']}`);
  assert.ok(Math.abs(parts['soft-kl']! - 0.130812) < 1e-5);

  // The recipe search's first candidate is the recipe this run trained with, term for term.
  const r = resolveDistillConfig(c);
  assert.deepEqual(baseRecipe(r), { softWeight: 0.9, temperature: 1, featureWeight: 0, learningRate: 0.0094 });
  assert.deepEqual(resolveDistillConfig({ ...c, loss: recipeLoss(baseRecipe(r)) }).loss, r.loss);
});
