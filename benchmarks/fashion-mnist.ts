/**
 * The published Fashion-MNIST benchmark: a project-trained teacher (≥ 1M parameters), students at three byte
 * budgets × three recipes (hard-ce only; soft-kl + hard-ce; soft-kl + hard-ce + feature-mse), same epochs, several
 * seeds; each student exported (tfjs and ONNX, fp32 and quantized) and benchmarked on four targets.
 *
 *   apt-get install -y dataset-fashion-mnist chromium
 *   npx tsx benchmarks/fashion-mnist.ts [--epochs 3] [--teacher-epochs 3] [--seeds 2] [--train-limit N] [--out benchmarks/results/fashion-mnist]
 *
 * Prints a Markdown table and JSON lines; every student run directory (with its bench report) stays under --out.
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainTeacher } from '../src/distill/train-teacher.js';
import { distill } from '../src/distill/index.js';
import { exportRun } from '../src/export/index.js';
import { runBench } from '../src/bench/run.js';
import { stderrLogger } from '../src/core/progress.js';
import { meanStd } from './stats.js';

const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    'teacher-epochs': { type: 'string', default: '3' },
    seeds: { type: 'string', default: '2' },
    'train-limit': { type: 'string' },
    budgets: { type: 'string', default: '25000,100000,400000' },
    out: { type: 'string', default: 'benchmarks/results/fashion-mnist' },
  },
});
if (!existsSync(join(DATA_DIR, 'train-images-idx3-ubyte.gz'))) {
  console.error(`Fashion-MNIST not found in ${DATA_DIR}; install it with: apt-get install -y dataset-fashion-mnist`);
  process.exit(1);
}
const t0 = performance.now();
const out = values.out!;
const epochs = Number(values.epochs);
const seeds = Number(values.seeds);
const trainLimit = values['train-limit'] ? Number(values['train-limit']) : undefined;
const data = { spec: `idx:${DATA_DIR}`, ...(trainLimit ? { trainLimit } : {}) };
const quiet = !process.stderr.isTTY;
const TARGETS = ['node-ort-cpu', 'node-tfjs-wasm', 'chromium-ort-wasm', 'mobile-chromium-tfjs-wasm'];

const teacherPath = join(out, 'teacher', 'student', 'model.json');
if (!existsSync(teacherPath)) {
  await trainTeacher({ data: data.spec, arch: 'vgg', epochs: Number(values['teacher-epochs']), out: join(out, 'teacher'), force: true, quiet, ...(trainLimit ? { trainLimit } : {}) });
}
const teacherMetrics = JSON.parse(readFileSync(join(out, 'teacher', 'metrics.json'), 'utf8'));
stderrLogger.info(`teacher: ${teacherMetrics.architecture.paramCount} params, test accuracy ${(100 * teacherMetrics.test.accuracy).toFixed(2)}%`);

const RECIPES = {
  'hard-ce': [{ kind: 'hard-ce', weight: 1 }],
  'kd': [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }],
  'kd+feat': [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 0.5, student: 'penultimate', teacher: 'penultimate' }],
} as const;

interface Row { budget: number; recipe: string; seed: number; params: number; acc: number; bytes: Record<string, number>; p50: Record<string, number | null>; speedup: Record<string, number | null> }
const rows: Row[] = [];
for (const budget of values.budgets!.split(',').map(Number)) {
  for (const [recipe, terms] of Object.entries(RECIPES)) {
    for (let seed = 1; seed <= seeds; seed++) {
      const run = join(out, `b${budget}-${recipe}-s${seed}`);
      const r = await distill({ config: { teacher: { path: teacherPath }, data, student: { family: 'cnn', maxBytes: budget }, loss: { terms }, train: { epochs, seed } }, out: run, force: true, quiet });
      const manifest = await exportRun({ run, formats: ['tfjs', 'onnx'], precisions: ['fp32', 'uint8', 'int8'], force: true });
      const bench = await runBench({ runDir: run, only: TARGETS, quiet });
      const bytes = Object.fromEntries(manifest.artifacts.map((a) => [`${a.format}-${a.precision}`, a.bytes]));
      const p50: Row['p50'] = {};
      const speedup: Row['speedup'] = {};
      for (const t of TARGETS) {
        const row = bench.rows.find((x) => x.target === t && x.model === 'student' && x.status === 'ok' && x.artifact?.precision === 'fp32');
        p50[t] = row?.latency?.p50 ?? null;
        speedup[t] = row?.speedup ?? null;
      }
      const rec: Row = { budget, recipe, seed, params: r.metrics.architecture.paramCount, acc: r.metrics.test.accuracy, bytes, p50, speedup };
      rows.push(rec);
      console.log(JSON.stringify({ bench: 'fashion-mnist', ...rec }));
    }
  }
}
const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
console.log(`\nFashion-MNIST (10,000 test images); teacher vgg ${teacherMetrics.architecture.paramCount} params, ${(100 * teacherMetrics.test.accuracy).toFixed(2)}%; students cnn, ${epochs} epochs, ${seeds} seeds`);
console.log(`| budget | recipe | params | tfjs fp32 / uint8 bytes | onnx fp32 / int8 bytes | test acc (mean ± std) | drop vs teacher | ${TARGETS.map((t) => `p50 ${t} ms (speedup)`).join(' | ')} |`);
console.log(`|${'---|'.repeat(7 + TARGETS.length)}`);
for (const budget of [...new Set(rows.map((r) => r.budget))]) {
  for (const recipe of Object.keys(RECIPES)) {
    const g = rows.filter((r) => r.budget === budget && r.recipe === recipe);
    const { mean, std } = meanStd(g.map((r) => r.acc));
    const f = g[0]!;
    const lat = TARGETS.map((t) => {
      const ps = g.map((r) => r.p50[t]).filter((x): x is number => x !== null);
      const sp = g.map((r) => r.speedup[t]).filter((x): x is number => x !== null);
      return ps.length ? `${fmt(meanStd(ps).mean)} (${sp.length ? fmt(meanStd(sp).mean, 1) : 'n/a'}×)` : 'n/a';
    });
    console.log(`| ${budget / 1000} KB | ${recipe} | ${f.params} | ${f.bytes['tfjs-fp32']} / ${f.bytes['tfjs-uint8']} | ${f.bytes['onnx-fp32']} / ${f.bytes['onnx-int8']} | ${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)} % | ${(100 * (teacherMetrics.test.accuracy - mean)).toFixed(2)} pp | ${lat.join(' | ')} |`);
  }
}
console.log(`\nrun time ${((performance.now() - t0) / 60000).toFixed(1)} min`);
