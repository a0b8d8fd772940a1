import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { FORMS, TEACHERS } from '../../helpers/fixtures.js';
import { tmp } from '../../helpers/tiny.js';
import { layersToGraphModel, saveAsGraphModel } from '../../helpers/graph-model-writer.js';
import { onnxToLayers } from '../../helpers/onnx-to-layers.js';
import { loadTeacher } from '../../../src/teachers/index.js';
import { loadLayersModelFromFile } from '../../../src/runtime/model-io.js';

before(() => useBackend('wasm'));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function outputsOf(path: string, taps: readonly string[], x: tf.Tensor4D) {
  const t = await loadTeacher(path);
  try {
    const o = await t.forward(x, taps);
    const r = { logits: await o.logits.data(), taps: await Promise.all(taps.map((k) => o.features[k]!.data())), shapes: taps.map((k) => o.features[k]!.shape), kind: t.model.kind, layout: t.layout };
    tf.dispose([o.logits, ...Object.values(o.features)]);
    return r;
  } finally {
    t.dispose();
  }
}

test('one network in three forms (torch ONNX, tfjs LayersModel, tfjs GraphModel) gives the same logits and NHWC taps', async () => {
  const x = tf.randomUniform([16, 8, 8, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
  const onnx = await outputsOf(FORMS.onnx.path, FORMS.onnx.taps, x);
  const layers = await outputsOf(FORMS.layers.path, FORMS.layers.taps, x);
  const graph = await outputsOf(FORMS.graph.path, FORMS.graph.taps, x);
  x.dispose();
  assert.deepEqual([onnx.kind, layers.kind, graph.kind], ['onnx', 'layers-model', 'graph-model']);
  assert.equal(onnx.layout, 'nchw', 'torch exports NCHW, detected from the input shape');
  // The NCHW taps come back as NHWC, shaped like the tfjs ones.
  assert.deepEqual(onnx.shapes, [[16, 8, 8, 4], [16, 4, 4, 4], [16, 4, 4, 8]]);
  assert.deepEqual(layers.shapes, onnx.shapes);
  assert.deepEqual(graph.shapes, onnx.shapes);
  const diffs = [maxAbsDiff(onnx.logits, layers.logits), maxAbsDiff(onnx.logits, graph.logits), maxAbsDiff(layers.logits, graph.logits)];
  console.log(`# max |Δ logits| onnx-layers ${diffs[0]!.toExponential(2)}, onnx-graph ${diffs[1]!.toExponential(2)}, layers-graph ${diffs[2]!.toExponential(2)}`);
  for (const d of diffs) assert.ok(d < 1e-5, `logits differ by ${d}`);
  for (let k = 0; k < 3; k++) {
    assert.ok(maxAbsDiff(onnx.taps[k]!, layers.taps[k]!) < 1e-5, `tap ${k} onnx vs layers`);
    assert.ok(maxAbsDiff(onnx.taps[k]!, graph.taps[k]!) < 1e-5, `tap ${k} onnx vs graph`);
  }
  // The network computes something: logits are not all equal.
  assert.ok(Math.max(...onnx.logits) - Math.min(...onnx.logits) > 1e-3);
});

test('the committed tfjs fixtures are what the generators make from tiny.onnx', async () => {
  const fromOnnx = onnxToLayers(readFileSync(join(TEACHERS, 'tiny.onnx')));
  const committed = await loadLayersModelFromFile(tf, FORMS.layers.path);
  const a = fromOnnx.getWeights().map((w) => Array.from(w.dataSync()));
  const b = committed.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(a, b);
  const graph = layersToGraphModel(committed);
  const json = JSON.parse(readFileSync(FORMS.graph.path, 'utf8'));
  assert.deepEqual(graph.modelTopology, json.modelTopology);
  fromOnnx.dispose();
  committed.dispose();
});

test('an unfused GraphModel of the same network agrees, and its pre-activation BiasAdd is tap-able there', async () => {
  const model = await loadLayersModelFromFile(tf, FORMS.layers.path);
  const dir = tmp();
  await saveAsGraphModel(model, dir, { fuse: false });
  model.dispose();
  const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const unfused = await outputsOf(join(dir, 'model.json'), ['conv1/BiasAdd', 'conv1/Relu'], x);
  const onnx = await outputsOf(FORMS.onnx.path, ['/conv1/Conv_output_0', '/act1/Relu_output_0'], x);
  x.dispose();
  assert.ok(maxAbsDiff(unfused.logits, onnx.logits) < 1e-5);
  // conv1/BiasAdd is the conv (with the BatchNorm torch folded into it) before the ReLU: ONNX's /conv1/Conv output.
  assert.ok(maxAbsDiff(unfused.taps[0]!, onnx.taps[0]!) < 1e-5);
  assert.ok(maxAbsDiff(unfused.taps[1]!, onnx.taps[1]!) < 1e-5);
});

test('a teacher whose file fixes the batch size is run in chunks (the last one padded)', async () => {
  const model = await loadLayersModelFromFile(tf, FORMS.layers.path);
  const dir = tmp();
  await saveAsGraphModel(model, dir, { batch: 4 });
  model.dispose();
  const x = tf.randomUniform([10, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const fixed = await outputsOf(join(dir, 'model.json'), ['pool1/MaxPool'], x);
  const free = await outputsOf(FORMS.graph.path, ['pool1/MaxPool'], x);
  x.dispose();
  assert.deepEqual(fixed.shapes, [[10, 4, 4, 4]]);
  assert.ok(maxAbsDiff(fixed.logits, free.logits) < 1e-6);
});

test('tensor count is stable across forward calls of every kind (no leak)', async () => {
  for (const form of Object.values(FORMS)) {
    const t = await loadTeacher(form.path);
    const x = tf.zeros([3, 8, 8, 1]) as tf.Tensor4D;
    const run = async () => {
      const o = await t.forward(x, form.taps);
      tf.dispose([o.logits, ...Object.values(o.features)]);
    };
    await run();
    const n = tf.memory().numTensors;
    await run();
    await run();
    assert.equal(tf.memory().numTensors, n, form.path);
    x.dispose();
    t.dispose();
  }
});

test('a tap may name the output itself (fetched once, returned as both)', async () => {
  for (const form of [FORMS.layers, FORMS.onnx]) {
    const t = await loadTeacher(form.path);
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const n = tf.memory().numTensors;
    const o = await t.forward(x, [t.output, form.taps[0]]);
    assert.deepEqual(Array.from(await o.features[t.output]!.data()), Array.from(await o.logits.data()));
    tf.dispose([o.logits, ...Object.values(o.features)]);
    assert.equal(tf.memory().numTensors, n, 'nothing leaked');
    x.dispose();
    t.dispose();
  }
});
