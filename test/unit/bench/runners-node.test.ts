import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { nodeTfjsRunner } from '../../../src/bench/runners/node-tfjs.js';
import { nodeOrtRunner } from '../../../src/bench/runners/node-ort.js';
import { nodeOrtWebRunner } from '../../../src/bench/runners/node-ort-web.js';
import { createResources } from '../../../src/bench/resources.js';
import { parseTarget, type TargetInput } from '../../../src/config/target.js';
import { silentLogger } from '../../../src/core/progress.js';
import type { ModelRef, Runner, RunnerContext } from '../../../src/bench/types.js';
import { tinyModels, syntheticData, QUICK_PLAN } from './fixtures.js';

let models: Awaited<ReturnType<typeof tinyModels>>;
const data = syntheticData(20);
const ctx: RunnerContext = { data, log: silentLogger, resources: createResources() };
let reference: Int32Array;

function target(runtime: 'tfjs' | 'onnxruntime', backend: string, extra: Partial<TargetInput> = {}) {
  return parseTarget({ id: 't', description: 'test', runtime, host: 'node', backend, artifact: { format: runtime === 'tfjs' ? 'tfjs' : 'onnx' }, ...extra }, 'test');
}

/** Opens, times at batch 1 and 4, predicts, and checks the predictions agree with the reference. */
async function exercise(runner: Runner, ref: ModelRef, t: ReturnType<typeof target>) {
  const probe = await runner.probe(t, ctx);
  assert.ok(probe.ok, JSON.stringify(probe));
  const s = await runner.open(ref, t, ctx);
  try {
    assert.ok(s.info.coldLoadMs > 0 && s.info.runtimeInitMs >= 0, JSON.stringify(s.info));
    const r1 = await s.time(1, QUICK_PLAN);
    assert.ok(r1.samplesMs.length >= 5 && r1.samplesMs.every((v) => v > 0 && v < 1000), JSON.stringify(r1));
    const r4 = await s.time(4, QUICK_PLAN);
    assert.ok(r4.samplesMs.length >= 3);
    const pred = await s.predict(data.n);
    assert.equal(pred.length, data.n);
    return { pred, session: s, r1 };
  } finally {
    await s.dispose();
  }
}

before(async () => {
  models = await tinyModels();
});

test('node-tfjs: cpu and wasm run the tiny model and agree; tfjs reports memory', async () => {
  const cpu = await exercise(nodeTfjsRunner, models.tfjs, target('tfjs', 'cpu'));
  reference = cpu.pred;
  assert.ok(new Set(reference).size > 1, 'the fixture should predict more than one class');
  const wasm = await exercise(nodeTfjsRunner, models.tfjs, target('tfjs', 'wasm'));
  assert.deepEqual([...wasm.pred], [...reference]);
  assert.match(cpu.session.info.runtimeVersion, /^tfjs 4\.22\.0 \(cpu\)$/);
});

test('node-tfjs: memory is the weights the model holds', async () => {
  const s = await nodeTfjsRunner.open(models.tfjs, target('tfjs', 'cpu'), ctx);
  const m = await s.memory();
  await s.dispose();
  // conv 3·3·1·2 + 2, dense 392·10 + 10 float32 values.
  assert.equal(m?.bytes, (18 + 2 + 3920 + 10) * 4);
  assert.equal(m?.tensors, 4);
});

test('node-tfjs: the tensorflow backend is skipped with a reason when tfjs-node is absent', async () => {
  const probe = await nodeTfjsRunner.probe(target('tfjs', 'tensorflow'), ctx);
  assert.equal(probe.ok, false);
  assert.match((probe as { reason: string }).reason, /@tensorflow\/tfjs-node is not installed/);
});

test('node-ort (onnxruntime-node) runs the ONNX twin and agrees with tfjs on every prediction', async () => {
  const r = await exercise(nodeOrtRunner, models.onnx, target('onnxruntime', 'cpu'));
  assert.deepEqual([...r.pred], [...reference]);
  assert.match(r.session.info.runtimeVersion, /onnxruntime-node 1\.30/);
  assert.equal(await r.session.memory(), undefined);
});

test('node-ort-web (onnxruntime-web wasm under Node) agrees too', async () => {
  const r = await exercise(nodeOrtWebRunner, models.onnx, target('onnxruntime', 'wasm'));
  assert.deepEqual([...r.pred], [...reference]);
});

test('a fixed-batch ONNX model predicts in padded chunks and refuses other batch sizes', async () => {
  const s = await nodeOrtRunner.open(models.onnxB2, target('onnxruntime', 'cpu'), { ...ctx, data: { ...data, n: 19 } });
  try {
    assert.equal(s.info.fixedBatch, 2);
    assert.deepEqual([...(await s.predict(19))], [...reference.subarray(0, 19)]);
    assert.ok((await s.time(2, QUICK_PLAN)).samplesMs.length > 0);
    await assert.rejects(s.time(1, QUICK_PLAN), /fixed batch size of 2/);
  } finally {
    await s.dispose();
  }
});

test('the ONNX input dims are read from the file (fixed batch 2 vs symbolic N)', async () => {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { onnxInputDims, onnxFixedBatch } = await import('../../../src/bench/onnx-shape.js');
  const dyn = new Uint8Array(await readFile(join(models.onnx.dir, 'model.onnx')));
  const b2 = new Uint8Array(await readFile(join(models.onnx.dir, 'model-b2.onnx')));
  assert.deepEqual(onnxInputDims(dyn), ['N', 28, 28, 1]);
  assert.deepEqual(onnxInputDims(b2, 'input'), [2, 28, 28, 1]);
  assert.equal(onnxFixedBatch(dyn), undefined);
  assert.equal(onnxFixedBatch(b2), 2);
  assert.equal(onnxInputDims(b2, 'nope'), undefined);
  assert.equal(onnxInputDims(new Uint8Array([1, 2, 3])), undefined);
});
