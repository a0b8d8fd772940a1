/**
 * Time to first prediction in headless Chromium under a throttled network: the model's download time must be what
 * the profile's latency and bandwidth make of the bytes sent, worked out here by hand.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromiumTfjsRunner } from '../../../src/bench/runners/chromium-tfjs.js';
import { createResources } from '../../../src/bench/resources.js';
import { parseTarget } from '../../../src/config/target.js';
import { silentLogger } from '../../../src/core/progress.js';
import { loadTf } from '../../../src/runtime/backend.js';
import { saveLayersModelToDir } from '../../../src/runtime/model-io.js';
import { chromiumMissing } from '../../../src/bench/browser/chromium.js';
import type { FirstPrediction, RunnerContext } from '../../../src/bench/types.js';
import { checkBudget } from '../../../src/bench/results.js';
import { artifactFor, syntheticData } from './fixtures.js';

const ctx: RunnerContext = { data: syntheticData(8), log: silentLogger, resources: createResources() };
after(() => ctx.resources.closeAll());

/** A 784→128→10 MLP with seeded random weights (≈ 400 kB that gzip barely shrinks). */
async function mlpArtifact() {
  const tf = await loadTf();
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 128, kernelInitializer: tf.initializers.randomUniform({ seed: 3 }) }), tf.layers.dense({ units: 10 })],
  });
  const dir = await mkdtemp(join(tmpdir(), 'ed-ttfp-'));
  const files = await saveLayersModelToDir(model, dir);
  model.dispose();
  return { dir, files, artifact: await artifactFor('tfjs', dir, files) };
}

test('slow-4g: the model download takes one latency per request plus its gzip bytes at 1.6 Mbit/s', { skip: chromiumMissing() }, async () => {
  const m = await mlpArtifact();
  const target = parseTarget(
    { id: 'ttfp', description: 't', runtime: 'tfjs', host: 'chromium', backend: 'cpu', network: 'slow-4g', batchSizes: [1], artifact: { format: 'tfjs' }, budget: { maxFirstPredictionMs: 60_000 } },
    'test',
  );
  const s = await chromiumTfjsRunner.open({ role: 'student', dir: m.dir, artifact: m.artifact }, target, ctx);
  const fp = s.info.firstPrediction!;
  await s.dispose();
  // By hand: tfjs fetches model.json, then its one weight shard: two requests one after the other. Each waits the
  // profile's 150 ms latency; the bodies (gzip, as the server sends them) flow at 1.6·1024·1024/8 = 209 715.2 B/s.
  assert.equal(m.files.length, 2, m.files.join(','));
  const gz = await Promise.all(m.files.map(async (f) => gzipSync(await readFile(join(m.dir, f))).length));
  const bytes = gz[0]! + gz[1]!;
  assert.ok(bytes > 300_000, `gzip bytes ${bytes}`);
  const expectedMs = 2 * 150 + (bytes / 209_715.2) * 1000;
  assert.equal(fp.modelFiles, 2);
  assert.equal(fp.network, 'slow-4g');
  // What went over the wire is the gzip body (Resource Timing encodedBodySize), the decoded one the raw files.
  assert.equal(fp.modelEncodedBytes, bytes);
  assert.equal(fp.modelBodyBytes, m.artifact.bytes);
  // Within 15 % (Chromium's throttle works in time slices; the machine is loaded).
  assert.ok(Math.abs(fp.modelDownloadMs - expectedMs) <= 0.15 * expectedMs, `download ${fp.modelDownloadMs.toFixed(0)} ms, expected ≈ ${expectedMs.toFixed(0)} ms`);
  // The parts add up to the whole.
  const parts = fp.runtimeMs + fp.modelDownloadMs + fp.modelLoadMs + fp.firstInferenceMs;
  assert.ok(Math.abs(parts - fp.totalMs) < 1, `${parts} vs ${fp.totalMs}`);
  assert.ok(fp.runtimeDownloadMs > 150, `runtime download ${fp.runtimeDownloadMs} under slow-4g`);
});

test('a maxFirstPredictionMs budget checks the total', () => {
  const fp = { totalMs: 2500 } as FirstPrediction;
  assert.deepEqual(checkBudget({ maxFirstPredictionMs: 3000 }, undefined, undefined, fp), { pass: true, checks: [{ metric: 'firstPredictionMs', limit: 3000, value: 2500, pass: true }] });
  assert.equal(checkBudget({ maxFirstPredictionMs: 2000 }, undefined, undefined, fp)!.pass, false);
  assert.deepEqual(checkBudget({ maxFirstPredictionMs: 2000 }, undefined, undefined, undefined), { pass: false, checks: [{ metric: 'firstPredictionMs', limit: 2000, pass: false }] });
});
