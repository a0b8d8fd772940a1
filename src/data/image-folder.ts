/**
 * Image folders as a {@link Dataset}: listed with readdir (no image opened at listing), decoded and resized once by
 * the decode pass into uint8 slots (memory or a decode-cache file), and turned into float32 batches with the mean/std
 * normalisation. Layouts: class folders split 80/10/10 by a seeded permutation; the dataset's own train/ test/ [val/]
 * folders (val carved from train when absent); images without classes (see ./unlabeled.ts).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Batch, Dataset, SplitName } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { permutation } from '../core/random.js';
import { DEFAULT_DECODE_CACHE_DIR, DEFAULT_DECODE_MEMORY_BUDGET, type DECODE_CACHE_MODES } from '../config/schema.js';
import { loadTf } from '../runtime/backend.js';
import { splitIndices, splitOrder } from './in-memory.js';
import { folderLayout, type FolderLayout } from './folder-layout.js';
import { listingFingerprint } from './listing.js';
import { nativeShape } from './native-shape.js';
import type { DecodeTarget, ResizeMode } from './decode.js';
import { decodeCacheKey, decodePass, type DecodeReport } from './decode-cache.js';
import { StreamPixels, type PixelStore } from './pixel-store.js';
import { normalisePixels, pixelTable } from './normalise.js';

export interface ImageFolderOptions {
  /** [h, w, c] every image is resized to (c = 1 grey, 3 RGB); default the images' own (src/data/native-shape.ts). */
  inputShape?: number[] | undefined;
  /** Per-channel normalisation applied after scaling to [0, 1]: (v - mean) / std; one value applies to every channel. */
  mean?: number[];
  std?: number[];
  /** Seed of the split (the 80/10/10 permutation, the val carved from train, the held-out unlabeled images). */
  seed?: number;
  /** Class folders: val and test fractions (default 0.1 each). Own splits without val/: the val fraction of train. */
  valFrac?: number;
  testFrac?: number;
  /** `crop` (default): aspect-preserving resize and centre crop; `stretch`: resized to the shape, aspect ignored. */
  resize?: ResizeMode;
  /** Where decoded pixels are kept (default `auto`: memory under the budget, else a decode-cache file). */
  decodeCache?: (typeof DECODE_CACHE_MODES)[number];
  /** Directory of decode-cache files (default `.cache/edge-distill/decode` under the current directory). */
  cacheDir?: string;
  /** Bytes of pixels held in memory at most (default DEFAULT_DECODE_MEMORY_BUDGET, 2 GiB). */
  memoryBudget?: number;
  /** Images decoded at once (default 2 per core, at least 4). */
  concurrency?: number;
  /** Refuse unreadable, CMYK and 16-bit images, naming the file (default: skip or convert them and report the count). */
  strict?: boolean;
  log?: Logger;
  /** No progress line (default: quiet unless a logger is given; EDGE_DISTILL_QUIET=1 silences it too). */
  quiet?: boolean;
}

/** Options that only unlabeled folders take. */
export interface UnlabeledOptions extends ImageFolderOptions {
  /** Fraction of the images held out (the `test` split) for teacher-agreement metrics (default 0.1). */
  heldOutFrac?: number;
}

/** Which listed images each split holds (indices into the listing), worked out once the decode pass has run. */
function splitsOf(layout: FolderLayout, good: Int32Array, o: UnlabeledOptions): Record<SplitName, Int32Array> {
  const seed = o.seed ?? 1234;
  if (layout.kind === 'classes') {
    const s = splitIndices(good.length, seed, o.valFrac ?? 0.1, o.testFrac ?? 0.1);
    return { train: s.train.map((i) => good[i]!), val: s.val.map((i) => good[i]!), test: s.test.map((i) => good[i]!) };
  }
  if (layout.kind === 'unlabeled') {
    const p = permutation(good.length, seed).map((i) => good[i]!);
    const nHeld = Math.round(good.length * (o.heldOutFrac ?? 0.1));
    return { train: p.slice(nHeld), val: new Int32Array(0), test: p.slice(0, nHeld) };
  }
  // Own splits: each split in a seeded order, so a first-N slice of val or test (parity checks, bench limits) holds
  // every class rather than the first classes alone.
  const part = (s: SplitName) => good.filter((i) => layout.parts![i] === s);
  const shuffled = (a: Int32Array, salt: number) => permutation(a.length, seed + salt).map((i) => a[i]!);
  const train = part('train');
  if (layout.partDirs!.val) return { train: shuffled(train, 0), val: shuffled(part('val'), 1), test: shuffled(part('test'), 2) };
  const p = permutation(train.length, seed).map((i) => train[i]!);
  const nVal = Math.round(train.length * (o.valFrac ?? 0.1));
  return { train: p.slice(nVal), val: p.slice(0, nVal), test: shuffled(part('test'), 2) };
}

