import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bandDataset, tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { mlpFamily } from '../../../src/students/mlp.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';
import { loadSizingTarget, sizeByLatency, type LoadedTarget } from '../../../src/sizing/index.js';
import { applyTargetBudget } from '../../../src/sizing/target-budget.js';
import { distill, pickArchitecture, resolveDistillConfig } from '../../../src/distill/index.js';

const dir = tmp('ed-sizing-');
const io = { inputShape: [8, 8, 1], numClasses: 3 };
const data = bandDataset({ size: 8, n: 120 });
/** mlp on 8x8 inputs, two depths × two widths: 547 / 619 / 4675 / 8835 params. */
const tiny = { ...mlpFamily, grid: () => [8, 64].flatMap((hidden) => [1, 2].map((depth) => ({ hidden, depth }))) };

/** targets/node-ort-cpu.json with another budget, written to the temp dir. */
function ortTarget(name: string, budget: Record<string, number>, precision = 'fp32'): string {
  const t = JSON.parse(readFileSync('targets/node-ort-cpu.json', 'utf8'));
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...t, id: name, budget, artifact: { format: 'onnx', precision } }));
  return path;
}

before(async () => {
  await useBackend('wasm');
});

test('measured on node-ort-cpu: a generous latency budget picks the largest per depth after one measurement each', async () => {
  const target: LoadedTarget = await loadSizingTarget(ortTarget('generous', { maxBytes: 100000, maxP50Ms: 50, maxP95Ms: 100 }));
  const { params, report } = await sizeByLatency({ family: tiny, io, target, data, log: silentLogger });
  assert.deepEqual(params, { hidden: 64, depth: 2 });
  assert.equal(report.measured, 2, 'one measurement per depth: the widest fits, the narrower are assumed to');
  const widest = report.candidates.filter((r) => r.measurement);
  for (const r of widest) {
    assert.equal(r.verdict, 'fits');
    // The ONNX file is the weights plus a small graph; latency of a few-thousand-parameter MLP is well under 50 ms.
    assert.ok(r.measurement!.bytes > r.estBytes && r.measurement!.bytes < r.estBytes + 4000, JSON.stringify(r.measurement));
    assert.ok(r.measurement!.p50Ms > 0 && r.measurement!.p50Ms < 50 && r.measurement!.p95Ms >= r.measurement!.p50Ms);
    assert.ok(r.measurement!.samples >= 20);
  }
  assert.deepEqual(report.candidates.filter((r) => !r.measurement).map((r) => r.verdict), ['assumed-fits', 'assumed-fits']);
});

test('a latency budget nothing fits is a UserError showing the closest (fastest) candidate', async () => {
  const target = await loadSizingTarget(ortTarget('impossible', { maxBytes: 3000, maxP50Ms: 0.00001 }));
  // maxBytes 3000 leaves only hidden 8 (2188 / 2476 bytes of weights): both measured, neither fast enough.
  await assert.rejects(
    sizeByLatency({ family: tiny, io, target, data, log: silentLogger }),
    (e: Error) => e instanceof UserError && /no mlp student fits impossible's budget \(p50 ≤ 0.00001 ms, ≤ 3000 bytes\); the closest is hidden 8, depth [12] \(\d+ params\): measured p50 [0-9.]+ ms/.test(e.message) && !e.message.includes('\n'),
  );
});

test('--target: the byte budget at the target precision becomes --max-bytes; explicit values win; a missing file is the loader error', async () => {
  const path = ortTarget('int8', { maxBytes: 30000, maxP50Ms: 1 }, 'int8');
  const { config } = await applyTargetBudget({ teacher: null, student: { family: 'mlp', target: path } });
  const c = resolveDistillConfig(config);
  assert.equal(c.student.maxBytes, 30000);
  assert.equal(c.student.weights, 'uint8');
  // 28x28 mnist-shaped io at one byte a weight: hidden 32 depth 3 = 25,120 + 2·1,056 + 330 = 27,562 bytes fits;
  // every hidden 64 member (from 50,240 + 650 = 50,890) does not. At float32 the same budget would allow hidden 8 only.
  const arch = pickArchitecture(mlpFamily, c, { inputShape: [28, 28, 1], numClasses: 10 }, silentLogger);
  assert.deepEqual(arch.params, { hidden: 32, depth: 3 });
  assert.equal(arch.record.bytes.uint8, 27562);
  const explicit = resolveDistillConfig((await applyTargetBudget({ teacher: null, student: { target: path, maxBytes: 5000, weights: 'float32' } })).config);
  assert.equal(explicit.student.maxBytes, 5000);
  assert.equal(explicit.student.weights, 'float32');
  await assert.rejects(applyTargetBudget({ student: { target: join(dir, 'nope.json') } }), (e: Error) => e instanceof UserError && /^--target .*nope\.json: not found \(expected a target JSON file\)$/.test(e.message));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'bad' }));
  await assert.rejects(applyTargetBudget({ student: { target: join(dir, 'bad.json') } }), (e: Error) => e instanceof UserError && /^--target .*bad\.json/.test(e.message));
  // The runner rule (src/bench/targets.ts) holds for sizing targets too: no runner runs onnxruntime on node with webgpu.
  const t = JSON.parse(readFileSync('targets/node-ort-cpu.json', 'utf8'));
  writeFileSync(join(dir, 'webgpu.json'), JSON.stringify({ ...t, backend: 'webgpu' }));
  await assert.rejects(applyTargetBudget({ student: { target: join(dir, 'webgpu.json') } }), (e: Error) => e instanceof UserError && /^--target .*webgpu\.json: backend: onnxruntime on node has no backend "webgpu"\. Must be one of \[cpu, wasm\]$/.test(e.message));
});

