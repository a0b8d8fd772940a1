import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import type { Batch, Outputs } from '../../core/types.js';
import { validate } from '../../config/load.js';
import type { TeacherOutputs, TeacherViews } from '../outputs.js';
import type { AugmentOpConfig } from '../../config/schema.js';
import { decodeHalves } from '../../core/float16.js';
import { hashFile, keyMismatch } from './key.js';
import { CacheIndex, DTYPE_BYTES, INDEX_FILE, rowLayout, type CacheKeyParts } from './format.js';

/** How many shard files stay open (least recently used ones are closed). */
const OPEN_SHARDS = 8;

/** Reads and validates a cache's index.json; a missing or foreign one is a UserError naming the directory. */
export async function readCacheIndex(dir: string, flag = '--cache'): Promise<CacheIndex> {
  const file = join(dir, INDEX_FILE);
  if (!existsSync(file)) throw new UserError(`${flag} ${dir}: not a teacher cache (no ${INDEX_FILE}); build one with edge-distill cache, or choose another directory`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${flag} ${dir}: ${INDEX_FILE} is not valid JSON (${(e as Error).message}); rebuild the cache (--rebuild-cache)`);
  }
  return validate(CacheIndex, raw, `${flag} ${dir}: ${INDEX_FILE}`);
}

/** Refuses a cache that cannot serve `want`, saying why and what to do. */
export function checkCacheFits(dir: string, index: CacheIndex, want: CacheKeyParts): void {
  if (index.part) throw new UserError(`--cache ${dir}: this is slice ${index.part.index}/${index.part.of} of a sharded cache; join the slices with edge-distill cache merge --out DIR SLICE...`);
  const why = keyMismatch(index, want);
  if (why) throw new UserError(`--cache ${dir}: cannot be used: ${why}. Rebuild it with --rebuild-cache, or choose another --cache directory`);
}

/** What is wrong with the first bad shard of `dir` (missing, wrong size, wrong sha256), or undefined when all are whole. */
export async function shardProblem(dir: string, index: CacheIndex): Promise<string | undefined> {
  for (const s of index.shards) {
    const f = join(dir, s.file);
    if (!existsSync(f)) return `shard ${s.file} is missing`;
    const size = statSync(f).size;
    if (size !== s.bytes) return `shard ${s.file} holds ${size} bytes, the index says ${s.bytes} (truncated?)`;
    if ((await hashFile(f)) !== s.sha256) return `shard ${s.file} does not match its checksum (corrupt)`;
  }
  return undefined;
}

/** Checks every shard's size and sha256 against the index (a truncated or edited shard is a UserError). */
export async function verifyShards(dir: string, index: CacheIndex, flag = '--cache'): Promise<void> {
  const problem = await shardProblem(dir, index);
  if (problem) throw new UserError(`${flag} ${dir}: ${problem}; rebuild the cache (--rebuild-cache)`);
}

/**
 * A verified teacher cache serving training batches from disk: for each batch the rows of its sample indices are
 * read (adjacent rows in one read) from the shards holding them. Shuffled batches touch most shards, so rows are
 * read rather than whole shards; a few shard files stay open (LRU) and the OS page cache keeps hot data.
 */
export class CacheReader implements TeacherOutputs {
  readonly description: string;
  readonly byIndex = true;
  readonly views: TeacherViews | undefined;
  private readonly rowOf: Int32Array;
  private readonly shardOf: Int32Array;
  private readonly fds = new Map<number, number>();
  private readonly offsets: number[];

  private constructor(readonly dir: string, readonly index: CacheIndex, ids: Int32Array[]) {
    const a = index.augmentation;
    this.views = a === false ? undefined : { ops: a.ops as AugmentOpConfig[], seed: a.seed, count: a.count };
    this.description = `teacher cache ${dir} (${index.rows} samples${a === false ? '' : ` × ${a.count} augmented views`}${index.taps.length ? `, ${index.featureDtype} features` : ''})`;
    this.offsets = rowLayout(index.entries).offsets;
    const max = ids.reduce((m, a) => a.reduce((x, v) => Math.max(x, v), m), -1);
    this.rowOf = new Int32Array(max + 1).fill(-1);
    this.shardOf = new Int32Array(max + 1).fill(-1);
    ids.forEach((a, s) =>
      a.forEach((id, r) => {
        this.rowOf[id] = r;
        this.shardOf[id] = s;
      }),
    );
  }

  /** Opens `dir`, refusing it when it cannot serve `want` (other teacher, data, taps) and verifying every shard. */
  static async open(dir: string, want?: CacheKeyParts): Promise<CacheReader> {
    const index = await readCacheIndex(dir);
    if (want) checkCacheFits(dir, index, want);
    else if (index.part) checkCacheFits(dir, index, index);
    await verifyShards(dir, index);
    const ids: Int32Array[] = [];
    for (const s of index.shards) {
      const fd = openSync(join(dir, s.file), 'r');
      const buf = Buffer.alloc(s.rows * 4);
      readSync(fd, buf, 0, buf.length, 0);
      closeSync(fd);
      ids.push(new Int32Array(buf.buffer, buf.byteOffset, s.rows));
    }
    if (ids.reduce((a, x) => a + x.length, 0) !== index.rows) throw new UserError(`--cache ${dir}: its shards hold fewer samples than the index's ${index.rows}; rebuild the cache (--rebuild-cache)`);
    return new CacheReader(dir, index, ids);
  }

  async tapShapes(taps: readonly string[]): Promise<Record<string, number[]>> {
    // A cache of views stores [views, ...shape] per entry; a batch gets one view's.
    return Object.fromEntries(taps.map((t) => [t, this.views ? this.entry(t).shape.slice(1) : this.entry(t).shape]));
  }

  private entry(tap: string) {
    const e = this.index.entries.find((x) => x.name === `tap:${tap}`);
    if (!e) throw new UserError(`--cache ${this.dir}: holds the taps [${this.index.taps.join(', ')}], not "${tap}"; rebuild it with --rebuild-cache`);
    return e;
  }

  private fd(shard: number): number {
    let fd = this.fds.get(shard);
    if (fd !== undefined) {
      this.fds.delete(shard); // re-insert: Map order is the LRU order
    } else {
      fd = openSync(join(this.dir, this.index.shards[shard]!.file), 'r');
      if (this.fds.size >= OPEN_SHARDS) {
        const [old, oldFd] = this.fds.entries().next().value as [number, number];
        closeSync(oldFd);
        this.fds.delete(old);
      }
    }
    this.fds.set(shard, fd);
    return fd;
  }

  /** Raw rows for `ids`, in order, as one buffer of ids.length × rowBytes. */
  readRows(ids: ArrayLike<number>): Buffer {
    const { rowBytes } = this.index;
    const out = Buffer.alloc(ids.length * rowBytes);
    const wanted = Array.from(ids, (id, i) => {
      const shard = id < this.shardOf.length ? this.shardOf[id]! : -1;
      if (shard < 0) throw new UserError(`--cache ${this.dir}: sample ${id} is not in the cache (the data differs from the one it was built for); rebuild it with --rebuild-cache`);
      return { i, shard, row: this.rowOf[id]! };
    }).sort((a, b) => a.shard - b.shard || a.row - b.row);
    for (let k = 0; k < wanted.length; ) {
      // A run of consecutive rows of one shard is one read.
      let end = k + 1;
      while (end < wanted.length && wanted[end]!.shard === wanted[k]!.shard && wanted[end]!.row === wanted[end - 1]!.row + 1) end++;
      const { shard, row } = wanted[k]!;
      const s = this.index.shards[shard]!;
      const run = Buffer.alloc((end - k) * rowBytes);
      const got = readSync(this.fd(shard), run, 0, run.length, s.rows * 4 + row * rowBytes);
      if (got !== run.length) throw new UserError(`--cache ${this.dir}: shard ${s.file} ended early; rebuild the cache (--rebuild-cache)`);
      for (let j = k; j < end; j++) run.copy(out, wanted[j]!.i * rowBytes, (j - k) * rowBytes, (j - k + 1) * rowBytes);
      k = end;
    }
    return out;
  }

  async forBatch(b: Batch, taps: readonly string[], view?: number): Promise<Outputs> {
    if (!b.index) throw new Error('teacher cache: the batch carries no sample indices');
    const views = this.views?.count;
    if (views !== undefined && (view === undefined || !Number.isInteger(view) || view < 0 || view >= views)) throw new Error(`teacher cache ${this.dir}: holds ${views} views per image; asked for view ${view}`);
    if (views === undefined && view !== undefined) throw new Error(`teacher cache ${this.dir}: holds no augmented views; asked for view ${view}`);
    const n = b.index.length;
    const rows = this.readRows(b.index);
    const { rowBytes } = this.index;
    const take = (k: number) => {
      const e = this.index.entries[k]!;
      const shape = views === undefined ? e.shape : e.shape.slice(1);
      const per = shape.reduce((a, x) => a * x, 1);
      // View v of a row sits v·per elements into its entry.
      const skip = views === undefined ? 0 : view! * per * DTYPE_BYTES[e.dtype];
      const vals = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        const at = rows.byteOffset + i * rowBytes + this.offsets[k]! + skip;
        if (e.dtype === 'float32') vals.set(new Float32Array(rows.buffer, at, per), i * per);
        else decodeHalves(new Uint16Array(rows.buffer, at, per), vals.subarray(i * per, (i + 1) * per));
      }
      return tf.tensor(vals, [n, ...shape]);
    };
    const features: Record<string, tf.Tensor> = {};
    for (const t of taps) {
      this.entry(t);
      features[t] = take(this.index.entries.findIndex((x) => x.name === `tap:${t}`));
    }
    return { logits: take(0), features };
  }

  dispose(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
