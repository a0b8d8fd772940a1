/**
 * Epoch time at 1 and 2 training workers (`--workers`), next to PyTorch on the same cores, measured in one run:
 *   (a) the 40 KB cnn student from labels on Fashion-MNIST (the embedded MNIST when Fashion-MNIST is not installed;
 *       the table says which), batch 64;
 *   (b) a 100 KB cnn student distilled online (the live ONNX teacher, crop and flip augmentation) from
 *       ../shared/teachers/cifar10 on CIFAR-10 at 32x32x3, batch 64 (skipped with a message when ../shared is absent);
 *   (c) the vgg teacher family (train-teacher's default architecture) from labels on (a)'s data, batch 64.
 * Each row is one epoch of a fresh distill run (`epochs: 1`), timed by the trainer itself (the epoch record's
 * trainSeconds: the training steps, without validation, the checkpoint or starting the workers). PyTorch (Debian's
 * python3-torch, `apt-get install -y python3-torch`; skipped with a message when /usr/bin/python3 has no torch)
 * trains the same layers (read from our run's model.json by benchmarks/epoch_torch.py) on as many in-memory samples,
 * at 1 and 2 threads. Rows run interleaved, round by round: ours 1, ours 2, torch 1, torch 2, ... Medians, min–max
 * and the scaling (1-worker time / 2-worker time, per round, then the median) are printed as a Markdown table and a
 * JSON line.
 *
 *   npx tsx benchmarks/epoch.ts [--rounds 2] [--cases a,b,c] [--limit-a 54000] [--limit-b 6400] [--limit-c 3200]
 *       [--out benchmarks/results/epoch]
 *
 * Resumable: every finished row is kept in OUT/rows.json and not run again when the script is started again with
 * the same --out and settings.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { distill } from '../src/distill/index.js';
import { silentLogger, stderrLogger } from '../src/core/progress.js';
import { parseAugmentSpec } from '../src/data/augment/index.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    cases: { type: 'string', default: 'a,b,c' },
    'limit-a': { type: 'string', default: '54000' },
    'limit-b': { type: 'string', default: '6400' },
    'limit-c': { type: 'string', default: '3200' },
    out: { type: 'string', default: 'benchmarks/results/epoch' },
  },
});
const out = values.out!;
const rounds = Number(values.rounds);
mkdirSync(out, { recursive: true });

const FASHION = '/usr/share/datasets/fashion-mnist';
const fashion = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
const labelsData = fashion ? `idx:${FASHION}` : 'mnist';
const dataName = fashion ? 'Fashion-MNIST' : 'MNIST (embedded; Fashion-MNIST is not installed: apt-get install -y dataset-fashion-mnist)';
const SHARED = resolve('..', 'shared');
const ARCHIVE = join(SHARED, 'datasets', 'cifar10', 'cifar10-jpeg.tar.gz');
const TEACHER_DIR = join(SHARED, 'teachers', 'cifar10');
const PY = '/usr/bin/python3';
const torchVersion = (() => {
  try {
    return execFileSync(PY, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();
if (!torchVersion) console.error(`PyTorch skipped: ${PY} cannot import torch (apt-get install -y python3-torch)`);

const hardCe = { terms: [{ kind: 'hard-ce', weight: 1 }] };
interface Case {
  id: string;
  title: string;
  images: number;
  config: (workers: number) => Record<string, unknown>;
  /** Why PyTorch is not measured for this case, if it is not. */
  noTorch?: string;
}
const cases: Case[] = [];
const want = new Set(values.cases!.split(','));
if (want.has('a')) {
  const n = Number(values['limit-a']);
  cases.push({ id: 'a', title: `${fashion ? 'Fashion-MNIST' : 'MNIST'} 40 KB cnn student from labels`, images: n, config: (workers) => ({ data: { spec: labelsData, trainLimit: n }, teacher: null, student: { family: 'cnn', maxBytes: 40000 }, loss: hardCe, train: { epochs: 1, batchSize: 64, learningRate: 0.002, workers } }) });
}
if (want.has('b')) {
  if (!existsSync(ARCHIVE) || !existsSync(join(TEACHER_DIR, 'teacher.onnx'))) {
    console.error(`case b skipped: CIFAR-10 (${ARCHIVE}) or its teacher (${TEACHER_DIR}/teacher.onnx) is not there`);
  } else {
    const dataDir = '/tmp/cifar10';
    if (!existsSync(join(dataDir, 'train')) || !existsSync(join(dataDir, 'test'))) {
      mkdirSync(dataDir, { recursive: true });
      console.error(`unpacking ${ARCHIVE} to ${dataDir} ...`);
      execFileSync('tar', ['xzf', ARCHIVE, '-C', dataDir]);
    }
    const tj = JSON.parse(readFileSync(join(TEACHER_DIR, 'teacher.json'), 'utf8')) as { mean: number[]; std: number[]; logits: string };
    const n = Number(values['limit-b']);
    const teacher = { path: join(TEACHER_DIR, 'teacher.onnx'), layout: 'nchw', output: tj.logits, preprocess: { mean: tj.mean, std: tj.std } };
    cases.push({
      id: 'b',
      title: 'CIFAR-10 100 KB cnn student distilled online (ONNX teacher, crop+flip)',
      images: n,
      config: (workers) => ({
        data: { spec: dataDir, seed: 1234, inputShape: [32, 32, 3], decodeCache: 'file', cacheDir: join(out, 'decode-cache'), trainLimit: n },
        teacher,
        student: { family: 'cnn', maxBytes: 100000 },
        loss: { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 1 }, { kind: 'hard-ce', weight: 0.1 }] },
        cache: { use: 'off' },
        train: { epochs: 1, batchSize: 64, workers, augment: parseAugmentSpec('crop,flip') },
      }),
      noTorch: 'not measured: the teacher is an ONNX file, and this Python has no ONNX runtime to run it online',
    });
  }
}
if (want.has('c')) {
  const n = Number(values['limit-c']);
  cases.push({ id: 'c', title: `vgg teacher (train-teacher's default) from labels on ${fashion ? 'Fashion-MNIST' : 'MNIST'}`, images: n, config: (workers) => ({ data: { spec: labelsData, trainLimit: n }, teacher: null, student: { family: 'vgg' }, loss: hardCe, train: { epochs: 1, batchSize: 64, learningRate: 0.002, workers } }) });
}

