/**
 * When does a cache of K augmented teacher views (FKD, `--teacher-views K`) pay, against running the teacher live on
 * every augmented batch? On a CIFAR-10 train subset with the shared PyTorch teacher (teacher.onnx in
 * onnxruntime-node) and a cnn student sized to a byte budget, augmentation crop + flip:
 *   - live: each epoch runs the teacher on every augmented batch (the student's step waits for it);
 *   - views: the cache of K views per image is built once (timed), then each epoch reads view e mod K and replays it.
 * Runs alternate live, views, live, views ... (same subset, seed and student), so load from other processes on this
 * shared machine hits both alike. Prints each mode's epoch seconds (median, min–max), the build time, and the
 * break-even: the total epochs (of one run, or of all the runs sharing one cache: a recipe search's trials, seeds)
 * past which build + cached epochs cost less than live epochs. Writes the figures as JSON to --out.
 *
 *   npx tsx benchmarks/teacher-views.ts [--train 2000] [--val 500] [--views 4] [--epochs 2] [--rounds 3]
 *     [--budget 100000] [--augment crop,flip] [--backend wasm] [--data /tmp/cifar10] [--decode-cache /tmp/cifar10-decode]
 *     [--out benchmarks/results/teacher-views.json]
 *
 * Needs ../shared/datasets/cifar10 and ../shared/teachers/cifar10 (skips with a message when absent); unpacks the
 * archive to --data once, as benchmarks/cifar10-students.ts does.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../src/runtime/backend.js';
import { openDataConfig } from '../src/data/index.js';
import { InMemoryDataset } from '../src/data/in-memory.js';
import { parseAugmentSpec } from '../src/data/augment/index.js';
import { loadTeacher } from '../src/teachers/index.js';
import { buildCache, CacheReader } from '../src/teachers/cache/index.js';
import { trainStudent } from '../src/train/trainer.js';
import { studentFamilies } from '../src/students/index.js';
import { chooseStudent } from '../src/students/sizing.js';
import { TrainConfig } from '../src/config/schema.js';
import type { Dataset } from '../src/core/types.js';

const SHARED = fileURLToPath(new URL('../../shared', import.meta.url));
const ARCHIVE = join(SHARED, 'datasets', 'cifar10', 'cifar10-jpeg.tar.gz');
const TEACHER_DIR = join(SHARED, 'teachers', 'cifar10');
const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '2000' },
    val: { type: 'string', default: '500' },
    views: { type: 'string', default: '4' },
    epochs: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    budget: { type: 'string', default: '100000' },
    augment: { type: 'string', default: 'crop,flip' },
    backend: { type: 'string', default: 'wasm' },
    data: { type: 'string', default: '/tmp/cifar10' },
    'decode-cache': { type: 'string', default: '/tmp/cifar10-decode' },
    out: { type: 'string', default: 'benchmarks/results/teacher-views.json' },
  },
});
if (!existsSync(ARCHIVE) || !existsSync(join(TEACHER_DIR, 'teacher.onnx'))) {
  console.error(`skipped: CIFAR-10 (${ARCHIVE}) or its teacher (${TEACHER_DIR}/teacher.onnx) is not there; this benchmark needs the shared folders`);
  process.exit(0);
}
const [nTrain, nVal, K, epochs, rounds, budget] = (['train', 'val', 'views', 'epochs', 'rounds', 'budget'] as const).map((k) => Number(values[k])) as [number, number, number, number, number, number];
const dataDir = values.data!;
if (!existsSync(join(dataDir, 'train')) || !existsSync(join(dataDir, 'test'))) {
  mkdirSync(dataDir, { recursive: true });
  console.error(`unpacking ${ARCHIVE} to ${dataDir} ...`);
  execFileSync('tar', ['xzf', ARCHIVE, '-C', dataDir]);
}
const t0 = performance.now();
await initBackend(values.backend as BackendChoice);
const silent = { info: () => undefined, warn: () => undefined };
const teacherJson = JSON.parse(readFileSync(join(TEACHER_DIR, 'teacher.json'), 'utf8')) as { mean: number[]; std: number[]; logits: string };
const teacher = await loadTeacher({ path: join(TEACHER_DIR, 'teacher.onnx'), layout: 'nchw', output: teacherJson.logits, preprocess: { mean: teacherJson.mean, std: teacherJson.std } });

/**
 * The first `nTrain` training images and `nVal` val images (in the folder's stored split order) held in memory: a
 * fixed subset, so the live runs and the cache cover the very same images (`trainLimit` would draw another random
 * subset of the whole split every epoch).
 */
