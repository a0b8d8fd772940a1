/**
 * int8 QDQ ONNX: quantization parameters against hand-worked values, the rewritten graph's structure, the onnx
 * checker, and accuracy close to fp32 in onnxruntime-web (wasm) on a small trained model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { initBackend, loadTf } from '../../../src/runtime/backend.js';
import { openDataset } from '../../../src/data/index.js';
import type { Dataset } from '../../../src/core/types.js';
import { quantizePerChannel, uint8Params } from '../../../src/export/onnx/qdq.js';
import { buildOnnx } from '../../../src/export/onnx/writer.js';
import { decodeModel } from '../../../src/export/onnx/proto.js';
import { runOnnx, predictTfjs } from '../../../src/export/parity/runners.js';
import { accuracy, compareOutputs } from '../../../src/export/parity/compare.js';
import { calibrationImages, parityBatch, type LabelledBatch } from '../../../src/export/data.js';
import { tinyCnn, trainBriefly } from '../../helpers/tiny-models.js';
import { onnxCheckerSkipReason, runOnnxChecker } from '../../helpers/onnx-check.js';
import { randomizeWeights } from '../../helpers/tf.js';

const dir = mkdtempSync(join(tmpdir(), 'ed-int8-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let tf: typeof tfType;
let data: Dataset;
let model: tfType.LayersModel;
let batch: LabelledBatch;
let calibration: tfType.Tensor4D;

before(async () => {
  await initBackend('wasm');
  tf = await loadTf();
  data = await openDataset('mnist', { seed: 1234 });
  model = tinyCnn(tf);
  await trainBriefly(tf, model, data);
  batch = await parityBatch(data, 512, 1234);
  calibration = await calibrationImages(tf, data, 128, 1234);
});

test('uint8 activation parameters: range widened to include 0, zero point exact', () => {
  assert.deepEqual(uint8Params({ min: 0, max: 6 }), { scale: Math.fround(6 / 255), zeroPoint: 0 });
  assert.deepEqual(uint8Params({ min: -1, max: 3 }), { scale: Math.fround(4 / 255), zeroPoint: 64 }); // 1/(4/255) = 63.75 → 64
  assert.deepEqual(uint8Params({ min: 2, max: 3 }), { scale: Math.fround(3 / 255), zeroPoint: 0 }); // [2, 3] widened to [0, 3]
  assert.deepEqual(uint8Params({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
});

test('int8 weights: symmetric per output channel, max |w| ↦ ±127', () => {
  // Conv weight [out 2, in 1, 1, 2]: channel 0 = [0.5, −1], channel 1 = [0.02, −0.005].
  const { q, scales } = quantizePerChannel(Float32Array.of(0.5, -1, 0.02, -0.005), [2, 1, 1, 2], 0);
  assert.deepEqual([...scales], [Math.fround(1 / 127), Math.fround(0.02 / 127)]);
  assert.deepEqual([...q], [64, -127, 127, -32]); // 0.5·127 = 63.5 → 64; −0.005/0.02·127 = −31.75 → −32
  // Gemm B [in 2, out 2] quantized along axis 1 (output columns).
  const g = quantizePerChannel(Float32Array.of(1, 0.1, -0.5, 0.2), [2, 2], 1);
  assert.deepEqual([...g.q], [127, 64, -64, 127]);
});

test('QDQ graph: Relu/Clip after Conv folded into the quantization, int8 weights, int32 biases, float logits', async () => {
  const built = await buildOnnx(model, { precision: 'int8', calibration });
  const m = decodeModel(built.files[0]!.bytes) as { graph: { node: { op_type: string; input: string[]; output: string[] }[]; initializer: { name: string; data_type: number }[]; output: { name: string }[] } };
  const ops = m.graph.node.map((n) => n.op_type);
  assert.ok(!ops.includes('Relu') && !ops.includes('Clip'), `activations left: ${ops.join(' ')}`);
  const types = new Map(m.graph.initializer.map((t) => [t.name, t.data_type]));
  for (const n of m.graph.node.filter((x) => x.op_type === 'Conv' || x.op_type === 'Gemm')) {
    const dqOf = (name: string) => m.graph.node.find((x) => x.output.includes(name));
    assert.equal(types.get(dqOf(n.input[1]!)!.input[0]!), 3, 'weight is INT8');
    if (n.input[2]) assert.equal(types.get(dqOf(n.input[2])!.input[0]!), 6, 'bias is INT32');
    assert.equal(dqOf(n.input[0]!)!.op_type, 'DequantizeLinear', 'activation input is dequantized');
  }
  const last = m.graph.node.find((n) => n.output.includes(m.graph.output[0]!.name))!;
  assert.equal(last.op_type, 'Gemm', 'logits come straight from the float Gemm output');
});

test('int8 accuracy within 2 points of fp32 in onnxruntime-web (wasm) and -node, ≥ 95% top-1 agreement, < 50% of the bytes', async () => {
  const ref = await predictTfjs(tf, model, batch);
  const refAcc = accuracy(ref, 10, batch.labels!);
  assert.ok(refAcc > 0.6, `the test model trained poorly (${refAcc})`);
  const fp32 = await buildOnnx(model, { precision: 'fp32' });
  const int8 = await buildOnnx(model, { precision: 'int8', calibration });
  const bytes = int8.files[0]!.bytes;
  assert.ok(bytes.byteLength < 0.5 * fp32.files[0]!.bytes.byteLength, `int8 ${bytes.byteLength} B vs fp32 ${fp32.files[0]!.bytes.byteLength} B`);
  for (const runtime of ['onnxruntime-web-wasm', 'onnxruntime-node'] as const) {
    const out = await runOnnx(runtime, bytes, batch, { layout: 'nhwc', outputShape: [10] });
    const acc = accuracy(out, 10, batch.labels!);
    const cmp = compareOutputs(ref, out, 10);
    assert.ok(Math.abs(acc - refAcc) <= 0.02, `${runtime}: int8 acc ${acc} vs fp32 ${refAcc}`);
    assert.ok(cmp.top1Agreement >= 0.95, `${runtime}: agreement ${cmp.top1Agreement}`);
  }
  writeFileSync(join(dir, 'tiny-int8.onnx'), bytes);
});

test('int8 of a functional model with Add/Concatenate/AveragePool and an NCHW input runs and matches fp32 roughly', async () => {
  const x = tf.input({ shape: [28, 28, 1] });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as tfType.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(x) as tfType.SymbolicTensor;
  const s = tf.layers.add().apply([a, b]) as tfType.SymbolicTensor;
  const c = tf.layers.concatenate().apply([s, a]) as tfType.SymbolicTensor;
  const p = tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(c) as tfType.SymbolicTensor;
  const g = tf.layers.globalAveragePooling2d({}).apply(p) as tfType.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 10 }).apply(g) as tfType.SymbolicTensor });
  randomizeWeights(tf, m, 11);
  const ref = await predictTfjs(tf, m, batch);
  const built = await buildOnnx(m, { precision: 'int8', calibration, layout: 'nchw' });
  const out = await runOnnx('onnxruntime-web-wasm', built.files[0]!.bytes, batch, { layout: 'nchw', outputShape: [10] });
  const cmp = compareOutputs(ref, out, 10);
  const span = Math.max(...ref) - Math.min(...ref);
  assert.ok(cmp.meanAbsDiff < 0.05 * span, `mean abs diff ${cmp.meanAbsDiff} vs output span ${span}`);
  writeFileSync(join(dir, 'functional-int8.onnx'), built.files[0]!.bytes);
});

test('int8 files pass onnx.checker.check_model(full_check=True)', { skip: onnxCheckerSkipReason() }, () => {
  assert.deepEqual(runOnnxChecker([join(dir, 'tiny-int8.onnx'), join(dir, 'functional-int8.onnx')]), {});
});
