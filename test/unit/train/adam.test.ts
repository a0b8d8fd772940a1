import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset } from '../../helpers/tiny.js';
import { Adam } from '../../../src/train/adam.js';
import { trainStudent } from '../../../src/train/trainer.js';
import { studentFamilies } from '../../../src/students/index.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/core/progress.js';

before(() => useBackend('wasm'));

test('Adam holds exactly its 2 moments per variable, and gives every tensor back on dispose', () => {
  const vars = [tf.variable(tf.ones([3, 2])), tf.variable(tf.zeros([4]))];
  const before = tf.memory().numTensors;
  const adam = new Adam(vars);
  // m and v for each of the 2 variables; the zerosLike they start from must not stay behind.
  assert.equal(tf.memory().numTensors - before, 4);
  adam.dispose();
  assert.equal(tf.memory().numTensors, before);
  vars.forEach((v) => v.dispose());
});

test('trainStudent leaves no tensor behind: a whole run (Adam included) returns to the count it started from', async () => {
  const io = { inputShape: [8, 8, 1], numClasses: 3 };
  const student = studentFamilies.get('mlp').build({ hidden: 6, depth: 1 }, io, 1);
  const data = bandDataset();
  const train = TrainConfig.parse({ epochs: 1, batchSize: 16, seed: 1 });
  const loss = { terms: [{ kind: 'hard-ce', weight: 1 }] };
  // A first run warms up what tfjs keeps once per process (kernels' constants); the second must leak nothing.
  await trainStudent({ student, data, loss, train, log: silentLogger, quiet: true });
  const before = tf.memory().numTensors;
  await trainStudent({ student, data, loss, train, log: silentLogger, quiet: true });
  assert.equal(tf.memory().numTensors, before);
  student.dispose();
});
