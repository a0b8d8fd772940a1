/**
 * Does the teacher cache pay, and does the teacher's framework matter? On the embedded MNIST, with a CNN teacher
 * trained and exported by PyTorch (benchmarks/fixtures/mnist-teacher.onnx, made by test/fixtures/make_torch_teacher.py
 * --mnist, about 18M multiply-adds per image) and an mlp student with over 700× fewer:
 *   1. epoch time with the live teacher vs with the cache (ONNX teacher in onnxruntime-node, and the same weights as
 *      a tfjs GraphModel), the cache build time, and the ratio;
 *   2. student test accuracy distilled from the ONNX teacher vs from the same teacher as tfjs (LayersModel), seeds.
 * Prints a markdown report (and JSON lines); its output is kept in benchmarks/TEACHER-CACHE.md.
 *
 *   npx tsx benchmarks/teacher-cache.ts [--epochs 2] [--rounds 2] [--seeds 3] [--acc-epochs 4] [--backend wasm] [--out benchmarks/results/teacher-cache]
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { distill } from '../src/distill/index.js';
import { initBackend, type BackendChoice } from '../src/runtime/backend.js';
import { saveLayersModelToDir } from '../src/runtime/model-io.js';
import { studentFamilies } from '../src/students/index.js';
import { onnxToLayers } from '../test/helpers/onnx-to-layers.js';
import { saveAsGraphModel } from '../test/helpers/graph-model-writer.js';
import { loadTeacher } from '../src/teachers/index.js';
import { meanStd, pctPm } from './stats.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    seeds: { type: 'string', default: '3' },
    'acc-epochs': { type: 'string', default: '4' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'benchmarks/results/teacher-cache' },
  },
});
const epochs = Number(values.epochs);
const rounds = Number(values.rounds);
const seeds = Number(values.seeds);
const accEpochs = Number(values['acc-epochs']);
const backend = values.backend as BackendChoice;
const out = values.out!;
const onnxPath = fileURLToPath(new URL('./fixtures/mnist-teacher.onnx', import.meta.url));
const student = { family: 'mlp', params: { hidden: 32, depth: 1 } };
const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }] };
const t0 = performance.now();
await initBackend(backend);

/** Multiply-adds per image of a LayersModel's Conv2D and Dense layers (the rest is negligible here). */
function macs(m: tf.LayersModel): number {
  let n = 0;
  for (const l of m.layers) {
    const cfg = l.getConfig() as { kernelSize?: number[]; filters?: number; units?: number };
    const inShape = (l.inputSpec?.[0]?.shape ?? (l.input as tf.SymbolicTensor).shape) as number[];
    const outShape = l.outputShape as number[];
    if (l.getClassName() === 'Conv2D') n += outShape[1]! * outShape[2]! * cfg.kernelSize![0]! * cfg.kernelSize![1]! * inShape.at(-1)! * cfg.filters!;
    if (l.getClassName() === 'Dense') n += inShape.at(-1)! * cfg.units!;
  }
  return n;
}

// The same trained weights as tfjs LayersModel and GraphModel.
const layers = onnxToLayers(readFileSync(onnxPath));
const layersPath = join(out, 'teacher-layers');
const graphPath = join(out, 'teacher-graph');
await saveLayersModelToDir(layers, layersPath);
await saveAsGraphModel(layers, graphPath);
const teacherMacs = macs(layers);
const s = studentFamilies.get('mlp').build(student.params, { inputShape: [28, 28, 1], numClasses: 10 }, 1);
const studentMacs = macs(s);
s.dispose();
layers.dispose();
// Parity of the three forms on real digits.
const parity = await (async () => {
  const x = tf.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const outs: Float32Array[] = [];
  for (const p of [onnxPath, join(layersPath, 'model.json'), join(graphPath, 'model.json')]) {
    const t = await loadTeacher(p);
    const o = await t.forward(x, []);
    outs.push((await o.logits.data()) as Float32Array);
    o.logits.dispose();
    t.dispose();
  }
  x.dispose();
  const d = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  return { layers: d(outs[0]!, outs[1]!), graph: d(outs[0]!, outs[2]!) };
})();

