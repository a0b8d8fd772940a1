import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { softKl } from '../../../src/losses/soft-kl.js';
import { hardCe } from '../../../src/losses/hard-ce.js';
import { planFeatureMatch, adaptStudent, adaptTeacher } from '../../../src/losses/feature-mse.js';
import { buildLoss, lossTerms } from '../../../src/losses/index.js';

before(() => useBackend('cpu'));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('soft-kl: T²·KL worked by hand, batch mean', () => {
  // Teacher softened at T=2 gives [0.75, 0.25] (t/T = [ln 3, 0]); a student of zeros gives [0.5, 0.5].
  const kl = 0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5); // 0.130812
  const s = tf.tensor2d([[0, 0], [1, 1]]);
  const t = tf.tensor2d([[2 * Math.log(3), 0], [5, 5]]); // second row: identical distributions, KL 0
  close(softKl(s, t, 2).arraySync() as number, (4 * kl + 0) / 2);
});

test('soft-kl: the T² factor keeps the loss of the same softened distributions scaled by T²', () => {
  const s = tf.tensor2d([[0, 0]]);
  const kl = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
  // The same softened distributions at T=1 and T=3: the plain KL is equal, so the loss differs by exactly 9.
  close(softKl(s, tf.tensor2d([[Math.log(3), 0]]), 1).arraySync() as number, kl);
  close(softKl(s, tf.tensor2d([[3 * Math.log(3), 0]]), 3).arraySync() as number, 9 * kl);
});

test('soft-kl: gradient w.r.t. student logits is T·(p_s − p_t) / batch', () => {
  const T = 4;
  const sv = [0.3, -1.2, 2.0];
  const tv = [1.0, 0.5, -0.5];
  const soft = (v: number[]) => {
    const e = v.map((x) => Math.exp(x / T));
    const z = e.reduce((a, b) => a + b);
    return e.map((x) => x / z);
  };
  const ps = soft(sv);
  const pt = soft(tv);
  const g = tf.grad((s: tf.Tensor) => softKl(s, tf.tensor2d([tv]), T))(tf.tensor2d([sv])).arraySync() as number[][];
  g[0]!.forEach((gi, i) => close(gi, T * (ps[i]! - pt[i]!)));
});

test('hard-ce: −mean log softmax(s)[y] worked by hand', () => {
  const s = tf.tensor2d([[0, 0, Math.log(3)], [0, 0, Math.log(3)]]); // softmax [0.2, 0.2, 0.6]
  const y = tf.tensor1d([2, 0], 'int32');
  close(hardCe(s, y, 3).arraySync() as number, (-Math.log(0.6) - Math.log(0.2)) / 2);
});

test('feature-mse: plans pooling, GAP, resizing and projection', () => {
  assert.deepEqual(planFeatureMatch([8, 8, 4], [4, 4, 4], 'auto', 'x'), { gapStudent: false, gapTeacher: false, poolStudent: 2, poolTeacher: 1 });
  assert.deepEqual(planFeatureMatch([4, 4, 4], [8, 8, 16], 'auto', 'x'), { gapStudent: false, gapTeacher: false, poolStudent: 1, poolTeacher: 2, project: [4, 16] });
  assert.deepEqual(planFeatureMatch([7, 7, 4], [3, 3, 4], 'auto', 'x').resizeStudent, [3, 3]);
  assert.deepEqual(planFeatureMatch([7, 7, 8], [32], 'auto', 'x'), { gapStudent: true, gapTeacher: false, poolStudent: 1, poolTeacher: 1, project: [8, 32] });
  assert.deepEqual(planFeatureMatch([16], [16], 'dense', 'x').project, [16, 16]);
  assert.throws(() => planFeatureMatch([16], [8], 'none', 'x'), /16 channels, teacher 8/);
});

test('feature-mse: pooled and projected values worked by hand', () => {
  // Student 2x2x1 [[1,2],[3,4]] average-pooled by 2 → 2.5; teacher 1x1x1 = 1 → (2.5 − 1)² = 2.25.
  const plan = planFeatureMatch([2, 2, 1], [1, 1, 1], 'auto', 'x');
  const s = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const t = tf.tensor4d([1], [1, 1, 1, 1]);
  close(tf.mean(tf.squaredDifference(adaptStudent(s, plan), adaptTeacher(t, plan))).arraySync() as number, 2.25);
  // Dense projection [s0, s1] → [s0, s1, s0 + s1] with a fixed kernel.
  const p2 = planFeatureMatch([2], [3], 'auto', 'x');
  const k = tf.tensor2d([[1, 0, 1], [0, 1, 1]]);
  assert.deepEqual(adaptStudent(tf.tensor2d([[2, 5]]), p2, k).arraySync(), [[2, 5, 7]]);
});

test('combined loss: weighted sum of the terms, finite gradients, adapter registered as trainable', () => {
  const trainables: tf.Variable[] = [];
  const loss = buildLoss(
    { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 2, student: 'f', teacher: 'g' }] },
    { addTrainable: (v) => trainables.push(v), shapeOf: (side) => (side === 'student' ? [3] : [5]), numClasses: 3, seed: 1 },
  );
  assert.equal(trainables.length, 1);
  assert.deepEqual(trainables[0]!.shape, [3, 5]);
  const sl = tf.tensor2d([[0.1, 0.2, 0.3], [1, -1, 0]]);
  const tl = tf.tensor2d([[1, 0, 0], [0, 2, 0]]);
  const y = tf.tensor1d([0, 1], 'int32');
  const fs = tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
  const ft = tf.tensor2d([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]]);
  const { total, parts } = loss.compute({ logits: sl, features: { f: fs } }, { logits: tl, features: { g: ft } }, y);
  // feature-mse in float64: the student's [3] features through the adapter kernel K [3, 5] (seeded glorot, read back
  // from the registered trainable), then the mean of the 2·5 squared differences to the teacher's.
  const K = trainables[0]!.arraySync() as number[][];
  const fsRows = [[1, 2, 3], [0, 1, 0]];
  const ftRows = [[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]];
  let sq = 0;
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 5; j++) {
      let proj = 0;
      for (let c = 0; c < 3; c++) proj += fsRows[i]![c]! * K[c]![j]!;
      sq += (proj - ftRows[i]![j]!) ** 2;
    }
  }
  const featureMse = sq / 10;
  assert.ok(featureMse > 0.01, 'the feature part is not negligible next to the others');
  close(parts['feature-mse']!.arraySync() as number, featureMse);
  const expected = 0.9 * softKl(sl, tl, 4).arraySync() + 0.1 * hardCe(sl, y, 3).arraySync() + 2 * featureMse;
  close(total.arraySync() as number, expected);
  const { grads } = tf.variableGrads(() => loss.compute({ logits: sl, features: { f: fs } }, { logits: tl, features: { g: ft } }, y).total, trainables);
  for (const g of Object.values(grads)) assert.ok((g.dataSync() as Float32Array).every(Number.isFinite));
});

test('registry lists the known loss terms', () => {
  assert.deepEqual(lossTerms.names(), ['soft-kl', 'hard-ce', 'feature-mse', 'dkd', 'dist']);
  assert.throws(() => lossTerms.get('kl'), /unknown loss term: "kl". Must be one of \[soft-kl, hard-ce, feature-mse, dkd, dist\]/);
});
