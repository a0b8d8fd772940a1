// Forward and training-step time of three reference models on the cpu and wasm backends.
//
//   npx tsx benchmarks/train-step.ts [--models tiny,dsconv,teacher] [--backends cpu,wasm,wasm-no-simd] [--steps 20]
//                                    [--no-overrides] [--profile [--profile-rows 15]]
//
// forwardMs: inference-mode predict on the batch. stepMs: forward + backward + Adam as the trainer runs them
// (tf.variableGrads with the model in training mode, so BatchNorm uses batch statistics, then src/train/adam.ts;
// runs before the third session used tf.train.adam's minimize: the same math as separate tensor ops). Both are
// medians over --steps runs after warm-up.
// `wasm-no-simd` is wasm with this project's SIMD module switched off (kernels take their XNNPACK and JS paths, the
// fused Adam its JS loop), so that one run measures what the SIMD kernels buy. --no-overrides registers only the
// three missing wasm gradient kernels (to see what the faster ones buy); --profile prints the wasm kernels that
// take the most time in one training step.
// Prints a table and one JSON line per (model, backend).
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/train/adam.js';
import { initBackend } from '../src/runtime/backend.js';
import { registerWasmTrainingKernels } from '../src/runtime/wasm-training/index.js';
import { setSimdEnabled } from '../src/runtime/wasm-training/simd/module.js';
import { dsconvStudent, teacherCnn, tinyCnn } from './models.js';

interface Spec {
  key: string;
  /** The teacher-sized model: the only one the cpu backend may run for fewer steps. */
  big?: boolean;
  name: string;
  inputShape: number[];
  build(): tf.LayersModel;
}

const SPECS: Spec[] = [
  { key: 'tiny', name: 'tiny-cnn', inputShape: [28, 28, 1], build: () => tinyCnn(tf) },
  { key: 'dsconv', name: 'dsconv-student', inputShape: [32, 32, 3], build: () => dsconvStudent(tf) },
  { key: 'teacher', big: true, name: 'teacher-cnn', inputShape: [28, 28, 1], build: () => teacherCnn(tf) },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const BATCH = 64;
const STEPS = Number(arg('steps', '20'));
const models = arg('models', 'tiny,dsconv,teacher').split(',');
const backends = arg('backends', 'cpu,wasm').split(',') as ('cpu' | 'wasm' | 'wasm-no-simd')[];
// The cpu backend needs about a minute per step of the teacher-sized model; past this budget it runs fewer steps.
const CPU_BUDGET_MS = Number(arg('cpu-budget-s', '240')) * 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function batch(spec: Spec): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomUniform([BATCH, ...spec.inputShape], 0, 1, 'float32', 7);
    const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 8), 10).toFloat();
    return { x, y };
  });
}

function forward(model: tf.LayersModel, x: tf.Tensor): number {
  const t0 = performance.now();
  const out = model.predict(x) as tf.Tensor;
  out.dataSync();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
}

/** A step as src/train/trainer.ts takes one: variableGrads of the loss, then the project's Adam. */
function step(model: tf.LayersModel, opt: Adam, x: tf.Tensor, y: tf.Tensor): number {
  const t0 = performance.now();
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
  opt.apply(
    vars.map((v) => grads[v.name]!),
    1e-3,
  );
  value.dataSync();
  const ms = performance.now() - t0;
  tf.dispose([value, ...Object.values(grads)]);
  return ms;
}

// Per-kernel timing: every wasm kernelFunc is wrapped (re-registered with the same setupFunc) to add up its time,
// by kernel name and by name plus input shapes. tf.profile was not used because it adds per-kernel bookkeeping.
const kernelTimes = new Map<string, { ms: number; n: number }>();
let profiling = false;
let wrapped = false;

function wrapWasmKernels(): void {
  if (wrapped) return; // wasm and wasm-no-simd share the registrations
  wrapped = true;
  for (const cfg of tf.getKernelsForBackend('wasm')) {
    const inner = cfg.kernelFunc;
    tf.unregisterKernel(cfg.kernelName, 'wasm');
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        if (!profiling) return inner(args);
        const t0 = performance.now();
        const out = inner(args);
        const ms = performance.now() - t0;
        const shapes = Object.values(args.inputs).map((t) => `[${t?.shape.join(',')}]`).join(' ');
        for (const key of [cfg.kernelName, `${cfg.kernelName} ${shapes}`]) {
          const e = kernelTimes.get(key) ?? { ms: 0, n: 0 };
          e.ms += ms;
          e.n++;
          kernelTimes.set(key, e);
        }
        return out;
      },
    });
  }
}

