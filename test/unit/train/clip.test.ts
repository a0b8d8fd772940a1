import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { clipByGlobalNorm } from '../../../src/train/adam.js';
import { TrainConfig } from '../../../src/config/schema.js';

before(() => useBackend('wasm'));
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);

test('clipByGlobalNorm: gradients [3, 4] (norm 5) clipped to 1 become [0.6, 0.8]; the norm is taken over all tensors together', () => {
  const [a] = clipByGlobalNorm([tf.tensor1d([3, 4])], 1).map((t) => Array.from(t.dataSync()));
  close(a![0]!, 0.6);
  close(a![1]!, 0.8);
  // [3] and [[4]] as two variables: the same global norm 5, so clipped to 2.5 they become [1.5] and [[2]].
  const [b, c] = clipByGlobalNorm([tf.tensor1d([3]), tf.tensor2d([[4]])], 2.5);
  close(b!.dataSync()[0]!, 1.5);
  close(c!.dataSync()[0]!, 2);
  assert.deepEqual(c!.shape, [1, 1]);
});

test('clipByGlobalNorm: at or below the threshold (and for zero gradients) the gradients keep their exact bits', () => {
  const g = [tf.tensor1d([0.1234567, -3.3333333]), tf.tensor2d([[1e-20, 4]])];
  const bits = (ts: tf.Tensor[]) => ts.map((t) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer)));
  // ‖g‖ = √(0.1234567² + 3.3333333² + 4²) = 5.2083...
  assert.deepEqual(bits(clipByGlobalNorm(g, 6)), bits(g));
  assert.deepEqual(bits(clipByGlobalNorm([tf.tensor1d([3, 4])], 5)), bits([tf.tensor1d([3, 4])]), 'norm equal to the threshold: unchanged');
  assert.deepEqual(bits(clipByGlobalNorm([tf.zeros([3])], 1)), bits([tf.zeros([3])]));
  assert.notDeepEqual(bits(clipByGlobalNorm(g, 5)), bits(g));
});

test('TrainConfig.clipGrad: optional (absent by default), positive', () => {
  assert.equal('clipGrad' in TrainConfig.parse({}), false);
  assert.equal(TrainConfig.parse({ clipGrad: 1.5 }).clipGrad, 1.5);
  assert.equal(TrainConfig.safeParse({ clipGrad: 0 }).success, false);
  assert.equal(TrainConfig.safeParse({ clipGrad: -1 }).success, false);
});

test('--clip-grad N sets train.clipGrad; absent leaves it out; 0 or a word is refused naming the flag', async () => {
  const { configFromFlags } = await import('../../../src/cli/commands/distill.js');
  assert.equal(((await configFromFlags({ 'clip-grad': '2.5' })).train as { clipGrad?: number }).clipGrad, 2.5);
  assert.equal('clipGrad' in (((await configFromFlags({ epochs: '2' })).train ?? {}) as object), false);
  await assert.rejects(configFromFlags({ 'clip-grad': '0' }), /--clip-grad 0: expected a number > 0/);
  await assert.rejects(configFromFlags({ 'clip-grad': 'big' }), /--clip-grad big: expected a number/);
});
