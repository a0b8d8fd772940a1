import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, extname } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Batch, Dataset, SplitName } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { splitIndices, splitOrder } from './in-memory.js';
import { loadTf } from '../runtime/backend.js';

const IMAGE_EXTS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export interface ImageFolderOptions {
  /** [h, w, c] every image is resized to (c = 1 grey, 3 RGB). */
  inputShape: number[];
  /** Per-channel normalisation applied after scaling to [0, 1]: (v - mean) / std. */
  mean?: number[];
  std?: number[];
  seed?: number;
  valFrac?: number;
  testFrac?: number;
  /** Refuse the folder when any image cannot be decoded (default: skip it and report the count). */
  strict?: boolean;
  log?: Logger;
}

interface Sample {
  file: string;
  label: number;
}

/**
 * An image folder with one sub-folder per class (jpg/png/webp). Files are listed and checked when opened, and
 * decoded with sharp batch by batch, so a large folder is streamed rather than held in memory.
 */
export class ImageFolderDataset implements Dataset {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: number[];
  private constructor(
    private readonly root: string,
    readonly classNames: string[],
    private readonly samples: Sample[],
    private readonly splits: Record<SplitName, Int32Array>,
    private readonly opts: ImageFolderOptions,
  ) {
    this.name = `folder:${root}`;
    this.numClasses = classNames.length;
    this.inputShape = opts.inputShape;
  }

  /** Lists and checks the folder. Errors: missing, empty, one class only, or corrupt images under `strict`. */
  static async open(root: string, opts: ImageFolderOptions): Promise<ImageFolderDataset> {
    if (!existsSync(root) || !(await stat(root)).isDirectory()) throw new UserError(`--data ${root}: not a directory; expected an image folder with one sub-folder per class`);
    const [h, w, c] = opts.inputShape;
    if (!h || !w || (c !== 1 && c !== 3)) throw new UserError(`--data ${root}: input shape ${JSON.stringify(opts.inputShape)} is not [h, w, 1|3]`);
    const entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    const { default: sharp } = await import('sharp');
    const samples: Sample[] = [];
    const classNames: string[] = [];
    const bad: string[] = [];
    for (const cls of entries) {
      const files = (await readdir(join(root, cls))).filter((f) => IMAGE_EXTS.has(extname(f).toLowerCase())).sort();
      if (files.length === 0) continue;
      const label = classNames.push(cls) - 1;
      for (const f of files) {
        const file = join(root, cls, f);
        try {
          const meta = await sharp(file).metadata();
          if (!meta.width || !meta.height) throw new Error('no dimensions');
          samples.push({ file, label });
        } catch (e) {
          if (opts.strict) throw new UserError(`${file}: cannot be decoded as an image (${(e as Error).message}); remove it or drop --strict to skip such files`);
          bad.push(file);
        }
      }
    }
    if (classNames.length === 0) throw new UserError(`--data ${root}: no images found; expected sub-folders (one per class) holding .jpg/.png/.webp files`);
    if (classNames.length === 1) throw new UserError(`--data ${root}: only one class (${classNames[0]}) has images; a classifier needs at least two class sub-folders`);
    if (bad.length > 0) opts.log?.warn(`skipped ${bad.length} unreadable image(s) in ${root} (first: ${bad[0]}); use --strict to refuse instead`);
    const splits = splitIndices(samples.length, opts.seed ?? 1234, opts.valFrac ?? 0.1, opts.testFrac ?? 0.1);
    return new ImageFolderDataset(root, classNames, samples, splits, opts);
  }

  size(split: SplitName): number {
    return this.splits[split].length;
  }

  /** Decodes one image to NHWC float32 values, resized and normalised. */
  async decode(file: string): Promise<Float32Array> {
    const { default: sharp } = await import('sharp');
    const [h, w, c] = this.inputShape as [number, number, number];
    let img = sharp(file).resize(w, h, { fit: 'fill' }).removeAlpha();
    img = c === 1 ? img.grayscale() : img.toColourspace('srgb');
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== c) throw new Error(`decoded ${info.channels} channels, expected ${c}`);
    const out = new Float32Array(h * w * c);
    const mean = this.opts.mean ?? [];
    const std = this.opts.std ?? [];
    for (let i = 0; i < out.length; i++) {
      const ch = i % c;
      out[i] = (data[i]! / 255 - (mean[ch] ?? 0)) / (std[ch] ?? 1);
    }
    return out;
  }

  async *batches(split: SplitName, batchSize: number, opts: { shuffleSeed?: number; limit?: number; offset?: number } = {}): AsyncIterable<Batch> {
    const tf = await loadTf();
    const order = splitOrder(this.splits[split], opts);
    const n = order.length;
    const [h, w, c] = this.inputShape as [number, number, number];
    const per = h * w * c;
    for (let start = Math.max(0, opts.offset ?? 0); start < n; start += batchSize) {
      const idx = order.subarray(start, Math.min(n, start + batchSize));
      const decoded = await Promise.all(Array.from(idx, (k) => this.decode(this.samples[k]!.file)));
      const x = new Float32Array(idx.length * per);
      decoded.forEach((d, i) => x.set(d, i * per));
      const y = Int32Array.from(idx, (k) => this.samples[k]!.label);
      yield { x: tf.tensor4d(x, [idx.length, h, w, c]), y: tf.tensor1d(y, 'int32'), index: Int32Array.from(idx) };
    }
  }

  fingerprint(): string {
    const h = createHash('sha256');
    h.update(JSON.stringify({ root: this.root, shape: this.inputShape, mean: this.opts.mean, std: this.opts.std, classes: this.classNames }));
    for (const s of this.samples) h.update(`${s.label}:${s.file}\n`);
    return h.digest('hex').slice(0, 16);
  }
}
