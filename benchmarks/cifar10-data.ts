/**
 * What the image-folder data path costs on real photographs, and what decoding once buys:
 *   1. listing a generated folder of 100,000 tiny files (10 class folders of hard links to a 1x1 PNG): readdir plus
 *      the stat fingerprint, against the sharp metadata probe per file that opening a folder used to do;
 *   2. sharp decode throughput at a few concurrencies (first --sweep-images training images);
 *   3. on CIFAR-10's 50,000 training images (../shared/datasets/cifar10, unpacked to --dir if not there; skipped with
 *      a message when absent), a full pass (epoch 1) and a second pass (epoch 2) over every image in batches, for
 *      each decode-cache mode: off (decode every batch), memory, file (fresh), file (reused by a second open),
 *      and file read batch by batch (memory budget 0); with the open time, decode throughput and cache bytes.
 * Modes are interleaved and repeated (--repeats) since the machine is shared. Prints tables; writes JSON to --out.
 * --limit N runs part 3 on the first N/10 images of each class (hard links in a temporary folder), for a quick look.
 *
 *   npx tsx benchmarks/cifar10-data.ts [--dir /tmp/cifar10] [--repeats 2] [--batch 64] [--limit N] [--out benchmarks/results/cifar10-data.json]
 */
import { parseArgs } from 'node:util';
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import sharp from 'sharp';
import { initBackend } from '../src/runtime/backend.js';
import { silentLogger } from '../src/core/progress.js';
import { writeJsonAtomic } from '../src/core/files.js';
import { ImageFolderDataset } from '../src/data/image-folder.js';
import { classFolders, listingFingerprint } from '../src/data/listing.js';
import { decodeImage } from '../src/data/decode.js';
import { forEachLimited } from '../src/data/pool.js';
import type { SplitName } from '../src/core/types.js';
import { meanStd } from './stats.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/cifar10' },
    repeats: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    limit: { type: 'string' },
    'listing-dir': { type: 'string', default: join(os.tmpdir(), 'edge-distill-listing-100k') },
    'listing-files': { type: 'string', default: '100000' },
    'probe-sample': { type: 'string', default: '5000' },
    'sweep-images': { type: 'string', default: '5000' },
    'cache-dir': { type: 'string', default: join(os.tmpdir(), 'edge-distill-bench-decode-cache') },
    out: { type: 'string', default: 'benchmarks/results/cifar10-data.json' },
  },
});
const repeats = Number(values.repeats);
const batchSize = Number(values.batch);
const here = dirname(fileURLToPath(import.meta.url));
const archive = resolve(here, '../../shared/datasets/cifar10/cifar10-jpeg.tar.gz');
const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version, sharp: sharp.versions.sharp, vips: sharp.versions.vips, uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)' },
};
await initBackend('cpu', silentLogger);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (s: number) => `${s.toFixed(2)} s`;
const table = (head: string[], rows: (string | number)[][]) => {
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log();
};