test('distill --size-by latency on mnist: trains the measured choice, writes sizing.json and records it in metrics.json', async () => {
  const target = ortTarget('mnist-budget', { maxBytes: 30000, maxP50Ms: 50 });
  const out = join(dir, 'run');
  const r = await distill({
    config: { teacher: null, data: { spec: 'mnist', trainLimit: 128 }, student: { family: 'mlp', target, sizeBy: 'latency' }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { epochs: 1, backend: 'wasm' } },
    out, quiet: true, log: silentLogger,
  });
  // 30,000 bytes at fp32 leave hidden 8 at depths 1-3 (6,370 / 6,442 / 6,514 params): one measurement per depth.
  assert.equal(r.metrics.architecture.description, 'hidden 8, depth 3');
  const sizing = JSON.parse(readFileSync(join(out, 'sizing.json'), 'utf8'));
  assert.equal(sizing.measured, 3);
  assert.equal(sizing.chosen, 'hidden 8, depth 3');
  assert.equal(sizing.target.id, 'mnist-budget');
  assert.deepEqual(r.metrics.architecture.sizing?.candidates.length, 24);
  assert.ok(existsSync(join(out, 'student', 'model.json')));
  await assert.rejects(
    distill({ config: { teacher: null, student: { family: 'mlp', sizeBy: 'latency' } }, out: join(dir, 'run2'), quiet: true, log: silentLogger }),
    /--size-by latency measures candidates on a deployment target; give --target/,
  );
});

test('distill --size-by latency --candidates 2: the two largest measured fits are trained, exported again and checked against the byte budgets', async () => {
  const target = ortTarget('cands-budget', { maxBytes: 30000, maxGzipBytes: 30000, maxP50Ms: 50 });
  const out = join(dir, 'run-cands');
  const r = await distill({
    config: { teacher: null, data: { spec: 'mnist', trainLimit: 128 }, student: { family: 'mlp', target, sizeBy: 'latency', candidates: 2 }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { epochs: 1, backend: 'wasm' } },
    out, quiet: true, log: silentLogger,
  });
  const rows = r.metrics.architecture.trained!;
  // Same budget as above: hidden 8 at depths 3 and 2 are the two largest that fit; both measured (one per depth).
  assert.deepEqual(rows.map((x) => x.description), ['hidden 8, depth 3', 'hidden 8, depth 2']);
  for (const row of rows) {
    assert.ok(row.p50Ms! > 0, 'the measured p50 is carried into the table');
    assert.ok(row.bytes > row.paramCount * 4, 'bytes are the measured artifact');
    assert.equal(row.fits, true, row.reasons.join(', '));
  }
  assert.equal(r.metrics.architecture.description, rows.find((x) => x.chosen)!.description);
  assert.ok(existsSync(join(out, 'candidates.json')) && existsSync(join(out, 'sizing.json')));
});

test('a target this machine cannot run is a UserError naming why', async (t) => {
  const loaded = await loadSizingTarget('targets/node-tfjs-tensorflow.json');
  const { nodeTfjsRunner } = await import('../../../src/bench/runners/node-tfjs.js');
  if ((await nodeTfjsRunner.probe(loaded.target, undefined as never)).ok) return t.skip('tfjs-node is installed here');
  loaded.target.budget = { maxP50Ms: 1 };
  await assert.rejects(
    sizeByLatency({ family: tiny, io, target: loaded, data, log: silentLogger }),
    /--target targets\/node-tfjs-tensorflow\.json: node-tfjs-tensorflow cannot run on this machine \(@tensorflow\/tfjs-node is not installed/,
  );
});
