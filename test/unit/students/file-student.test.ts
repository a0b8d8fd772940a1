import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { tmp } from '../../helpers/tiny.js';
import { saveLayersModelToDir } from '../../../src/runtime/model-io.js';
import { loadFileStudent, seedInitializers } from '../../../src/students/file-student.js';
import { distill } from '../../../src/distill/index.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';

before(() => useBackend('cpu'));

const io = { inputShape: [28, 28, 1], numClasses: 10 };

/** A small functional model of the user's own: conv, pool, a dense layer named `feat`, logits. */
function userModel(o: { last?: 'logits' | 'softmax'; extra?: 'upsample' } = {}): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }).apply(input) as tf.SymbolicTensor;
  if (o.extra === 'upsample') x = tf.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 16, activation: 'relu', name: 'feat' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, name: 'logits', ...(o.last === 'softmax' ? { activation: 'softmax' } : {}) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function saved(m: tf.LayersModel): Promise<string> {
  const dir = tmp('ed-user-student-');
  await saveLayersModelToDir(m, dir);
  return join(dir, 'model.json');
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('seedInitializers gives each seeded initializer its own seed from the run seed and leaves the rest alone', () => {
  const cfg = { layers: [{ className: 'Dense', config: { kernelInitializer: { className: 'GlorotUniform', config: { seed: null } }, biasInitializer: { className: 'Zeros', config: {} } } }, { className: 'Conv2D', config: { kernelInitializer: { className: 'HeNormal', config: { seed: 5 } } } }] };
  assert.deepEqual(seedInitializers(cfg, 3), {
    layers: [{ className: 'Dense', config: { kernelInitializer: { className: 'GlorotUniform', config: { seed: 3000 } }, biasInitializer: { className: 'Zeros', config: {} } } }, { className: 'Conv2D', config: { kernelInitializer: { className: 'HeNormal', config: { seed: 3001 } } } }],
  });
});

test('a file student: fresh weights follow the seed; keep gives the file\'s own weights; layer names are kept', async () => {
  const m = userModel();
  const path = await saved(m);
  const own = weightsOf(m);
  const init = await loadFileStudent(path, 'init');
  const a = init.build({}, io, 7), b = init.build({}, io, 7), c = init.build({}, io, 8);
  assert.deepEqual(weightsOf(a), weightsOf(b), 'same seed, same weights');
  assert.notDeepEqual(weightsOf(a)[0], weightsOf(c)[0], 'another seed, other weights');
  assert.notDeepEqual(weightsOf(a)[0], own[0], 'not the file\'s weights');
  assert.deepEqual(a.layers.map((l) => l.name).slice(1), ['c1', 'p1', 'flat', 'feat', 'logits']);
  const keep = await loadFileStudent(path, 'keep');
  assert.deepEqual(weightsOf(keep.build({}, io, 7)), own);
  tf.dispose([a, b, c, m] as unknown as tf.Tensor[]);
});

test('a file student refuses a softmax output, the wrong input size, the wrong class count, a GraphModel file', async () => {
  const soft = await loadFileStudent(await saved(userModel({ last: 'softmax' })), 'init');
  assert.throws(() => soft.build({}, io, 1), (e: Error) => e instanceof UserError && /applies softmax; a student must output logits/.test(e.message));
  const ok = await loadFileStudent(await saved(userModel()), 'init');
  assert.throws(() => ok.build({}, { inputShape: [16, 16, 3], numClasses: 10 }, 1), /takes inputs \[28, 28, 1\] but the student's input is \[16, 16, 3\]/);
  assert.throws(() => ok.build({}, { inputShape: [28, 28, 1], numClasses: 3 }, 1), /but the data has 3 classes/);
  const g = join(tmp(), 'model.json');
  writeFileSync(g, JSON.stringify({ format: 'graph-model', modelTopology: {} }));
  await assert.rejects(loadFileStudent(g, 'init'), /is a tfjs GraphModel/);
});

test('distill --student PATH trains the user\'s model with its layer names kept, and refuses unexportable layers and sizing flags', async () => {
  const path = await saved(userModel());
  const out = join(tmp(), 'run');
  const r = await distill({
    config: { teacher: null, data: { spec: 'mnist', trainLimit: 128 }, student: { model: path }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { epochs: 1, backend: 'cpu', batchSize: 32 } },
    out, quiet: true, log: silentLogger,
  });
  assert.equal(r.metrics.architecture.family, 'file:model.json');
  assert.equal(r.metrics.architecture.paramCount, 4 * 9 + 4 + 13 * 13 * 4 * 16 + 16 + 16 * 10 + 10);
  const trained = JSON.parse(readFileSync(join(out, 'student', 'model.json'), 'utf8'));
  assert.ok(JSON.stringify(trained.modelTopology).includes('"feat"'));

  const bad = await saved(userModel({ extra: 'upsample' }));
  await assert.rejects(
    distill({ config: { teacher: null, data: { spec: 'mnist', trainLimit: 64 }, student: { model: bad }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { epochs: 1, backend: 'cpu' } }, out: join(tmp(), 'bad'), quiet: true, log: silentLogger }),
    (e: Error) => e instanceof UserError && /cannot be exported to every format: layer "up" \(class UpSampling2D\) cannot be written as ONNX/.test(e.message),
  );
  await assert.rejects(
    distill({ config: { teacher: null, student: { model: path, maxBytes: 1000 }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] } }, out: join(tmp(), 'bad2'), quiet: true, log: silentLogger }),
    /--max-bytes sizes a student family; a model you bring is one fixed architecture/,
  );
});
