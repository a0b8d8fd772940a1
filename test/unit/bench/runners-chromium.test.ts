/**
 * The browser runners on the tiny model in the real headless Chromium (Debian's /usr/bin/chromium; .ci/run installs
 * it). One browser serves the whole file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumTfjsRunner } from '../../../src/bench/runners/chromium-tfjs.js';
import { chromiumOrtRunner } from '../../../src/bench/runners/chromium-ort.js';
import { nodeTfjsRunner } from '../../../src/bench/runners/node-tfjs.js';
import { createResources } from '../../../src/bench/resources.js';
import { startLocalServer } from '../../../src/bench/browser/server.js';
import { parseTarget, type TargetInput } from '../../../src/config/target.js';
import { silentLogger } from '../../../src/core/progress.js';
import type { ModelRef, Runner, RunnerContext } from '../../../src/bench/types.js';
import { tinyModels, syntheticData, QUICK_PLAN } from './fixtures.js';

let models: Awaited<ReturnType<typeof tinyModels>>;
let reference: number[];
const data = syntheticData(20);
const ctx: RunnerContext = { data, log: silentLogger, resources: createResources() };

function target(runtime: 'tfjs' | 'onnxruntime', backend: string, extra: Partial<TargetInput> = {}) {
  return parseTarget({ id: `test-${runtime}-${backend}`, description: 'test', runtime, host: 'chromium', backend, artifact: { format: runtime === 'tfjs' ? 'tfjs' : 'onnx' }, ...extra }, 'test');
}

async function exercise(runner: Runner, ref: ModelRef, t: ReturnType<typeof target>, c = ctx) {
  const probe = await runner.probe(t, c);
  assert.ok(probe.ok, JSON.stringify(probe));
  const s = await runner.open(ref, t, c);
  try {
    const r = await s.time(1, QUICK_PLAN);
    assert.ok(r.samplesMs.length >= 5 && r.samplesMs.every((v) => v > 0), JSON.stringify(r));
    // Cross-origin isolated pages have a 5 µs clock (100 µs otherwise).
    assert.ok(r.clockResolutionMs <= 0.02, `clock ${r.clockResolutionMs}`);
    const r4 = await s.time(4, QUICK_PLAN);
    assert.ok(r4.samplesMs.length >= 3);
    const pred = [...(await s.predict(data.n))];
    return { info: s.info, pred, memory: await s.memory(), probe };
  } finally {
    await s.dispose();
  }
}

before(async () => {
  models = await tinyModels();
  const s = await nodeTfjsRunner.open(models.tfjs, parseTarget({ id: 'ref', description: 'r', runtime: 'tfjs', host: 'node', backend: 'cpu', artifact: { format: 'tfjs' } }, 'ref'), ctx);
  reference = [...(await s.predict(data.n))];
  await s.dispose();
});
after(() => ctx.resources.closeAll());

test('chromium-tfjs wasm: predictions in the page equal Node\'s, threads and wasm binary reported', async () => {
  const r = await exercise(chromiumTfjsRunner, models.tfjs, target('tfjs', 'wasm', { threads: 2 }));
  assert.deepEqual(r.pred, reference);
  assert.match(r.info.runtimeVersion, /^tfjs 4\.22\.0 \(wasm\) in Chromium \d+/);
  assert.ok(r.info.notes.some((n) => /wasm binary: tfjs-backend-wasm-threaded-simd\.wasm/.test(n)), r.info.notes.join('; '));
  assert.equal(r.memory?.bytes, (18 + 2 + 3920 + 10) * 4);
  assert.equal(r.info.device?.softwareEmulated, false);
});

test('chromium-tfjs webgl runs on SwiftShader and is labelled software-emulated', async () => {
  const r = await exercise(chromiumTfjsRunner, models.tfjs, target('tfjs', 'webgl'));
  assert.deepEqual(r.pred, reference);
  assert.equal(r.info.device?.softwareEmulated, true);
  assert.match(r.info.device!.description, /SwiftShader/);
  assert.ok((r.memory?.gpuBytes ?? 0) > 0, JSON.stringify(r.memory));
});

test('chromium-ort wasm (2 threads, cross-origin isolated) agrees with tfjs; onnxruntime reports no memory', async () => {
  const r = await exercise(chromiumOrtRunner, models.onnx, target('onnxruntime', 'wasm', { threads: 2 }));
  assert.deepEqual(r.pred, reference);
  assert.match(r.info.runtimeVersion, /^onnxruntime-web 1\.30\.0 \(wasm\) in Chromium/);
  assert.equal(r.memory, undefined);
});

test('chromium-ort webgl needs a fixed batch: a batch-2 export runs (batch read from the file), a dynamic one is refused', async () => {
  const t = target('onnxruntime', 'webgl');
  const s = await chromiumOrtRunner.open(models.onnxB2, t, ctx);
  try {
    assert.equal(s.info.fixedBatch, 2);
    assert.equal(s.info.device?.softwareEmulated, true);
    assert.ok((await s.time(2, QUICK_PLAN)).samplesMs.length >= 5);
    assert.deepEqual([...(await s.predict(data.n))], reference);
  } finally {
    await s.dispose();
  }
  await assert.rejects(chromiumOrtRunner.open(models.onnx, t, ctx), /webgl backend needs a fixed batch size, and model\.onnx has a dynamic one/);
});

test('a throttled target (CDP setCPUThrottlingRate 4) runs and says so', async () => {
  const r = await exercise(chromiumTfjsRunner, models.tfjs, target('tfjs', 'wasm', { cpuThrottling: 4 }));
  assert.deepEqual(r.pred, reference);
  assert.ok(r.info.notes.some((n) => /CPU throttled 4x/.test(n)), r.info.notes.join('; '));
});

test('webgpu: onnxruntime finds the SwiftShader adapter (software-emulated); tfjs webgpu is skipped without its package', async () => {
  const ort = await chromiumOrtRunner.probe(target('onnxruntime', 'webgpu'), ctx);
  assert.ok(ort.ok, JSON.stringify(ort));
  assert.equal(ort.device?.softwareEmulated, true);
  const tf = await chromiumTfjsRunner.probe(target('tfjs', 'webgpu'), ctx);
  assert.deepEqual(tf, { ok: false, reason: '@tensorflow/tfjs-backend-webgpu is not installed (npm install @tensorflow/tfjs-backend-webgpu@4.22.0)' });
});

test('a page whose wasm is served with the wrong MIME type fails with the file and the type', async () => {
  const resources = createResources();
  await resources.get('server', () => startLocalServer({ mimeOverrides: { '.wasm': 'text/plain' } }), (s) => s.close());
  const bad = { ...ctx, resources };
  try {
    await assert.rejects(chromiumTfjsRunner.open(models.tfjs, target('tfjs', 'wasm'), bad), (e: Error) => {
      assert.match(e.message, /the page could not open model\.json/);
      assert.match(e.message, /\/vendor\/tfjs-backend-wasm\/tfjs-backend-wasm-threaded-simd\.wasm was served as text\/plain; WebAssembly needs application\/wasm/);
      return true;
    });
  } finally {
    await resources.closeAll();
  }
});

test('no Chromium: browser targets are skipped with the reason, not run', async () => {
  const saved = process.env.EDGE_DISTILL_CHROMIUM;
  process.env.EDGE_DISTILL_CHROMIUM = '/nonexistent/chromium';
  try {
    const p = await chromiumOrtRunner.probe(target('onnxruntime', 'wasm'), { ...ctx, resources: createResources() });
    assert.deepEqual(p, { ok: false, reason: 'no Chromium at /nonexistent/chromium (apt-get install -y chromium, or set EDGE_DISTILL_CHROMIUM)' });
  } finally {
    if (saved === undefined) delete process.env.EDGE_DISTILL_CHROMIUM;
    else process.env.EDGE_DISTILL_CHROMIUM = saved;
  }
});