/** Checks the shape and the normalisation's lengths against it. */
function checkTarget(what: string, o: ImageFolderOptions & { inputShape: number[] }): DecodeTarget {
  const [h, w, c] = o.inputShape;
  if (o.inputShape.length !== 3 || !h || !w || (c !== 1 && c !== 3)) throw new UserError(`--data ${what}: input shape ${JSON.stringify(o.inputShape)} is not [h, w, 1|3]`);
  for (const [name, v] of [['mean', o.mean], ['std', o.std]] as const) {
    if (v && v.length !== 1 && v.length !== c) throw new UserError(`data.${name} ${JSON.stringify(v)}: has ${v.length} values for ${c} channel${c === 1 ? '' : 's'}; give 1 value (every channel) or ${c}`);
  }
  return { height: h, width: w, channels: c, resize: o.resize ?? 'crop' };
}

/**
 * An image folder's images, decoded once. Samples are the images the decode pass could read, in listing order;
 * a batch's `index` is the sample's number. Unlabeled folders give y = -1 and `labeled: false`.
 */
export class ImageFolderDataset implements Dataset {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: number[];
  readonly labeled: boolean;
  private readonly table: Float32Array;

  private constructor(
    private readonly spec: string,
    readonly layout: FolderLayout,
    /** Listing slot of each sample (the images that decoded). */
    private readonly slots: Int32Array,
    private readonly splits: Record<SplitName, Int32Array>,
    private readonly store: PixelStore,
    /** The decode-cache key: listing (paths, sizes, mtimes), shape and resize mode. */
    readonly decodeKey: string,
    /** What the decode pass did (undefined with `decodeCache: 'off'`). */
    readonly decodeReport: DecodeReport | undefined,
    private readonly opts: ImageFolderOptions & { inputShape: number[] },
    name: string,
  ) {
    this.name = name;
    this.numClasses = layout.classNames.length;
    this.inputShape = opts.inputShape;
    this.labeled = layout.kind !== 'unlabeled';
    this.table = pixelTable(opts.inputShape[2]!, opts.mean, opts.std);
  }

  get classNames(): string[] {
    return this.layout.classNames;
  }

  /**
   * Lists a labelled image folder (class folders, train/ and test/ [val/] folders of them, or
   * `train=DIR,test=DIR[,val=DIR]`) and decodes it once. Errors name the split or file: missing or empty folders
   * and splits, class folders that differ between splits, one class only, and under `strict` unreadable, CMYK or
   * 16-bit images.
   */
  static async open(spec: string, opts: ImageFolderOptions): Promise<ImageFolderDataset> {
    if (opts.inputShape) checkTarget(spec, { ...opts, inputShape: opts.inputShape });
    return ImageFolderDataset.build(spec, await folderLayout(spec), opts, `folder:${spec}`);
  }