async function subset(full: Dataset): Promise<InMemoryDataset> {
  const per = full.inputShape.reduce((a, b) => a * b, 1);
  const take = async (split: 'train' | 'val', n: number) => {
    const x = new Float32Array(n * per);
    const y = new Int32Array(n);
    let at = 0;
    for await (const b of full.batches(split, 500, { limit: n })) {
      x.set(await b.x.data(), at * per);
      y.set(await b.y.data(), at);
      at += b.x.shape[0];
      tf.dispose([b.x, b.y]);
    }
    return { x, y };
  };
  const tr = await take('train', Math.min(nTrain, full.size('train')));
  const va = await take('val', Math.min(nVal, full.size('val')));
  const images = new Float32Array(tr.x.length + va.x.length);
  images.set(tr.x);
  images.set(va.x, tr.x.length);
  const labels = Int32Array.from([...tr.y, ...va.y]);
  const range = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => from + i);
  return new InMemoryDataset({
    name: `cifar10 subset (${tr.y.length} train, ${va.y.length} val)`, inputShape: full.inputShape, classNames: full.classNames, images, labels,
    splits: { train: range(0, tr.y.length), val: range(tr.y.length, va.y.length), test: new Int32Array(0) },
  });
}
// Decoded once into a file that later runs reopen in a second or two (the decode pass of 50,000 JPEGs takes minutes).
const decodeDir = values['decode-cache']!;
const data = await subset(await openDataConfig({ spec: dataDir, seed: 1234, inputShape: [32, 32, 3], resize: 'crop', decodeCache: 'file', cacheDir: decodeDir, strict: false }, { inputShape: [32, 32, 3], log: silent }));

const io = { inputShape: [32, 32, 3], numClasses: 10 };
const family = studentFamilies.get('cnn');
const { chosen } = chooseStudent(family, io, budget, 'float32');
const augment = parseAugmentSpec(values.augment!);
const train = TrainConfig.parse({ epochs, batchSize: 64, seed: 1, augment });
const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }] };
const work = join(os.tmpdir(), `teacher-views-${process.pid}`);

