import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset, saveTinyModel } from '../../helpers/tiny.js';
import { loadLayersTeacher } from '../../../src/teachers/layers-teacher.js';
import { predictTeacherSplit } from '../../../src/train/evaluate.js';
import { loadLayersModelFromFile } from '../../../src/runtime/model-io.js';
import type { Teacher } from '../../../src/core/types.js';

before(() => useBackend('wasm'));

test('predictTeacherSplit runs the teacher over a split once, and every call gets its own copy of the same argmaxes', async () => {
  const path = await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 });
  const teacher = await loadLayersTeacher(path);
  let forwards = 0;
  const counting: Teacher = Object.assign(Object.create(Object.getPrototypeOf(teacher)), teacher, {
    forward: (x: tf.Tensor4D, taps: string[]) => { forwards++; return teacher.forward(x, taps); },
  });
  const data = bandDataset();
  // Independent reference: argmax of the model's own predict over the val images in split order.
  const xs: tf.Tensor[] = [];
  for await (const b of data.batches('val', 1000)) { xs.push(b.x); b.y.dispose(); }
  const x = tf.concat(xs);
  const model = await loadLayersModelFromFile(tf, path);
  const logits = model.predict(x) as tf.Tensor;
  const want = Array.from(await tf.argMax(logits, -1).data());
  tf.dispose([x, ...xs, logits]);
  model.dispose();

  const a = await predictTeacherSplit(counting, data, 'val', 16);
  const calls = forwards;
  assert.ok(calls >= 2, 'the val split spans several batches');
  const b = await predictTeacherSplit(counting, data, 'val', 16);
  assert.equal(forwards, calls, 'the second call reuses the first pass');
  assert.deepEqual(Array.from(b), Array.from(a));
  assert.deepEqual(Array.from(a), want);
  b[0] = 99;
  assert.notEqual((await predictTeacherSplit(counting, data, 'val'))[0], 99, 'callers cannot change the memo');
  await predictTeacherSplit(counting, data, 'test', 16);
  assert.ok(forwards > calls, 'another split is computed');
  await predictTeacherSplit(counting, bandDataset(), 'val', 16);
  assert.ok(forwards > calls, 'another dataset is computed');
});
