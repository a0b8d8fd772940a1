// Whole-model gradients on wasm equal the cpu backend's for the layer kinds the student families use, and repeated
// training steps on wasm leak neither tensors nor wasm heap.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { dsconvStudent, tinyCnn } from '../../../benchmarks/models.js';
import { Adam } from '../../../src/train/adam.js';
import { registerWasmTrainingKernels, restoreStockWasmKernels } from '../../../src/runtime/wasm-training/index.js';
import { assertSameGradients, host, setup, tf } from './wasm-helpers.js';

type S = tf.SymbolicTensor;
type Build = () => tf.LayersModel;

before(setup);

/** conv-BN-relu with a stride-2 'same' conv on an odd size (asymmetric padding), max pooling, dense. */
function convBn(): tf.LayersModel {
  const input = tf.input({ shape: [11, 11, 2] });
  let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as S;
  x = tf.layers.batchNormalization().apply(x) as S;
  x = tf.layers.activation({ activation: 'relu' }).apply(x) as S;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as S;
  x = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x) as S;
  x = tf.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'valid' }).apply(x) as S;
  x = tf.layers.flatten().apply(x) as S;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 4 }).apply(x) as S });
}

/** separableConv2d (depthwise with multiplier 2 + pointwise), relu6 via reLU({maxValue: 6}), global average pooling. */
function separable(): tf.LayersModel {
  const input = tf.input({ shape: [9, 10, 3] });
  let x = tf.layers.separableConv2d({ filters: 6, kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 }).apply(input) as S;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as S;
  // (a bias right before BatchNorm has a zero gradient, which would only compare rounding noise)
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid', useBias: true }).apply(x) as S;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as S;
  x = tf.layers.batchNormalization().apply(x) as S;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as S;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as S });
}

const MODELS: [string, Build, number[]][] = [
  ['conv + batchnorm + relu, stride-2 same on odd size, maxpool, dense', convBn, [4, 11, 11, 2]],
  ['separable / depthwise + relu6 + batchnorm + global average pooling', separable, [4, 9, 10, 3]],
  ['tiny cnn (conv16-pool-conv32-pool-dense10)', () => tinyCnn(tf, [14, 14, 1], 4), [3, 14, 14, 1]],
  ['dsconv student (MobileNet-style)', () => dsconvStudent(tf, [15, 15, 3], 4, [[8, 1], [12, 2], [12, 1]]), [4, 15, 15, 3]],
];

describe('whole-model gradients: wasm equals cpu', () => {
  for (const [i, [name, build, xShape]] of MODELS.entries()) {
    test(name, async () => {
      await assertSameGradients(build, host(xShape, 900 + i));
    });
  }
});

describe('training on wasm does not leak', () => {
  test('numTensors, backend data ids and wasm heap size are stable over steps', async () => {
    await tf.setBackend('wasm');
    const model = dsconvStudent(tf, [16, 16, 3], 4, [[8, 1], [16, 2]]);
    // The trainer's step: variableGrads, then the project's Adam (its fused wasm update included).
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const opt = new Adam(vars);
    const x = tf.randomUniform([8, 16, 16, 3], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    const backend = tf.backend() as unknown as { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as Tensor) as Scalar, vars);
      opt.apply(
        vars.map((v) => grads[v.name]!),
        1e-3,
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (let i = 0; i < 3; i++) step(); // optimizer slots and heap settle
    const before = { tensors: tf.memory().numTensors, ids: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
    for (let i = 0; i < 15; i++) step();
    const after = { tensors: tf.memory().numTensors, ids: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
    assert.deepEqual(after, before);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
});

describe('stock wasm kernels for inference benchmarks', () => {
  test('restoreStockWasmKernels puts back the replaced kernels, keeps the added ones, and registering again replaces them again', async () => {
    const mean = () => tf.getKernel('Mean', 'wasm')!;
    const ours = mean();
    const restored = restoreStockWasmKernels(tf);
    assert.ok(restored.includes('Mean') && restored.includes('Identity'), `restored: ${restored.join(', ')}`);
    const stock = mean();
    assert.notEqual(stock, ours);
    assert.equal((stock as unknown as Record<symbol, unknown>)[Symbol.for('edge-distill.wasm-training.kernel')], undefined);
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'added kernels stay');
    // The stock Mean still computes the same thing (it is what a deployed app runs).
    await tf.setBackend('wasm');
    const x = tf.tensor(host([2, 3, 3, 4], 7).values, [2, 3, 3, 4]);
    const stockMean = tf.mean(x, [1, 2]).dataSync();
    await registerWasmTrainingKernels(tf);
    assert.notEqual(mean(), stock);
    const simdMean = tf.mean(x, [1, 2]).dataSync();
    for (let i = 0; i < stockMean.length; i++) assert.ok(Math.abs(stockMean[i]! - simdMean[i]!) < 1e-6);
    x.dispose();
  });
});
