import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { hardCe } from '../../../src/losses/hard-ce.js';
import { dkd } from '../../../src/losses/dkd.js';
import { dominantLabels, mixedOneHot } from '../../../src/losses/label-mix.js';
import { buildLoss } from '../../../src/losses/index.js';
import type { LabelMix } from '../../../src/core/types.js';
import { dkd64 } from './float64.js';

before(() => useBackend('cpu'));
const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const mixOf = (perm: number[], lambda: number[]): LabelMix => ({ perm: Int32Array.from(perm), lambda: Float32Array.from(lambda) });

// Logits whose softmax is easy by hand: [0, ln 2, 0] → p = [1/4, 1/2, 1/4]; [ln 3, 0, 0] → p = [3/5, 1/5, 1/5].
const logits = () => tf.tensor2d([[0, Math.log(2), 0], [Math.log(3), 0, 0]]);
const labels = () => tf.tensor1d([1, 0], 'int32');

test('hard-ce on mixed images: λ·CE(y) + (1 − λ)·CE(y[perm]), worked by hand', () => {
  // λ = 0.7, the two images swapped (perm [1, 0]), labels [1, 0]:
  // image 0: 0.7·(−ln 1/2) + 0.3·(−ln p_0[y_1 = 0] = −ln 1/4) = 0.7·ln 2 + 0.3·ln 4 = 0.901091
  // image 1: 0.7·(−ln 3/5) + 0.3·(−ln p_1[y_0 = 1] = −ln 1/5) = 0.357578 + 0.482831 = 0.840410
  const want = (0.7 * Math.log(2) + 0.3 * Math.log(4) + 0.7 * Math.log(5 / 3) + 0.3 * Math.log(5)) / 2;
  close(want, 0.8707505, 1e-6);
  close(hardCe(logits(), labels(), 3, mixOf([1, 0], [0.7, 0.7])).arraySync() as number, want);
  // Without a mix (or with λ = 1, or a sample mixed with itself) it is the plain cross-entropy: (ln 2 + ln 5/3)/2.
  const plain = (Math.log(2) + Math.log(5 / 3)) / 2;
  close(hardCe(logits(), labels(), 3).arraySync() as number, plain);
  close(hardCe(logits(), labels(), 3, mixOf([1, 0], [1, 1])).arraySync() as number, plain);
  close(hardCe(logits(), labels(), 3, mixOf([0, 1], [0.3, 0.3])).arraySync() as number, plain);
});

test('mixedOneHot: per-sample λ and a permutation give the mixed one-hot rows', () => {
  const t = mixedOneHot(tf.tensor1d([2, 0, 1], 'int32'), 3, mixOf([2, 0, 1], [0.25, 1, 0.5]));
  assert.deepEqual(t.arraySync(), [
    [0, 0.75, 0.25], // 0.25·onehot(2) + 0.75·onehot(y_2 = 1)
    [1, 0, 0], // λ = 1: its own label only
    [0.5, 0.5, 0], // 0.5·onehot(1) + 0.5·onehot(y_1 = 0)
  ]);
});

test('the combined loss passes the mix to hard-ce; soft-kl ignores it (the teacher saw the same mixed image)', () => {
  const t = { logits: tf.tensor2d([[1, 0, 0], [0, 0, 1]]), features: {} };
  const loss = buildLoss({ terms: [{ kind: 'hard-ce', weight: 1 }, { kind: 'soft-kl', weight: 1, temperature: 1 }] }, { addTrainable: () => undefined, shapeOf: () => [], numClasses: 3, seed: 1 });
  const mix = mixOf([1, 0], [0.7, 0.7]);
  const mixed = loss.compute({ logits: logits(), features: {} }, t, labels(), mix);
  const plain = loss.compute({ logits: logits(), features: {} }, t, labels());
  close(mixed.parts['hard-ce']!.arraySync() as number, hardCe(logits(), labels(), 3, mix).arraySync() as number);
  assert.equal(mixed.parts['soft-kl']!.arraySync(), plain.parts['soft-kl']!.arraySync());
});

test('dkd on mixed images takes the dominant image\'s label (λ ≥ 1/2: its own; a tie keeps its own)', () => {
  // labels [1, 0, 2], partners [1, 2, 0]: λ 0.3 → y_1 = 0; λ 0.5 → its own 0; λ 0.8 → its own 2.
  const y = tf.tensor1d([1, 0, 2], 'int32');
  const mix = mixOf([1, 2, 0], [0.3, 0.5, 0.8]);
  assert.deepEqual(dominantLabels(y, mix).arraySync(), [0, 0, 2]);
  const s = [[1, 2, 0.5], [0.3, -0.7, 2.5], [4, 1, 1]];
  const t = [[2, 0, 1], [1, 1, -2], [3, 0, 2]];
  const term = buildLoss({ terms: [{ kind: 'dkd', weight: 1 }] }, { addTrainable: () => undefined, shapeOf: () => [], numClasses: 3, seed: 1 });
  const got = term.compute({ logits: tf.tensor2d(s), features: {} }, { logits: tf.tensor2d(t), features: {} }, y, mix).total.arraySync() as number;
  const want = dkd64(s, t, [0, 0, 2], { alpha: 1, beta: 8, T: 4 }).loss;
  assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, want), `${got} vs ${want}`);
  const unmixed = dkd(tf.tensor2d(s), tf.tensor2d(t), y, { alpha: 1, beta: 8, temperature: 4 }).arraySync() as number;
  assert.ok(Math.abs(unmixed - want) > 1e-3, 'the dominant labels differ from the own labels, so ignoring the mix shows');
});