  /** Opens a folder whose layout was listed already (labelled or not). */
  static async build(spec: string, layout: FolderLayout, given: UnlabeledOptions, name: string): Promise<ImageFolderDataset> {
    const inputShape = given.inputShape ?? (await nativeShape(layout.files, given.log));
    if (!inputShape) throw new UserError(`--data ${spec}: none of the sampled images can be read, so their size is unknown; check the files, or set data.inputShape`);
    const opts = { ...given, inputShape };
    const target = checkTarget(spec, opts);
    const listing = listingFingerprint(layout.files);
    const mode = opts.decodeCache ?? 'auto';
    const quiet = opts.quiet ?? (opts.log === undefined || process.env.EDGE_DISTILL_QUIET === '1');
    const concurrency = opts.concurrency ?? Math.max(4, 2 * availableParallelism());
    const strict = opts.strict ?? false;
    let store: PixelStore;
    let report: DecodeReport | undefined;
    let good = Int32Array.from(layout.files, (_, i) => i);
    if (mode === 'off') store = new StreamPixels(layout.files, target, { strict, concurrency, ...(opts.log ? { log: opts.log } : {}) });
    else {
      const r = await decodePass(layout.files, {
        target, mode, strict, listing, quiet, concurrency,
        cacheDir: resolve(opts.cacheDir ?? DEFAULT_DECODE_CACHE_DIR),
        memoryBudget: opts.memoryBudget ?? DEFAULT_DECODE_MEMORY_BUDGET,
        label: spec,
        ...(opts.log ? { log: opts.log } : {}),
      });
      store = r.store;
      report = r.report;
      if (report.skipped.length > 0) {
        const bad = new Set(report.skipped.map((s) => s.slot));
        good = good.filter((i) => !bad.has(i));
        const first = report.skipped[0]!;
        opts.log?.warn(`skipped ${report.skipped.length} unreadable image(s) in ${spec} (first: ${first.file}: ${first.reason}); use --strict to refuse instead`);
      }
    }
    const bySlot = splitsOf(layout, good, opts);
    if (layout.kind === 'splits') {
      for (const s of ['train', 'test', ...(layout.partDirs!.val ? ['val' as const] : [])] as const) {
        if (bySlot[s].length === 0) throw new UserError(`--data ${spec}: every image of the ${s} split is unreadable (first: ${report?.skipped.find((k) => layout.parts![k.slot] === s)?.file}); nothing is left to ${s === 'train' ? 'train' : 'measure'} on`);
      }
    } else if (good.length === 0) throw new UserError(`--data ${spec}: every image is unreadable (first: ${report?.skipped[0]?.file}); nothing is left to train on`);
    // Splits hold sample numbers (positions among the decodable images), as the teacher cache indexes them.
    const sampleOf = new Int32Array(layout.files.length).fill(-1);
    good.forEach((slot, k) => (sampleOf[slot] = k));
    const splits = { train: bySlot.train.map((s) => sampleOf[s]!), val: bySlot.val.map((s) => sampleOf[s]!), test: bySlot.test.map((s) => sampleOf[s]!) };
    return new ImageFolderDataset(spec, layout, good, splits, store, decodeCacheKey(listing, target), report, opts, name);
  }

  size(split: SplitName): number {
    return this.splits[split].length;
  }

  /** The file of sample `k` (a batch's `index` entries are such numbers). */
  fileOf(k: number): string {
    return this.layout.files[this.slots[k]!]!;
  }

  async *batches(split: SplitName, batchSize: number, opts: { shuffleSeed?: number; limit?: number; offset?: number } = {}): AsyncIterable<Batch> {
    const tf = await loadTf();
    const order = splitOrder(this.splits[split], opts);
    const n = order.length;
    const [h, w, c] = this.inputShape as [number, number, number];
    const per = h * w * c;
    for (let start = Math.max(0, opts.offset ?? 0); start < n; start += batchSize) {
      let idx = order.subarray(start, Math.min(n, start + batchSize));
      let pixels = new Uint8Array(idx.length * per);
      const bad = await this.store.read(Array.from(idx, (k) => this.slots[k]!), pixels);
      if (bad && bad.length > 0) {
        // Images found unreadable only now (no decode cache) are left out of the batch.
        const keep = Array.from(idx.keys()).filter((i) => !bad.includes(i));
        if (keep.length === 0) continue;
        const kept = new Uint8Array(keep.length * per);
        keep.forEach((i, j) => kept.set(pixels.subarray(i * per, (i + 1) * per), j * per));
        pixels = kept;
        idx = Int32Array.from(keep, (i) => idx[i]!);
      }
      const x = normalisePixels(pixels, c, this.table);
      const y = Int32Array.from(idx, (k) => this.layout.labels[this.slots[k]!]!);
      yield { x: tf.tensor4d(x, [idx.length, h, w, c]), y: tf.tensor1d(y, 'int32'), index: Int32Array.from(idx) };
    }
  }

  fingerprint(): string {
    const h = createHash('sha256');
    h.update(JSON.stringify({ spec: this.spec, kind: this.layout.kind, key: this.decodeKey, mean: this.opts.mean, std: this.opts.std, classes: this.classNames }));
    h.update(new Uint8Array(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength));
    for (const s of ['train', 'val', 'test'] as const) h.update(new Uint8Array(this.splits[s].buffer, this.splits[s].byteOffset, this.splits[s].byteLength));
    return h.digest('hex').slice(0, 16);
  }
}
