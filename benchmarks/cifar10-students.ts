/**
 * Colour photographs with a teacher from elsewhere: CIFAR-10 (the shared JPEG class folders, its own train/test
 * split, val carved from train) and the shared PyTorch teacher (teacher.onnx, NCHW, its normalisation from
 * teacher.json). Rows, all at the same byte budget and epochs:
 *   - scratch-32: the student trained from labels alone (hard-ce) at 32x32;
 *   - kd-32: the same student distilled from the teacher with the default recipe at 32x32;
 *   - kd-24: the same distillation with the student at its own 24x24 input (--student-input 24x24).
 * Each row reports test accuracy on the 10,000 test images (and the teacher's, as the tool measures it, next to
 * teacher.json's), epochs and wall time; the kd rows are exported (ONNX and tfjs fp32) and benched on node-ort-cpu and
 * chromium-tfjs-wasm for p50 at batch 1.
 *
 *   npx tsx benchmarks/cifar10-students.ts [--epochs 10] [--budget 100000] [--seed 42] [--out benchmarks/results/cifar10-students]
 *
 * Resumable: a finished row (its RUN/metrics.json, and bench/results.json for the kd rows) is not run again.
 * Needs ../shared/datasets/cifar10 and ../shared/teachers/cifar10 (skips with a message when absent); unpacks the
 * archive to /tmp/cifar10 once.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distill } from '../src/distill/index.js';
import { exportRun } from '../src/export/index.js';
import { runBench } from '../src/bench/run.js';
import { writeReports } from '../src/report/write.js';
import { stderrLogger } from '../src/core/progress.js';
import { CIFAR10_TEACHER_DIR, cifar10Folders } from './cifar10-shared.js';

const TEACHER_DIR = CIFAR10_TEACHER_DIR;
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    budget: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    data: { type: 'string', default: '/tmp/cifar10' },
    out: { type: 'string', default: 'benchmarks/results/cifar10-students' },
  },
});
const dataDir = cifar10Folders(values.data!);
const teacherJson = JSON.parse(readFileSync(join(TEACHER_DIR, 'teacher.json'), 'utf8')) as { mean: number[]; std: number[]; scale: number; test_acc: number; logits: string; feature: string; params: number };
const out = values.out!;
const epochs = Number(values.epochs);
const budget = Number(values.budget);
const seed = Number(values.seed);
mkdirSync(out, { recursive: true });
const quiet = !process.stderr.isTTY;

// The images arrive as values in [0, 1]; the teacher wants (x − mean) / std per channel (teacher.json's scale is
// 1/255 for bytes, which the data layer has already applied).
const teacher = { path: join(TEACHER_DIR, 'teacher.onnx'), layout: 'nchw', output: teacherJson.logits, preprocess: { mean: teacherJson.mean, std: teacherJson.std } };
const base = {
  // Decoded once into a file every row (and export and bench) reuses.
  // The teacher's input size for every row: a row without a teacher would otherwise read the folder at the
  // default 28x28x1.
  data: { spec: dataDir, seed: 1234, inputShape: [32, 32, 3], decodeCache: 'file', cacheDir: join('benchmarks', 'results', 'cifar10-decode-cache') },
  student: { family: 'cnn', maxBytes: budget, weights: 'float32' },
  train: { epochs, batchSize: 64, seed },
  // One cache of the teacher's logits serves every distilled row.
  cache: { use: 'on', dir: join(out, 'teacher-cache') },
};
const rows = [
  { id: 'scratch-32', config: { ...base, teacher: null, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, cache: { use: 'off' } }, bench: false },
  { id: 'kd-32', config: { ...base, teacher }, bench: true },
  { id: 'kd-24', config: { ...base, teacher, student: { ...base.student, inputShape: [24, 24] } }, bench: true },
];
const TARGETS = ['node-ort-cpu', 'chromium-tfjs-wasm'];

interface RowResult {
  id: string;
  params: number;
  description: string;
  inputShape: number[];
  epochs: number;
  testAccuracy: number;
  teacherAccuracy?: number;
  epochSeconds: number[];
  wallSeconds: number;
  p50Ms?: Record<string, number | string>;
}
const results: RowResult[] = [];
for (const row of rows) {
  const run = join(out, row.id);
  const file = join(out, `${row.id}.json`);
  if (existsSync(file)) {
    console.error(`${row.id}: done before, not run again (${file})`);
    results.push(JSON.parse(readFileSync(file, 'utf8')) as RowResult);
    continue;
  }
  const t0 = performance.now();
  const metricsFile = join(run, 'metrics.json');
  const m = existsSync(metricsFile)
    ? JSON.parse(readFileSync(metricsFile, 'utf8'))
    : // An interrupted row continues from its last checkpoint.
      (await distill({ config: row.config, out: run, resume: existsSync(join(run, 'checkpoint')), force: true, quiet, log: stderrLogger, source: `benchmarks/cifar10-students.ts ${row.id}` })).metrics;
  const r: RowResult = {
    id: row.id,
    params: m.architecture.paramCount,
    description: m.architecture.description,
    inputShape: (row.config.student as { inputShape?: number[] }).inputShape ?? [32, 32],
    epochs: m.epochs.length,
    testAccuracy: m.test.accuracy,
    ...(m.test.teacherAccuracy !== undefined ? { teacherAccuracy: m.test.teacherAccuracy } : {}),
    epochSeconds: m.epochs.map((e: { seconds: number }) => e.seconds),
    wallSeconds: m.seconds,
  };
  if (row.bench) {
    await exportRun({ run, formats: ['onnx', 'tfjs'], precisions: ['fp32'], force: true, log: stderrLogger });
    const bench = await runBench({ runDir: run, only: TARGETS, testLimit: 1000, log: stderrLogger, quiet });
    await writeReports(bench, join(run, 'bench'));
    r.p50Ms = Object.fromEntries(bench.rows.filter((x) => x.model === 'student').map((x) => [`${x.target} ${x.artifact?.format ?? ''}`, x.latency ? x.latency.p50 : `${x.status}: ${x.reason ?? ''}`]));
    for (const x of bench.rows.filter((y) => y.model === 'teacher')) r.p50Ms[`${x.target} teacher`] = x.latency ? x.latency.p50 : `${x.status}: ${x.reason ?? ''}`;
  }
  r.wallSeconds = (performance.now() - t0) / 1000;
  writeFileSync(file, JSON.stringify(r, null, 2));
  results.push(r);
}

const pct = (x?: number) => (x === undefined ? '–' : `${(x * 100).toFixed(2)} %`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`\nCIFAR-10, ${budget} B float32 budget, ${epochs} epochs, seed ${seed}; teacher.json test accuracy ${pct(teacherJson.test_acc)} (PyTorch)\n`);
console.log('| row | student | input | params | test acc | teacher acc (tool) | median epoch s | wall min | p50 ms (student; teacher) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const p50 = r.p50Ms ? Object.entries(r.p50Ms).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(3) : v}`).join('; ') : '–';
  console.log(`| ${r.id} | cnn ${r.description} | ${r.inputShape.join('x')} | ${r.params} | ${pct(r.testAccuracy)} | ${pct(r.teacherAccuracy)} | ${med(r.epochSeconds).toFixed(1)} | ${(r.wallSeconds / 60).toFixed(1)} | ${p50} |`);
}
writeFileSync(join(out, 'table.json'), JSON.stringify({ budget, epochs, seed, teacherJsonAccuracy: teacherJson.test_acc, rows: results }, null, 2));
console.log(JSON.stringify({ budget, epochs, seed, rows: results.map((r) => ({ id: r.id, testAccuracy: r.testAccuracy, teacherAccuracy: r.teacherAccuracy })) }));
