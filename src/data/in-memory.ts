import { createHash } from 'node:crypto';
import type { Batch, Dataset, SplitName } from '../core/types.js';
import { permutation } from '../core/random.js';
import { loadTf } from '../runtime/backend.js';

/** Images (NHWC float32, flattened) and labels held in memory, with index lists per split. */
export interface InMemoryData {
  name: string;
  inputShape: number[];
  classNames: string[];
  images: Float32Array;
  labels: Int32Array;
  splits: Record<SplitName, Int32Array>;
}

/** A {@link Dataset} over arrays in memory (embedded MNIST, IDX files). */
export class InMemoryDataset implements Dataset {
  readonly name: string;
  readonly inputShape: number[];
  readonly numClasses: number;
  readonly classNames: string[];
  private fp: string | undefined;

  constructor(private readonly data: InMemoryData) {
    this.name = data.name;
    this.inputShape = data.inputShape;
    this.classNames = data.classNames;
    this.numClasses = data.classNames.length;
  }

  size(split: SplitName): number {
    return this.data.splits[split].length;
  }

  /** Copies the samples at `indices` into one contiguous array (NHWC) and their labels. */
  gather(indices: ArrayLike<number>): { x: Float32Array; y: Int32Array } {
    const per = this.inputShape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(indices.length * per);
    const y = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      x.set(this.data.images.subarray(k * per, (k + 1) * per), i * per);
      y[i] = this.data.labels[k]!;
    }
    return { x, y };
  }

  async *batches(split: SplitName, batchSize: number, opts: { shuffleSeed?: number; limit?: number; offset?: number } = {}): AsyncIterable<Batch> {
    const tf = await loadTf();
    const order = splitOrder(this.data.splits[split], opts);
    const n = order.length;
    const [h, w, c] = this.inputShape as [number, number, number];
    for (let start = Math.max(0, opts.offset ?? 0); start < n; start += batchSize) {
      const idx = order.subarray(start, Math.min(n, start + batchSize));
      const { x, y } = this.gather(idx);
      yield { x: tf.tensor4d(x, [idx.length, h, w, c]), y: tf.tensor1d(y, 'int32'), index: Int32Array.from(idx) };
    }
  }

  fingerprint(): string {
    if (!this.fp) {
      const h = createHash('sha256');
      h.update(JSON.stringify({ name: this.name, shape: this.inputShape, classes: this.classNames }));
      h.update(new Uint8Array(this.data.images.buffer, this.data.images.byteOffset, this.data.images.byteLength));
      h.update(new Uint8Array(this.data.labels.buffer, this.data.labels.byteOffset, this.data.labels.byteLength));
      for (const s of ['train', 'val', 'test'] as const) h.update(new Uint8Array(this.data.splits[s].buffer, this.data.splits[s].byteOffset, this.data.splits[s].byteLength));
      this.fp = h.digest('hex').slice(0, 16);
    }
    return this.fp;
  }
}

/**
 * The sample order of one pass over a split: stored order, or a seeded permutation of it (same seed ⇒ same order),
 * cut to `limit` samples.
 */
export function splitOrder(base: Int32Array, opts: { shuffleSeed?: number; limit?: number }): Int32Array {
  const order = opts.shuffleSeed === undefined ? base : permutation(base.length, opts.shuffleSeed).map((i) => base[i]!);
  return order.subarray(0, Math.min(order.length, opts.limit ?? Infinity));
}

/** Splits a seeded permutation of `n` samples into train/val/test by fractions (val, test); the rest is train. */
export function splitIndices(n: number, seed: number, valFrac: number, testFrac: number): Record<SplitName, Int32Array> {
  const p = permutation(n, seed);
  const nTest = Math.round(n * testFrac);
  const nVal = Math.round(n * valFrac);
  return {
    test: p.slice(0, nTest),
    val: p.slice(nTest, nTest + nVal),
    train: p.slice(nTest + nVal),
  };
}
