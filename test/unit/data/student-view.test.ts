import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset } from '../../helpers/tiny.js';
import { parseStudentInput, resizeImages, studentInputShape, studentView } from '../../../src/data/student-view.js';
import { UserError } from '../../../src/core/errors.js';

before(() => useBackend('cpu'));

const close = (a: number[], b: number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `${a} vs ${b}`));

test('resizeImages: halving averages each 2x2 block (an area resize), worked by hand', () => {
  // 4x4 grey image 0..15 row by row: the 2x2 blocks average to 2.5, 4.5, 10.5, 12.5.
  const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
  close(Array.from(resizeImages(tf, x, [2, 2]).dataSync()), [2.5, 4.5, 10.5, 12.5]);
});

test('resizeImages: 3 → 2 is bilinear with half-pixel centres, worked by hand', () => {
  // Source row [0, 3, 6]: destination pixel d samples source (d + 0.5)·1.5 − 0.5 = 0.25 and 1.75 → 0.75 and 5.25.
  // The image is the outer sum row + 10·column, so both axes interpolate the same way: 0.75 + 7.5·{…}.
  const v = [0, 3, 6];
  const x = tf.tensor4d(v.flatMap((r) => v.map((c) => r * 10 + c)), [1, 3, 3, 1]);
  const a = [0.75, 5.25];
  close(Array.from(resizeImages(tf, x, [2, 2]).dataSync()), a.flatMap((r) => a.map((c) => r * 10 + c)));
  // The same size is a copy, not the same tensor.
  const same = resizeImages(tf, x, [3, 3]);
  assert.notEqual(same, x);
  close(Array.from(same.dataSync()), Array.from(x.dataSync()));
});

test('parseStudentInput and studentInputShape: HxW or HxWxC, the data\'s channels, never larger than the data', () => {
  assert.deepEqual(parseStudentInput('24x24'), [24, 24]);
  assert.deepEqual(parseStudentInput('16X12x3'), [16, 12, 3]);
  for (const bad of ['24', '24x', 'axb', '0x4', '2x2x2x2', '1.5x2']) assert.throws(() => parseStudentInput(bad), (e: Error) => e instanceof UserError && /expected HxW or HxWxC/.test(e.message), bad);
  assert.deepEqual(studentInputShape([32, 32, 3], [24, 24]), [24, 24, 3]);
  assert.deepEqual(studentInputShape([32, 32, 3], undefined), [32, 32, 3]);
  assert.throws(() => studentInputShape([32, 32, 3], [24, 24, 1]), /--student-input 24x24x1: 1 channel, but the data has 3/);
  assert.throws(() => studentInputShape([32, 32, 3], [40, 40]), /larger than the images the data gives \(32x32\)/);
});

test('studentView: the same samples in the same order and splits, each image resized', async () => {
  const data = bandDataset({ n: 30, classes: 3, size: 8 });
  const view = studentView(tf, data, [4, 4, 1]);
  assert.deepEqual(view.inputShape, [4, 4, 1]);
  assert.equal(view.size('train'), data.size('train'));
  const a = data.batches('train', 7, { shuffleSeed: 3 })[Symbol.asyncIterator]();
  const b = view.batches('train', 7, { shuffleSeed: 3 })[Symbol.asyncIterator]();
  const [ra, rb] = [(await a.next()).value, (await b.next()).value];
  assert.deepEqual(Array.from(rb.index), Array.from(ra.index));
  assert.deepEqual(Array.from(rb.y.dataSync()), Array.from(ra.y.dataSync()));
  close(Array.from(rb.x.dataSync()), Array.from(resizeImages(tf, ra.x, [4, 4]).dataSync()));
  assert.notEqual(view.fingerprint(), data.fingerprint());
  assert.equal(studentView(tf, data, [8, 8, 1]), data, 'the data\'s own size is the data itself');
});