const quiet = true;
const silent = { info: () => undefined, warn: () => undefined };
const load0 = os.loadavg()[0]!;
// Rounds alternate live and cached runs so that load from other processes on a shared machine hits both alike.
const timing: { teacher: string; mode: 'live' | 'cached'; epochSeconds: number[]; buildSeconds: number[] }[] = [];
for (const [name, path] of [['onnx (onnxruntime-node)', onnxPath], ['tfjs GraphModel (wasm)', join(graphPath, 'model.json')]] as const) {
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['live', 'cached'] as const) {
      let rec = timing.find((t) => t.teacher === name && t.mode === mode);
      if (!rec) timing.push((rec = { teacher: name, mode, epochSeconds: [], buildSeconds: [] }));
      let buildStart = 0;
      const log = {
        info: (m: string) => {
          if (m.startsWith('teacher cache:')) buildStart = performance.now();
          if (m.startsWith('teacher outputs: teacher cache')) rec.buildSeconds.push((performance.now() - buildStart) / 1000);
        },
        warn: () => undefined,
      };
      const r = await distill({
        config: { teacher: { path }, data: { spec: 'mnist' }, student, loss, train: { epochs, seed: 1, backend, learningRate: 0.002 }, cache: { use: mode === 'live' ? 'off' : 'on' } },
        out: join(out, `time-${name.split(' ')[0]}-${mode}`),
        force: true,
        quiet,
        log,
      });
      rec.epochSeconds.push(...r.metrics.epochs.map((e) => e.seconds));
      console.log(JSON.stringify({ bench: 'teacher-cache', part: 'time', teacher: name, mode, round, epochSeconds: r.metrics.epochs.map((e) => e.seconds), buildSeconds: rec.buildSeconds.at(-1) }));
    }
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const acc: Record<string, number[]> = { 'onnx teacher': [], 'tfjs LayersModel teacher': [] };
let teacherAcc: Record<string, number> = {};
for (const [name, path] of [['onnx teacher', onnxPath], ['tfjs LayersModel teacher', join(layersPath, 'model.json')]] as const) {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await distill({
      config: { teacher: { path }, data: { spec: 'mnist' }, student, loss, train: { epochs: accEpochs, seed, backend, learningRate: 0.002 } },
      out: join(out, `acc-${name.split(' ')[0]}-seed${seed}`),
      force: true,
      quiet,
      log: silent,
    });
    acc[name]!.push(r.metrics.test.accuracy);
    teacherAcc = { ...teacherAcc, [name]: r.metrics.test.teacherAccuracy ?? 0 };
    console.log(JSON.stringify({ bench: 'teacher-cache', part: 'accuracy', teacher: name, seed, testAccuracy: r.metrics.test.accuracy, teacherAccuracy: r.metrics.test.teacherAccuracy }));
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`\n## Teacher cache benchmark\n`);
console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, tfjs backend ${tf.getBackend()}. Data: embedded MNIST (8,000 train / 1,000 val / 1,000 test).`);
console.log(`Teacher: CNN trained and exported by PyTorch (benchmarks/fixtures/mnist-teacher.onnx), ${(teacherMacs / 1e6).toFixed(2)}M multiply-adds per image; student: mlp hidden 32, ${(studentMacs / 1e3).toFixed(1)}k multiply-adds (teacher/student ${(teacherMacs / studentMacs).toFixed(0)}×). Loss soft-kl 0.9 (T=4) + hard-ce 0.1, batch 64.`);
console.log(`Same weights as tfjs: max |Δ logits| vs ONNX on 64 images: LayersModel ${parity.layers.toExponential(2)}, GraphModel ${parity.graph.toExponential(2)}.\n`);
console.log(`### Epoch time: ${rounds} rounds × ${epochs} epochs per mode, live and cached runs alternating; median (all epochs)\n`);
console.log(`Each epoch includes the student's validation pass. Load average (1 min) ${load0.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end: this machine is shared, so single epochs vary.\n`);
console.log('| teacher | live teacher: s/epoch | cached: s/epoch | ratio live/cached | cache build (s, once per run) |');
console.log('|---|---|---|---|---|');
for (const name of new Set(timing.map((t) => t.teacher))) {
  const live = timing.find((t) => t.teacher === name && t.mode === 'live')!;
  const cached = timing.find((t) => t.teacher === name && t.mode === 'cached')!;
  const [l, c] = [median(live.epochSeconds), median(cached.epochSeconds)];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  console.log(`| ${name} | ${l.toFixed(2)} (${fmt(live.epochSeconds)}) | ${c.toFixed(2)} (${fmt(cached.epochSeconds)}) | ${(l / c).toFixed(2)}× | ${fmt(cached.buildSeconds)} |`);
  console.log(JSON.stringify({ bench: 'teacher-cache', summary: 'time', teacher: name, liveEpochSeconds: l, cachedEpochSeconds: c, ratio: l / c, cacheBuildSeconds: cached.buildSeconds }));
}
console.log(`\n### Student accuracy: ONNX teacher vs the same teacher as tfjs (${accEpochs} epochs, seeds 1..${seeds}, cache on)\n`);
console.log('| teacher | teacher test acc | student test acc (mean ± std) | per seed |');
console.log('|---|---|---|---|');
for (const [name, xs] of Object.entries(acc)) console.log(`| ${name} | ${(100 * teacherAcc[name]!).toFixed(2)}% | ${pctPm(xs)} | ${xs.map((x) => (100 * x).toFixed(1)).join(', ')} |`);
const diffs = acc['onnx teacher']!.map((a, i) => a - acc['tfjs LayersModel teacher']![i]!);
console.log(`\nper-seed difference (onnx − tfjs): ${diffs.map((d) => `${(100 * d).toFixed(2)} pp`).join(', ')}; seed-to-seed std of the onnx runs ${(100 * meanStd(acc['onnx teacher']!).std).toFixed(2)} pp`);
console.log(JSON.stringify({ bench: 'teacher-cache', summary: 'accuracy', ...Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, meanStd(v)])), diffsPp: diffs.map((d) => 100 * d) }));
console.log(`\nrun time ${((performance.now() - t0) / 60000).toFixed(1)} min`);