function profile(model: tf.LayersModel, opt: Adam, x: tf.Tensor, y: tf.Tensor): void {
  const n = 5;
  kernelTimes.clear();
  profiling = true;
  for (let i = 0; i < n; i++) step(model, opt, x, y);
  profiling = false;
  const byName = [...kernelTimes.entries()].filter(([k]) => !k.includes(' '));
  const total = byName.reduce((a, [, e]) => a + e.ms, 0) / n;
  console.log(`  profile (mean of ${n} steps, ${total.toFixed(1)} ms in kernels):`);
  const top = (rows: [string, { ms: number; n: number }][], k: number) =>
    rows
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, k)
      .forEach(([name, e]) => console.log(`    ${(e.ms / n).toFixed(2).padStart(8)} ms ${String(e.n / n).padStart(5)}x  ${name}`));
  top(byName, 12);
  console.log('  by input shapes:');
  top([...kernelTimes.entries()].filter(([k]) => k.includes(' ')), Number(arg('profile-rows', '15')));
}

interface Row {
  model: string;
  backend: string;
  forwardMs: number;
  stepMs: number;
  steps: number;
  params: number;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const backend of backends) {
    if (backend === 'wasm' && flag('no-overrides')) {
      // Not initBackend: it registers every kernel, replacements included.
      await import('@tensorflow/tfjs-backend-wasm');
      await registerWasmTrainingKernels(tf, { overrides: false, simd: false });
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    } else {
      await initBackend(backend === 'wasm-no-simd' ? 'wasm' : backend);
    }
    setSimdEnabled(backend !== 'wasm-no-simd');
    if (backend !== 'cpu' && flag('profile')) wrapWasmKernels();
    for (const spec of SPECS.filter((s) => models.includes(s.key))) {
      const model = spec.build();
      const opt = new Adam(model.trainableWeights.map((w) => w.read() as tf.Variable));
      const { x, y } = batch(spec);
      for (let i = 0; i < 3; i++) forward(model, x);
      const warm = step(model, opt, x, y);
      let steps = STEPS;
      if (backend === 'cpu' && spec.big && warm * STEPS > CPU_BUDGET_MS) steps = Math.max(3, Math.floor(CPU_BUDGET_MS / warm));
      if (backend !== 'cpu' || steps === STEPS) step(model, opt, x, y);
      const fwd: number[] = [];
      for (let i = 0; i < Math.max(STEPS, 20); i++) fwd.push(forward(model, x));
      const st: number[] = [];
      for (let i = 0; i < steps; i++) st.push(step(model, opt, x, y));
      const row: Row = { model: spec.name, backend, forwardMs: median(fwd), stepMs: median(st), steps, params: model.countParams() };
      rows.push(row);
      const note = steps < STEPS ? ` (cpu: ${steps} steps instead of ${STEPS}, each takes ${(warm / 1000).toFixed(1)} s)` : '';
      console.log(`${spec.name} on ${backend}: forward ${row.forwardMs.toFixed(1)} ms, step ${row.stepMs.toFixed(1)} ms over ${steps} steps${note}`);
      if (flag('profile') && backend !== 'cpu') profile(model, opt, x, y);
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    }
  }
  console.log('');
  console.log(`| model | params | backend | forward ms | step ms | step/forward | steps |`);
  console.log(`| --- | ---: | --- | ---: | ---: | ---: | ---: |`);
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.params} | ${r.backend} | ${r.forwardMs.toFixed(1)} | ${r.stepMs.toFixed(1)} | ${(r.stepMs / r.forwardMs).toFixed(2)} | ${r.steps} |`);
  }
  console.log('');
  for (const r of rows) console.log(JSON.stringify({ model: r.model, backend: r.backend, forwardMs: +r.forwardMs.toFixed(2), stepMs: +r.stepMs.toFixed(2) }));
}

await main();