interface Round {
  mode: 'live' | 'views';
  round: number;
  epochSeconds: number[];
  buildSeconds?: number;
}
const runs: Round[] = [];
const load = [os.loadavg()[0]!];
// Round −1 is a warm-up, not counted: the first epoch of a process also pays for the wasm kernels' and onnxruntime's
// set-up (a third of a minute here), which would otherwise land on whichever mode runs first.
for (let round = -1; round < rounds; round++) {
  for (const mode of ['live', 'views'] as const) {
    const student = family.build(chosen.params, io, train.seed);
    let reader: CacheReader | undefined;
    let buildSeconds: number | undefined;
    if (mode === 'views') {
      const dir = join(work, `views-${round}`);
      const b0 = performance.now();
      await buildCache({ teacher, data, taps: [], out: dir, views: { ops: augment, seed: train.seed, count: K }, quiet: true });
      buildSeconds = (performance.now() - b0) / 1000;
      reader = await CacheReader.open(dir);
    }
    const r = await trainStudent({ student, teacher, ...(reader ? { teacherOutputs: reader } : {}), data, loss, train: round < 0 ? { ...train, epochs: 1 } : train, log: silent, quiet: true });
    reader?.dispose();
    student.dispose();
    const rec: Round = { mode, round, epochSeconds: r.history.map((h) => h.seconds), ...(buildSeconds !== undefined ? { buildSeconds } : {}) };
    if (round >= 0) runs.push(rec);
    load.push(os.loadavg()[0]!);
    console.log(JSON.stringify({ bench: 'teacher-views', ...rec, ...(round < 0 ? { warmup: true } : {}), valAccuracy: r.history.at(-1)!.valAccuracy }));
  }
}
rmSync(work, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const live = runs.filter((r) => r.mode === 'live').flatMap((r) => r.epochSeconds);
const cached = runs.filter((r) => r.mode === 'views').flatMap((r) => r.epochSeconds);
const builds = runs.filter((r) => r.mode === 'views').map((r) => r.buildSeconds!);
// Per round (adjacent live and views runs), the ratio of their median epochs: drift of the machine cancels in it.
const ratios = Array.from({ length: rounds }, (_, i) => median(runs.find((r) => r.mode === 'live' && r.round === i)!.epochSeconds) / median(runs.find((r) => r.mode === 'views' && r.round === i)!.epochSeconds));
const [L, C, B] = [median(live), median(cached), median(builds)];
// The same break-even within each round (its own build and adjacent epochs): how far the machine's noise moves it.
const breakEvenPerRound = Array.from({ length: rounds }, (_, i) => {
  const [l, v] = (['live', 'views'] as const).map((m) => runs.find((r) => r.mode === m && r.round === i)!);
  const save = median(l!.epochSeconds) - median(v!.epochSeconds);
  return save > 0 ? v!.buildSeconds! / save : null;
});
const saving = L - C;
// Build + E·C < E·L  ⇔  E > B / (L − C); no break-even when a cached epoch is not cheaper.
const breakEven = saving > 0 ? B / saving : null;

console.log(`\n## Teacher views (FKD cache) vs live teacher under augmentation\n`);
console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, shared with other jobs (load average ${load.map((x) => x.toFixed(1)).join(' → ')} over the run), Node ${process.version}, tfjs ${tf.getBackend()}, teacher in onnxruntime-node.`);
console.log(`Data: ${data.name} of the shared CIFAR-10 JPEGs (32x32x3); augmentation ${values.augment}; student cnn ${JSON.stringify(chosen.params)} (${chosen.paramCount} params, ≤ ${budget} bytes float32); batch 64, ${epochs} epochs a run, ${rounds} rounds of live then views (K = ${K}) after an uncounted warm-up round of 1 epoch each. Epoch times include the student's validation pass over the val images.\n`);
console.log('| mode | s/epoch median | min–max | cache build (s) |');
console.log('|---|---|---|---|');
console.log(`| live teacher | ${L.toFixed(2)} | ${spread(live)} | — |`);
console.log(`| ${K} cached views | ${C.toFixed(2)} | ${spread(cached)} | ${B.toFixed(1)} (${spread(builds)}) |`);
console.log(`\nlive/views epoch ratio per round: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)}×)`);
console.log(
  breakEven === null
    ? `break-even: none: a cached epoch (${C.toFixed(2)} s) is not cheaper than a live one (${L.toFixed(2)} s) here`
    : `break-even: the cache pays once the runs sharing it train more than ${breakEven.toFixed(1)} epochs in total (build ${B.toFixed(1)} s / saving ${saving.toFixed(2)} s an epoch); one run of ${K} epochs (one pass over each view) ${K > breakEven ? 'pays' : 'does not pay'}`,
);
console.log(`break-even per round (its own build and epochs): ${breakEvenPerRound.map((b) => (b === null ? 'none' : b.toFixed(1))).join(', ')} epochs`);
const result = {
  bench: 'teacher-views', date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: load },
  settings: { train: data.size('train'), val: data.size('val'), views: K, epochs, rounds, augment: values.augment, budget, student: chosen.params, paramCount: chosen.paramCount, backend: tf.getBackend() },
  runs, liveEpochSeconds: { median: L, min: Math.min(...live), max: Math.max(...live) }, viewsEpochSeconds: { median: C, min: Math.min(...cached), max: Math.max(...cached) },
  buildSeconds: { median: B, min: Math.min(...builds), max: Math.max(...builds) }, ratioPerRound: ratios, breakEvenEpochs: breakEven, breakEvenPerRound, wallSeconds: (performance.now() - t0) / 1000,
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`\nwrote ${values.out} (${(result.wallSeconds / 60).toFixed(1)} min)`);
teacher.dispose();