// 1. Listing 100,000 files.
{
  const root = values['listing-dir']!;
  const n = Number(values['listing-files']);
  const perClass = Math.ceil(n / 10);
  const count = () => (existsSync(root) ? readdirSync(root).filter((d) => d.startsWith('c')).reduce((a, d) => a + readdirSync(join(root, d)).length, 0) : 0);
  if (count() !== perClass * 10) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, '.seeds'), { recursive: true });
    // One seed file per class: ext4 allows 65,000 links to a file.
    for (let c = 0; c < 10; c++) {
      const seed = join(root, '.seeds', `c${c}.png`);
      await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 20 * c, g: 128, b: 128 } } }).png().toFile(seed);
      mkdirSync(join(root, `c${c}`));
      for (let i = 0; i < perClass; i++) linkSync(seed, join(root, `c${c}`, `${String(i).padStart(6, '0')}.png`));
    }
  }
  const runs: { readdir: number; stat: number }[] = [];
  let files: string[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    files = [...(await classFolders(root)).values()].flat();
    const t1 = performance.now();
    listingFingerprint(files);
    runs.push({ readdir: (t1 - t0) / 1000, stat: (performance.now() - t1) / 1000 });
  }
  // The old open: one sharp metadata call per file, awaited one after the other.
  const sample = files.slice(0, Number(values['probe-sample']));
  const t0 = performance.now();
  for (const f of sample) await sharp(f).metadata();
  const probePerFile = (performance.now() - t0) / 1000 / sample.length;
  const listing = {
    files: files.length,
    readdirSeconds: median(runs.map((r) => r.readdir)),
    statFingerprintSeconds: median(runs.map((r) => r.stat)),
    totalSeconds: median(runs.map((r) => r.readdir + r.stat)),
    runs,
    oldProbeSecondsExtrapolated: probePerFile * files.length,
    oldProbeSample: sample.length,
  };
  results.listing = listing;
  console.log(`## Listing ${files.length.toLocaleString('en')} files (median of 3)\n`);
  table(['step', 'time'], [
    ['readdir (withFileTypes) of 10 class folders', fmt(listing.readdirSeconds)],
    ['stat fingerprint (paths, sizes, mtimes)', fmt(listing.statFingerprintSeconds)],
    ['**listing total**', `**${fmt(listing.totalSeconds)}**`],
    [`old open: sharp metadata per file (${sample.length} timed, extrapolated)`, fmt(listing.oldProbeSecondsExtrapolated)],
  ]);
}

// 2 and 3 need the photographs.
const dir = values.dir!;
if (!existsSync(join(dir, 'train'))) {
  if (!existsSync(archive)) {
    console.log(`CIFAR-10 skipped: no ${join(dir, 'train')} and no archive at ${archive}`);
    await writeJsonAtomic(values.out!, results);
    process.exit(0);
  }
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['xzf', archive, '-C', dir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tar xzf ${archive} failed`);
}
const trainDir = join(dir, 'train');
const allTrain = [...(await classFolders(trainDir)).values()].flat();

// 2. Decode throughput by concurrency (32x32 RGB target, centre crop: CIFAR's own size).
{
  const files = allTrain.slice(0, Number(values['sweep-images']));
  const target = { height: 32, width: 32, channels: 3 as const, resize: 'crop' as const };
  const rows: { concurrency: number; imagesPerSecond: number[] }[] = [4, 8, 16].map((c) => ({ concurrency: c, imagesPerSecond: [] }));
  for (let r = 0; r < repeats; r++) {
    for (const row of rows) {
      const t0 = performance.now();
      await forEachLimited(files.length, row.concurrency, async (i) => void (await decodeImage(files[i]!, target)));
      row.imagesPerSecond.push(files.length / ((performance.now() - t0) / 1000));
    }
  }
  results.decodeSweep = { images: files.length, rows };
  console.log(`## Decode throughput, ${files.length} CIFAR JPEGs to 32x32x3 (${repeats} interleaved runs; mean ± sd)\n`);
  table(['concurrency', 'images/s'], rows.map((r) => { const s = meanStd(r.imagesPerSecond); return [r.concurrency, `${s.mean.toFixed(0)} ± ${s.std.toFixed(0)}`]; }));
}

// 3. Epochs by decode-cache mode (--limit N: a folder of hard links to the first N/10 images of each class instead).
const limit = values.limit ? Number(values.limit) : undefined;
let spec = trainDir;
if (limit) {
  spec = join(os.tmpdir(), `edge-distill-cifar10-train-${limit}`);
  rmSync(spec, { recursive: true, force: true });
  for (const [cls, files] of await classFolders(trainDir)) {
    mkdirSync(join(spec, cls), { recursive: true });
    for (const f of files.slice(0, Math.ceil(limit / 10))) linkSync(f, join(spec, cls, f.split('/').at(-1)!));
  }
}
type Mode = { name: string; decodeCache: 'off' | 'memory' | 'file'; memoryBudget?: number; fresh?: boolean };
const modes: Mode[] = [
  { name: 'off (decode every batch)', decodeCache: 'off' },
  { name: 'memory', decodeCache: 'memory' },
  { name: 'file, fresh (decode + write)', decodeCache: 'file', fresh: true },
  { name: 'file, reused (second open)', decodeCache: 'file' },
  { name: 'file, read batch by batch', decodeCache: 'file', memoryBudget: 0 },
];
const cacheDir = values['cache-dir']!;

/** One pass over every split's batches; returns seconds. */
async function pass(d: ImageFolderDataset, seed: number): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for (const split of ['train', 'val', 'test'] as SplitName[]) {
    for await (const b of d.batches(split, batchSize, { shuffleSeed: seed })) {
      n += b.x.shape[0];
      b.x.dispose();
      b.y.dispose();
    }
  }
  if (n === 0) throw new Error('empty pass');
  return (performance.now() - t0) / 1000;
}

