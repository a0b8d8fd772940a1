// initBackend: explicit cpu and wasm, auto (tfjs-node cannot be installed here, so auto lands on wasm), and a
// requested tensorflow backend that is missing is a UserError naming what to install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../../../src/runtime/backend.js';
import { UserError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/progress.js';

const require = createRequire(import.meta.url);
const installed = (pkg: string): boolean => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const nodeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

test('cpu and wasm are chosen as asked, wasm with the training kernels, repeatably', async () => {
  for (const choice of ['cpu', 'wasm', 'wasm', 'cpu'] as const) {
    const info = await initBackend(choice, silentLogger);
    assert.equal(info.name, choice);
    assert.equal(tf.getBackend(), choice);
    assert.equal(info.gpu, false);
  }
  for (const k of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
    assert.ok(tf.getKernel(k, 'wasm'), `${k} registered for wasm`);
  }
  // The wasm backend computes after the switch (a kernel this project registered included).
  await initBackend('wasm', silentLogger);
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, tf.ones([2, 2, 1, 1]), 1, 'valid').sum())(tf.ones([1, 3, 3, 1])).dataSync());
  assert.deepEqual(Array.from(g), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
});

test('auto prefers tfjs-node, and without it picks wasm and says why', { skip: nodeInstalled && 'tfjs-node is installed here' }, async () => {
  const lines: string[] = [];
  const info = await initBackend('auto', { info: (m) => lines.push(m), warn: (m) => lines.push(m) });
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(
    info.passedOver.map((p) => p.backend),
    ['tensorflow (tfjs-node-gpu)', 'tensorflow (tfjs-node)'],
  );
  assert.match(info.passedOver[1]!.reason, /@tensorflow\/tfjs-node is not installed/);
  assert.match(lines.join('\n'), /backend: wasm \(passed over: /);
});

test('--backend tensorflow without tfjs-node is a UserError naming what to install', { skip: nodeInstalled && 'tfjs-node is installed here' }, async () => {
  await assert.rejects(initBackend('tensorflow', silentLogger), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^--backend tensorflow: not available/);
    assert.match(e.message, /install @tensorflow\/tfjs-node@4\.22\.0/);
    assert.match(e.message, /--backend auto\|wasm\|cpu/);
    return true;
  });
});

test('an unknown backend is a UserError listing the choices', async () => {
  await assert.rejects(initBackend('gpu' as BackendChoice, silentLogger), (e: unknown) => e instanceof UserError && /Must be one of \[auto, tensorflow, wasm, cpu\]/.test(e.message));
});
