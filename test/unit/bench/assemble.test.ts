import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget } from '../../../src/config/target.js';
import { deriveCrossRow } from '../../../src/bench/assemble.js';
import { planTargets, plannedModels } from '../../../src/bench/rows.js';
import type { BenchRow, LatencyStats } from '../../../src/bench/results.js';
import type { ModelRef } from '../../../src/bench/types.js';
import type { Artifact } from '../../../src/core/types.js';

const target = (id: string, runtime: 'tfjs' | 'onnxruntime', precision: string | string[], budget: Record<string, number> = {}) =>
  parseTarget({ id, description: id, runtime, host: 'node', backend: 'cpu', artifact: { format: runtime === 'tfjs' ? 'tfjs' : 'onnx', precision }, budget }, `${id}.json`);

function lat(p50: number, p95: number): LatencyStats {
  return { batch: 1, n: 10, mean: p50, ci95: [p50, p50], sd: 0, cv: 0, min: p50, p50, p90: p95, p95, p99: p95, max: p95, callsPerSample: 1, clockResolutionMs: 0.001, calls: 10 };
}

const art = (bytes: number) => ({ format: 'onnx' as const, precision: 'fp32' as const, dir: 'onnx', entry: 'model.onnx', bytes, gzipBytes: bytes - 100, layout: 'nchw' as const });
const ok = (t: string, model: BenchRow['model'], p50: number, p95: number, bytes: number): BenchRow => ({ target: t, model, artifact: art(bytes), status: 'ok', latency: lat(p50, p95), notes: [] });

test('deriveCrossRow: speedup = teacher p50 / student p50 on the same target; agreement with the same-target teacher, else the first one that ran; budgets checked', () => {
  const a = target('a', 'onnxruntime', 'fp32', { maxBytes: 1000, maxP50Ms: 0.03 });
  const b = target('b', 'onnxruntime', 'fp32');
  const studentA = ok('a', 'student', 0.02, 0.025, 800);
  const teacherA = ok('a', 'teacher', 0.05, 0.06, 5000);
  const studentB = ok('b', 'student', 0.04, 0.05, 800);
  const skipped: BenchRow = { target: 'b', model: 'teacher', status: 'skipped', reason: 'r', notes: [] };
  const rows = [studentA, teacherA, studentB, skipped];
  const predictions = new Map<BenchRow, Int32Array>([
    [studentA, Int32Array.from([1, 2, 3, 4])],
    [teacherA, Int32Array.from([1, 2, 0, 4])],
    [studentB, Int32Array.from([0, 2, 3, 4])],
  ]);
  deriveCrossRow(rows, predictions, [a, b]);
  assert.ok(Math.abs(studentA.speedup! - 2.5) < 1e-12, String(studentA.speedup)); // 0.05 / 0.02
  assert.deepEqual(studentA.agreement, { value: 0.75, total: 4, reference: 'teacher on a' }); // 3 of 4 the same
  assert.equal(studentB.speedup, undefined, 'no teacher ran on b');
  assert.deepEqual(studentB.agreement, { value: 0.5, total: 4, reference: 'teacher on a' }); // positions 1 and 3
  assert.deepEqual(studentA.budget, { pass: true, checks: [{ metric: 'bytes', limit: 1000, value: 800, pass: true }, { metric: 'p50Ms', limit: 0.03, value: 0.02, pass: true }] });
  assert.deepEqual(teacherA.budget, { pass: false, checks: [{ metric: 'bytes', limit: 1000, value: 5000, pass: false }, { metric: 'p50Ms', limit: 0.03, value: 0.05, pass: false }] });
  assert.equal(teacherA.speedup, undefined);
  assert.equal('budget' in studentB, false, 'a target without a budget adds no budget key');
  assert.deepEqual(skipped, { target: 'b', model: 'teacher', status: 'skipped', reason: 'r', notes: [] });
});

test('planTargets: each target takes the artifacts of its format at its precisions; one that takes none says what the export has', () => {
  const ref = (format: Artifact['format'], precision: Artifact['precision']): ModelRef => ({
    role: 'student', dir: `/e/${format}-${precision}`,
    artifact: { format, precision, dir: `${format}-${precision}`, entry: 'm', files: ['m'], bytes: 1, gzipBytes: 1, layout: 'nhwc' },
  });
  const students = [ref('onnx', 'fp32'), ref('onnx', 'int8'), ref('tfjs', 'fp32')];
  const loaded = [
    { path: 'o.json', target: target('o', 'onnxruntime', ['fp32', 'int8']) },
    { path: 't.json', target: target('t', 'tfjs', 'float16') },
    { path: 'f.json', target: target('f', 'tfjs', 'fp32') },
  ];
  const plans = planTargets(loaded, students);
  assert.deepEqual(plans.map((p) => p.students.map((s) => `${s.artifact.format}/${s.artifact.precision}`)), [['onnx/fp32', 'onnx/int8'], [], ['tfjs/fp32']]);
  assert.equal(plans[1]!.noStudent, 'the export has no tfjs artifact at float16 (it has onnx/fp32, onnx/int8, tfjs/fp32)');
  assert.equal(plans[0]!.noStudent, undefined);
  assert.equal(plans[2]!.path, 'f.json');
  assert.equal(plannedModels(plans), 3 + 1 + 2, 'students plus one teacher per target');
});
