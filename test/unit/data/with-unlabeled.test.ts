import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset } from '../../helpers/tiny.js';
import { InMemoryDataset } from '../../../src/data/in-memory.js';
import { teacherLabelled, withUnlabeled } from '../../../src/data/with-unlabeled.js';
import { maskedHardCe } from '../../../src/losses/hard-ce.js';

before(() => useBackend('cpu'));

/** `n` 8x8 grey images without labels (-1), all in train but `held` held out as test. */
function unlabeled(n: number, held: number): InMemoryDataset {
  const idx = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return new InMemoryDataset({ name: 'unl', inputShape: [8, 8, 1], classNames: [], images: new Float32Array(n * 64).fill(0.5), labels: new Int32Array(n).fill(-1), splits: { train: idx(0, n - held), val: idx(0, 0), test: idx(n - held, n) } });
}

test('withUnlabeled: the train split is the union (labelled first in stored order), val and test stay labelled', async () => {
  const lab = bandDataset({ n: 30, classes: 3, size: 8 });
  const L = lab.size('train');
  const u = withUnlabeled(tf, lab, unlabeled(12, 2));
  assert.equal(u.size('train'), L + 10);
  assert.equal(u.size('val'), lab.size('val'));
  assert.equal(u.heldOut.size('test'), 2);
  const OFF = lab.size('train') + lab.size('val') + lab.size('test');
  const own: number[] = [];
  for await (const b of lab.batches('train', 7)) {
    own.push(...b.index!);
    tf.dispose([b.x, b.y]);
  }
  const union = [...own, ...Array.from({ length: 10 }, (_, j) => OFF + j)];
  const seen: number[] = [];
  const labels: number[] = [];
  for await (const b of u.batches('train', 7)) {
    seen.push(...b.index!);
    labels.push(...(b.y.dataSync() as Int32Array));
    tf.dispose([b.x, b.y]);
  }
  assert.deepEqual(seen, union, 'the labelled samples in their order, then the unlabeled images, their ids shifted past the labelled ones');
  assert.ok(labels.slice(0, L).every((y) => y >= 0) && labels.slice(L).every((y) => y === -1));
  // A slice across the boundary (a teacher-cache shard): positions L-2 .. L+2 of the union order.
  const part: number[] = [];
  for await (const b of u.batches('train', 3, { offset: L - 2, limit: L + 3 })) {
    part.push(...b.index!);
    tf.dispose([b.x, b.y]);
  }
  assert.deepEqual(part, union.slice(L - 2, L + 3));
  // Shuffled: every sample once, and a full batch holds both kinds in proportion (24 : 10 of 34 → 7 of 10 labelled).
  const shuffled: number[] = [];
  let first: number[] | undefined;
  for await (const b of u.batches('train', 10, { shuffleSeed: 5 })) {
    first ??= Array.from(b.y.dataSync() as Int32Array);
    shuffled.push(...b.index!);
    tf.dispose([b.x, b.y]);
  }
  assert.deepEqual([...shuffled].sort((a, b) => a - b), [...union].sort((a, b) => a - b));
  assert.equal(first!.filter((y) => y >= 0).length, Math.round((10 * L) / (L + 10)));
});

test('teacherLabelled: the held-out images carry the teacher\'s top-1 as labels, train keeps -1', async () => {
  const d = teacherLabelled(tf, unlabeled(6, 3), ['a', 'b'], Int32Array.from([1, 0, 1]));
  assert.equal(d.numClasses, 2);
  assert.equal(d.labeled, false);
  const ys: number[] = [];
  for await (const b of d.batches('val', 2)) {
    ys.push(...(b.y.dataSync() as Int32Array));
    tf.dispose([b.x, b.y]);
  }
  assert.deepEqual(ys, [1, 0, 1]);
  for await (const b of d.batches('train', 8)) {
    assert.deepEqual(Array.from(b.y.dataSync()), [-1, -1, -1]);
    tf.dispose([b.x, b.y]);
  }
});

test('maskedHardCe averages over the labelled samples only, worked by hand', () => {
  // Logits [0, 0] → p = 1/2 each: CE = ln 2 for a labelled sample; the -1 sample counts for nothing.
  const s = tf.tensor2d([[0, 0], [5, -5], [0, 0]]);
  const v = maskedHardCe(s, tf.tensor1d([1, -1, 0], 'int32'), 2).dataSync()[0]!;
  assert.ok(Math.abs(v - Math.log(2)) < 1e-6, `${v}`);
  assert.equal(maskedHardCe(s, tf.tensor1d([-1, -1, -1], 'int32'), 2).dataSync()[0], 0);
});