interface Row {
  key: string;
  case: string;
  impl: 'ours' | 'torch';
  /** Our workers, or PyTorch's threads. */
  threads: number;
  round: number;
  seconds: number;
  images: number;
  params: number;
  loadavg: number;
}
const rowsFile = join(out, 'rows.json');
const rows: Row[] = existsSync(rowsFile) ? (JSON.parse(readFileSync(rowsFile, 'utf8')) as Row[]) : [];
const save = () => writeFileSync(rowsFile, JSON.stringify(rows, null, 2));
const settings = (c: Case) => `${c.id}-${c.images}`;

async function ours(c: Case, workers: number, round: number): Promise<Row> {
  const run = join(out, 'runs', `${settings(c)}-w${workers}-r${round}`);
  const r = await distill({ config: c.config(workers), out: run, force: true, quiet: true, log: silentLogger, source: `benchmarks/epoch.ts case ${c.id}` });
  const e = r.metrics.epochs[0]!;
  const row: Row = { key: '', case: c.id, impl: 'ours', threads: workers, round, seconds: e.trainSeconds ?? e.seconds, images: c.images, params: r.metrics.architecture.paramCount, loadavg: loadavg()[0]! };
  rmSync(join(run, 'checkpoint'), { recursive: true, force: true });
  return row;
}