interface Run { open: number; epoch1: number; epoch2: number; imagesPerSecond?: number; cacheBytes?: number; headerBytes?: number; rssMB: number }
const runs = new Map<string, Run[]>(modes.map((m) => [m.name, []]));
let images = 0;
for (let r = 0; r < repeats; r++) {
  for (const m of modes) {
    if (m.fresh) rmSync(cacheDir, { recursive: true, force: true });
    const t0 = performance.now();
    const d = await ImageFolderDataset.open(spec, { inputShape: [32, 32, 3], decodeCache: m.decodeCache, cacheDir, quiet: true, ...(m.memoryBudget !== undefined ? { memoryBudget: m.memoryBudget } : {}) });
    const open = (performance.now() - t0) / 1000;
    images = d.size('train') + d.size('val') + d.size('test');
    const epoch1 = await pass(d, 1);
    const epoch2 = await pass(d, 2);
    const rep = d.decodeReport;
    const run: Run = { open, epoch1, epoch2, rssMB: process.memoryUsage().rss / 1e6, ...(rep && !rep.fromCache ? { imagesPerSecond: rep.imagesPerSecond! } : {}), ...(rep?.path ? { cacheBytes: rep.bytes, headerBytes: rep.headerBytes! } : {}) };
    runs.get(m.name)!.push(run);
    console.error(`repeat ${r + 1}/${repeats} ${m.name}: open ${fmt(open)}, epoch 1 ${fmt(epoch1)}, epoch 2 ${fmt(epoch2)}`);
  }
}
results.epochs = { spec, images, batchSize, repeats, limit: limit ?? null, modes: Object.fromEntries(runs) };
console.log(`## CIFAR-10 training images (${images.toLocaleString('en')}${limit ? `, --limit ${limit}` : ''}), 32x32x3, batches of ${batchSize}; median of ${repeats} interleaved runs\n`);
table(['decode cache', 'open', 'epoch 1', 'epoch 2', 'open + epoch 1', 'decode img/s', 'cache bytes'], modes.map((m) => {
  const rs = runs.get(m.name)!;
  const med = (f: (r: Run) => number) => median(rs.map(f));
  const ips = rs.filter((r) => r.imagesPerSecond !== undefined);
  const bytes = rs.find((r) => r.cacheBytes !== undefined);
  return [m.name, fmt(med((r) => r.open)), fmt(med((r) => r.epoch1)), fmt(med((r) => r.epoch2)), fmt(med((r) => r.open + r.epoch1)), ips.length ? median(ips.map((r) => r.imagesPerSecond!)).toFixed(0) : '-', bytes ? `${bytes.cacheBytes!.toLocaleString('en')} + ${bytes.headerBytes} header` : '-'];
}));
await writeJsonAtomic(values.out!, results);
console.log(`wrote ${values.out}`);
