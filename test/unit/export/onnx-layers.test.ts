/**
 * Per-layer parity: each layer (and layer mix) with seeded random weights, run in tfjs (cpu) and as a written ONNX
 * file in onnxruntime-node, on odd shapes (stride 2 'same' on odd sizes, non-square kernels, channel multipliers
 * > 1) at batch 1 and 7. Every file written here is also passed through Debian's onnx checker.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { cpuTf, randomizeWeights } from '../../helpers/tf.js';
import { onnxParity } from '../../helpers/onnx-parity.js';
import { convertToOnnx } from '../../../src/export/onnx/convert.js';
import { onnxCheckerSkipReason, runOnnxChecker } from '../../helpers/onnx-check.js';

type TF = typeof tfType;
type Build = (tf: TF) => tfType.LayersModel;

const dir = mkdtempSync(join(tmpdir(), 'ed-onnx-layers-'));
const written: string[] = [];
after(() => rmSync(dir, { recursive: true, force: true }));

const seq = (tf: TF, inputShape: number[], layers: tfType.layers.Layer[]): tfType.LayersModel => {
  const m = tf.sequential();
  layers.forEach((l, i) => {
    if (i === 0) m.add(tf.layers.inputLayer({ inputShape }));
    m.add(l);
  });
  return m;
};

const CASES: Record<string, Build> = {
  'conv2d 3x2 kernel, stride 2 same, odd 9x7, no bias': (tf) =>
    seq(tf, [9, 7, 3], [tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false })]),
  'conv2d 3x3 stride 2 same on even 8x8 (pads 0 before, 1 after)': (tf) =>
    seq(tf, [8, 8, 2], [tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })]),
  'conv2d valid stride [2,3] + dilation': (tf) =>
    seq(tf, [11, 10, 2], [
      tf.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: [2, 3], padding: 'valid' }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu6' }),
    ]),
  'conv2d → BatchNormalization folded → relu6': (tf) =>
    seq(tf, [9, 9, 2], [tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), tf.layers.batchNormalization(), tf.layers.reLU({ maxValue: 6 })]),
  'BatchNormalization without scale/center, folded into a biased conv': (tf) =>
    seq(tf, [7, 7, 2], [tf.layers.conv2d({ filters: 3, kernelSize: 3 }), tf.layers.batchNormalization({ scale: false, center: false, epsilon: 0.01 })]),
  'depthwiseConv2d multiplier 1, stride 2 same, odd size': (tf) =>
    seq(tf, [9, 7, 3], [tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' })]),
  'depthwiseConv2d multiplier 3, non-square kernel, + BN folded': (tf) =>
    seq(tf, [9, 7, 2], [tf.layers.depthwiseConv2d({ kernelSize: [3, 2], depthMultiplier: 3, strides: 2, padding: 'same', useBias: false }), tf.layers.batchNormalization(), tf.layers.activation({ activation: 'relu' })]),
  'separableConv2d multiplier 2, stride 2 same, relu, + BN folded into pointwise': (tf) =>
    seq(tf, [9, 9, 3], [tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', useBias: false }), tf.layers.batchNormalization(), tf.layers.reLU()]),
  'maxPooling2d 3x3 stride 2 same on odd 9x7': (tf) => seq(tf, [9, 7, 2], [tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })]),
  'averagePooling2d 3x3 stride 2 same on odd 9x7 (border windows divide by real pixels)': (tf) =>
    seq(tf, [9, 7, 2], [tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })]),
  'averagePooling2d 2x2 valid on odd size, non-square pool same': (tf) =>
    seq(tf, [9, 7, 2], [tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }), tf.layers.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' })]),
  'BatchNormalization standalone after a pool (not foldable), image and features': (tf) =>
    seq(tf, [6, 6, 3], [tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.batchNormalization(), tf.layers.globalAveragePooling2d({}), tf.layers.batchNormalization()]),
  'globalAveragePooling2d and globalMaxPooling2d': (tf) => {
    const x = tf.input({ shape: [5, 7, 3] });
    const a = tf.layers.globalAveragePooling2d({}).apply(x) as tfType.SymbolicTensor;
    const b = tf.layers.globalMaxPooling2d({}).apply(x) as tfType.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.concatenate().apply([a, b]) as tfType.SymbolicTensor });
  },
  'flatten → dense (kernel rows permuted to NCHW order)': (tf) => seq(tf, [5, 3, 4], [tf.layers.flatten(), tf.layers.dense({ units: 6 })]),
  'flatten → dropout → dense with BN folded into dense, softmax': (tf) =>
    seq(tf, [4, 5, 3], [tf.layers.flatten(), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 7 }), tf.layers.batchNormalization(), tf.layers.softmax()]),
  'flatten as the model output (brought back to Keras order)': (tf) => seq(tf, [3, 4, 2], [tf.layers.conv2d({ filters: 3, kernelSize: 1 }), tf.layers.flatten()]),
  'flatten → relu → concatenate with another flatten (canonical order)': (tf) => {
    const x = tf.input({ shape: [4, 3, 2] });
    const f = tf.layers.flatten().apply(x) as tfType.SymbolicTensor;
    const r = tf.layers.activation({ activation: 'relu' }).apply(f) as tfType.SymbolicTensor;
    const c = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(x) as tfType.SymbolicTensor;
    const g = tf.layers.flatten().apply(c) as tfType.SymbolicTensor;
    const cat = tf.layers.concatenate().apply([r, g]) as tfType.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 3 }).apply(cat) as tfType.SymbolicTensor });
  },
  'add of two flattened branches (shared NCHW order kept) → dense': (tf) => {
    const x = tf.input({ shape: [3, 5, 2] });
    const a = tf.layers.flatten().apply(tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(x)) as tfType.SymbolicTensor;
    const b = tf.layers.flatten().apply(x) as tfType.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 4 }).apply(tf.layers.add().apply([a, b])) as tfType.SymbolicTensor });
  },
  'residual add + concatenate on channels, functional': (tf) => {
    const x = tf.input({ shape: [7, 5, 3] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tfType.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tfType.SymbolicTensor;
    const s = tf.layers.add().apply([a, b]) as tfType.SymbolicTensor;
    const c = tf.layers.concatenate({ axis: -1 }).apply([s, x]) as tfType.SymbolicTensor;
    const c2 = tf.layers.concatenate({ axis: 1 }).apply([c, c]) as tfType.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.globalAveragePooling2d({}).apply(c2) as tfType.SymbolicTensor });
  },
  'every supported activation function': (tf) =>
    seq(tf, [6], ['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'softmax'].map((a) => tf.layers.dense({ units: 6, activation: a as 'relu' }))),
  'dropout and noise layers write no node (inference identities)': (tf) =>
    seq(tf, [5, 5, 2], [tf.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.gaussianNoise({ stddev: 1 }), tf.layers.gaussianDropout({ rate: 0.5 }), tf.layers.alphaDropout({ rate: 0.5 }), tf.layers.flatten(), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 3 })]),
  'mlp on rank-2 input': (tf) => seq(tf, [10], [tf.layers.dense({ units: 8, activation: 'relu' }), tf.layers.dropout({ rate: 0.2 }), tf.layers.dense({ units: 3 })]),
  'whole model, cnn: [conv-bn-relu-maxpool] x2 → flatten → dropout → dense': (tf) =>
    seq(tf, [15, 13, 1], [
      tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: 10 }),
    ]),
  'whole model, MobileNet-style: conv s2-bn-relu6, [dw-bn-relu6, 1x1-bn-relu6] x2 (one s2), GAP, dense': (tf) =>
    seq(tf, [17, 15, 3], [
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu6' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 10 }),
    ]),
  'whole model, mlp on images: flatten → dense relu → dropout → dense → softmax': (tf) =>
    seq(tf, [7, 5, 2], [tf.layers.flatten(), tf.layers.dense({ units: 16, activation: 'relu' }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 10 }), tf.layers.softmax()]),
  'image output (rank-4 model output transposed back to NHWC)': (tf) => seq(tf, [5, 6, 2], [tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })]),
};

async function check(name: string, build: Build, opts: Parameters<typeof onnxParity>[3] = {}) {
  const tf = await cpuTf();
  const model = build(tf);
  randomizeWeights(tf, model, name.length);
  for (const batch of [1, 7]) {
    const r = await onnxParity(tf, model, batch, opts);
    assert.ok(r.maxAbsDiff < 1e-5, `${name} (batch ${batch}): max abs diff ${r.maxAbsDiff}`);
    if (batch === 7) {
      const file = join(dir, `${written.length}.onnx`);
      writeFileSync(file, r.bytes);
      written.push(file);
    }
  }
  model.dispose();
}

for (const [name, build] of Object.entries(CASES)) test(`onnx parity: ${name}`, () => check(name, build));

test('onnx parity: nchw input layout (no leading Transpose), image output stays NCHW', async () => {
  await check('nchw conv-bn-pool-flatten-dense', (tf) =>
    seq(tf, [9, 7, 2], [tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), tf.layers.batchNormalization(), tf.layers.reLU(), tf.layers.flatten(), tf.layers.dense({ units: 4 })]), { layout: 'nchw' });
  await check('nchw image output', CASES['image output (rank-4 model output transposed back to NHWC)']!, { layout: 'nchw' });
});

test('onnx parity: fixed batch dimension (--onnx-batch 7) runs at that batch', async () => {
  const tf = await cpuTf();
  const model = seq(tf, [5, 5, 1], [tf.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 3 })]);
  const r = await onnxParity(tf, model, 7, { batch: 7 });
  assert.ok(r.maxAbsDiff < 1e-5);
  await assert.rejects(onnxParity(tf, model, 1, { batch: 7 }), /dimension|Got invalid dimensions|index/i);
});

test('onnx parity: the same file runs in onnxruntime-web (wasm)', async () => {
  const tf = await cpuTf();
  const model = CASES['separableConv2d multiplier 2, stride 2 same, relu, + BN folded into pointwise']!(tf);
  randomizeWeights(tf, model, 3);
  const r = await onnxParity(tf, model, 7, { runtime: 'onnxruntime-web-wasm' });
  assert.ok(r.maxAbsDiff < 1e-5, `max abs diff ${r.maxAbsDiff}`);
});

test('BatchNormalization after a conv is folded away; Dropout writes no node; NHWC input costs one Transpose', async () => {
  const tf = await cpuTf();
  const model = CASES['whole model, MobileNet-style: conv s2-bn-relu6, [dw-bn-relu6, 1x1-bn-relu6] x2 (one s2), GAP, dense']!(tf);
  const ops = convertToOnnx(model).graph.nodes.map((n) => n.opType);
  assert.deepEqual(ops, ['Transpose', 'Conv', 'Clip', 'Conv', 'Clip', 'Conv', 'Clip', 'Conv', 'Clip', 'Conv', 'Clip', 'GlobalAveragePool', 'Flatten', 'Gemm']);
  assert.equal(convertToOnnx(model, { layout: 'nchw' }).graph.nodes[0]!.opType, 'Conv');
});

test('negative control: without the Flatten→Dense row permutation parity fails', async () => {
  const tf = await cpuTf();
  const model = CASES['flatten → dense (kernel rows permuted to NCHW order)']!(tf);
  randomizeWeights(tf, model, 5);
  const good = await onnxParity(tf, model, 7);
  const bad = await onnxParity(tf, model, 7, { permuteFlattenDense: false });
  assert.ok(good.maxAbsDiff < 1e-5);
  assert.ok(bad.maxAbsDiff > 1e-2, `unpermuted max abs diff only ${bad.maxAbsDiff}`);
});

test('every written ONNX file passes onnx.checker.check_model(full_check=True)', { skip: onnxCheckerSkipReason() }, () => {
  assert.ok(written.length >= Object.keys(CASES).length);
  assert.deepEqual(runOnnxChecker(written), {});
});
