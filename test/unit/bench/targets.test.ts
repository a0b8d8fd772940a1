import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTarget as loadSchemaTarget, builtinTargetsDir } from '../../../src/config/target.js';
import { backendsByHost, benchTargetJsonSchema, loadBenchTarget as loadTarget, loadBenchTargets as loadTargets } from '../../../src/bench/targets.js';
import { UserError } from '../../../src/core/errors.js';

const base = { id: 't1', description: 'a target', runtime: 'tfjs', host: 'node', backend: 'cpu', artifact: { format: 'tfjs', precision: 'fp32' } };

async function writeTarget(value: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ed-target-'));
  const path = join(dir, 'bad.json');
  await writeFile(path, JSON.stringify(value));
  return path;
}

async function rejects(value: unknown, expected: (path: string) => string) {
  const path = await writeTarget(value);
  await assert.rejects(loadTarget(path), (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.equal(e.message, expected(path));
    return true;
  });
}

test('every shipped target validates and ids are unique', async () => {
  const loaded = await loadTargets([join(builtinTargetsDir(), '*.json')]);
  const ids = loaded.map((l) => l.target.id).sort();
  assert.deepEqual(ids, [
    'chromium-ort-wasm', 'chromium-ort-webgpu', 'chromium-tfjs-wasm', 'chromium-tfjs-webgl', 'chromium-tfjs-webgpu',
    'mobile-chromium-ort-wasm', 'mobile-chromium-tfjs-wasm',
    'node-ort-cpu', 'node-ort-web-wasm', 'node-tfjs-cpu', 'node-tfjs-tensorflow', 'node-tfjs-wasm',
  ]);
  for (const { path, target } of loaded) assert.ok(path.endsWith(`${target.id}.json`), `${path} holds id ${target.id}`);
  const mobile = loaded.find((l) => l.target.id === 'mobile-chromium-ort-wasm')!.target;
  assert.equal(mobile.cpuThrottling, 4);
});

test('defaults fill a minimal target', async () => {
  const t = await loadTarget(await writeTarget(base));
  assert.equal(t.threads, 1);
  assert.equal(t.cpuThrottling, 1);
  assert.deepEqual(t.batchSizes, [1, 8, 32]);
  assert.equal(t.timing.minIterations, 30);
  assert.deepEqual(t.budget, {});
});

test('an unknown backend is rejected with file: path.to.field: message', async () => {
  await rejects({ ...base, backend: 'cuda' }, (p) => `${p}: backend: Invalid option: expected one of "cpu"|"wasm"|"webgl"|"webgpu"|"tensorflow"`);
  await rejects({ ...base, backend: 'webgl' }, (p) => `${p}: backend: tfjs on node has no backend "webgl". Must be one of [cpu, wasm, tensorflow]`);
  await rejects({ ...base, runtime: 'onnxruntime', host: 'chromium', backend: 'cpu', artifact: { format: 'onnx' } }, (p) => `${p}: backend: onnxruntime on chromium has no backend "cpu". Must be one of [wasm, webgl, webgpu]`);
});

test('the runtime/host/backend rule is the bench layer\'s: the config layer checks the enums only', async () => {
  // Derived from the runners' declarations; written out here by hand from the five runner files.
  assert.deepEqual(backendsByHost(), {
    tfjs: { node: ['cpu', 'wasm', 'tensorflow'], chromium: ['cpu', 'wasm', 'webgl', 'webgpu'] },
    onnxruntime: { node: ['cpu', 'wasm'], chromium: ['wasm', 'webgl', 'webgpu'] },
  });
  const path = await writeTarget({ ...base, backend: 'webgl' });
  assert.equal((await loadSchemaTarget(path)).backend, 'webgl');
  await assert.rejects(loadSchemaTarget(await writeTarget({ ...base, backend: 'cuda' })), /backend: Invalid option/);
  // The rule's problem comes first, counted with the schema's own cross-field problems.
  await rejects({ ...base, backend: 'webgl', cpuThrottling: 4 }, (p) => `${p}: backend: tfjs on node has no backend "webgl". Must be one of [cpu, wasm, tensorflow] (and 1 more problem)`);
});

test('a bad budget is rejected at the budget field', async () => {
  await rejects({ ...base, budget: { maxBytes: -1 } }, (p) => `${p}: budget.maxBytes: Too small: expected number to be >0`);
  await rejects({ ...base, budget: { maxP50Ms: 10, maxP95Ms: 5 } }, (p) => `${p}: budget.maxP95Ms: must be ≥ maxP50Ms (10): a 95th percentile is never below the median`);
  await rejects({ ...base, budget: { maxP50Ms: '5ms' } }, (p) => `${p}: budget.maxP50Ms: Invalid input: expected number, received string`);
});

test("a typo'd field is rejected at the field, with a suggestion", async () => {
  await rejects({ ...base, batchSize: [1] }, (p) => `${p}: batchSize: unknown field; did you mean "batchSizes"?`);
  await rejects({ ...base, timing: { minIteration: 3 } }, (p) => `${p}: timing.minIteration: unknown field; did you mean "minIterations"?`);
  await rejects({ ...base, budget: { maxLatency: 3 } }, (p) => `${p}: budget.maxLatency: unknown field; allowed: [maxBytes, maxGzipBytes, maxP50Ms, maxP95Ms, maxFirstPredictionMs]`);
});

test('cross-field rules: artifact format fits the runtime, throttling only in chromium', async () => {
  await rejects({ ...base, artifact: { format: 'onnx' } }, (p) => `${p}: artifact.format: tfjs loads "tfjs" artifacts, not "onnx"`);
  await rejects({ ...base, cpuThrottling: 4 }, (p) => `${p}: cpuThrottling: only chromium targets can be throttled (CDP); use 1 on node`);
  await rejects({ ...base, network: 'slow-4g' }, (p) => `${p}: network: only chromium targets load over a (throttled) network; remove it on node`);
  await rejects({ ...base, budget: { maxFirstPredictionMs: 3000 } }, (p) => `${p}: budget.maxFirstPredictionMs: time to first prediction is measured in browsers only (chromium targets)`);
});

test('missing files, bad JSON and duplicate ids are user errors', async () => {
  await assert.rejects(loadTarget('/nonexistent/x.json'), /x\.json: not found \(expected a target JSON file\)/);
  const path = await writeTarget(base);
  await writeFile(path, '{ nope');
  await assert.rejects(loadTarget(path), /not valid JSON/);
  const a = await writeTarget(base);
  const b = await writeTarget(base);
  await assert.rejects(loadTargets([a, b]), /id: "t1" is already used by/);
  await assert.rejects(loadTargets(['/nonexistent/*.json']), /folder \/nonexistent not found/);
});

test('the committed targets/target.schema.json is up to date (npm run targets:schema)', async () => {
  const committed = await readFile(join(builtinTargetsDir(), 'target.schema.json'), 'utf8');
  assert.equal(committed, JSON.stringify(benchTargetJsonSchema(), null, 2) + '\n', 'run npm run targets:schema');
  const schema = JSON.parse(committed) as { description: string; properties: Record<string, { enum?: string[] }> };
  assert.deepEqual(schema.properties.backend!.enum, ['cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow']);
  assert.match(schema.description, /Backends per runtime and host: tfjs on node: cpu, wasm, tensorflow; tfjs on chromium: cpu, wasm, webgl, webgpu; onnxruntime on node: cpu, wasm; onnxruntime on chromium: wasm, webgl, webgpu\.$/);
});