function torch(c: Case, threads: number, round: number): Row {
  const model = join(out, 'runs', `${settings(c)}-w1-r1`, 'student', 'model.json');
  const res = JSON.parse(execFileSync(PY, [join('benchmarks', 'epoch_torch.py'), '--model', model, '--n', String(c.images), '--batch', '64', '--threads', String(threads)], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as { seconds: number; params: number };
  return { key: '', case: c.id, impl: 'torch', threads, round, seconds: res.seconds, images: c.images, params: res.params, loadavg: loadavg()[0]! };
}

stderrLogger.info(`${availableParallelism()} cores; load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}; data ${dataName}`);
for (let round = 1; round <= rounds; round++) {
  for (const c of cases) {
    const plan: [Row['impl'], number][] = [['ours', 1], ['ours', 2], ...(torchVersion && !c.noTorch ? ([['torch', 1], ['torch', 2]] as [Row['impl'], number][]) : [])];
    for (const [impl, threads] of plan) {
      const key = `${settings(c)}/${impl}-${threads}/r${round}`;
      if (rows.some((r) => r.key === key)) continue;
      const row = impl === 'ours' ? await ours(c, threads, round) : torch(c, threads, round);
      row.key = key;
      rows.push(row);
      save();
      stderrLogger.info(`${key}: ${row.seconds.toFixed(2)} s (${(row.images / row.seconds).toFixed(0)} images/s; load ${row.loadavg.toFixed(1)})`);
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (xs: number[]) => (xs.length === 0 ? '–' : `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`);
const summary = cases.map((c) => {
  const of = (impl: Row['impl'], threads: number) => rows.filter((r) => r.key.startsWith(`${settings(c)}/${impl}-${threads}/`)).sort((a, b) => a.round - b.round);
  const [o1, o2, t1, t2] = [of('ours', 1), of('ours', 2), of('torch', 1), of('torch', 2)];
  // The speed-up of each round (the two rows ran next to each other), then the median.
  const ratios = o1.flatMap((r) => {
    const b = o2.find((x) => x.round === r.round);
    return b ? [r.seconds / b.seconds] : [];
  });
  const torchBest = [t1, t2].filter((t) => t.length > 0).map((t) => median(t.map((r) => r.seconds)));
  const best = torchBest.length ? Math.min(...torchBest) : undefined;
  return {
    case: c.id, title: c.title, images: c.images, params: o1[0]?.params, torchParams: t1[0]?.params,
    ours1: o1.map((r) => r.seconds), ours2: o2.map((r) => r.seconds), torch1: t1.map((r) => r.seconds), torch2: t2.map((r) => r.seconds),
    speedup: ratios.length ? median(ratios) : undefined, speedups: ratios,
    oursVsTorchBest: best !== undefined && o2.length ? median(o2.map((r) => r.seconds)) / best : undefined,
    noTorch: c.noTorch ?? (torchVersion ? undefined : 'python3-torch not installed'),
    loadavg: [...o1, ...o2, ...t1, ...t2].map((r) => r.loadavg),
  };
});

console.log(`\nOne epoch (training steps only), seconds: median (min–max) over ${rounds} round${rounds > 1 ? 's' : ''}, rows interleaved; ${availableParallelism()} cores; PyTorch ${torchVersion ?? 'not installed'}; data for (a) and (c): ${dataName}\n`);
console.log('| case | images | params | ours, 1 worker | ours, 2 workers | speed-up (efficiency) | PyTorch 1 thread | PyTorch 2 threads | ours 2 workers / PyTorch best | load avg (1 min) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const s of summary) {
  const sp = s.speedup === undefined ? '–' : `${s.speedup.toFixed(2)}× (${((100 * s.speedup) / 2).toFixed(0)} %)`;
  const torchCell = (xs: number[]) => (xs.length ? fmt(xs) : s.noTorch ?? '–');
  const load = s.loadavg.length ? `${Math.min(...s.loadavg).toFixed(1)}–${Math.max(...s.loadavg).toFixed(1)}` : '–';
  console.log(`| (${s.case}) ${s.title} | ${s.images} | ${s.params ?? '–'}${s.torchParams !== undefined && s.torchParams !== s.params ? ` (PyTorch ${s.torchParams})` : ''} | ${fmt(s.ours1)} | ${fmt(s.ours2)} | ${sp} | ${torchCell(s.torch1)} | ${torchCell(s.torch2)} | ${s.oursVsTorchBest === undefined ? '–' : `${s.oursVsTorchBest.toFixed(2)}×`} | ${load} |`);
}
writeFileSync(join(out, 'summary.json'), JSON.stringify({ cores: availableParallelism(), torch: torchVersion ?? null, data: dataName, rounds, cases: summary }, null, 2));
console.log(JSON.stringify({ cores: availableParallelism(), torch: torchVersion ?? null, data: dataName, rounds, cases: summary.map(({ loadavg: _l, ...s }) => s) }));
