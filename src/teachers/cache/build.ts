import { replaceDirSafely } from '../../core/dir-swap.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import type { Dataset } from '../../core/types.js';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from '../../core/files.js';
import { createProgress, type Logger } from '../../core/progress.js';
import type { ModelTeacher } from '../model-teacher.js';
import { liveTeacherOutputs } from '../outputs.js';
import { encodeHalves } from '../../core/float16.js';
import { cacheKey, cacheKeyParts } from './key.js';
import { CACHE_FORMAT, DEFAULT_CACHE_BATCH_SIZE, DEFAULT_SHARD_BYTES, INDEX_FILE, partShards, rowLayout, shardFile, viewCount, type CacheEntry, type CacheIndex, type CacheViews } from './format.js';
import { buildAugment, type AugmentPipeline } from '../../data/augment/index.js';

export interface BuildCacheOptions {
  teacher: ModelTeacher;
  data: Dataset;
  /** Teacher taps to store besides the logits. */
  taps: readonly string[];
  featureDtype?: 'float32' | 'float16';
  /** Directory to create (must not exist, or be empty, unless `replace`). */
  out: string;
  /** Replace an existing `out` once the new cache is complete (a re-run slice), never leaving a mix of the two. */
  replace?: boolean;
  /** Compute only slice `index` of `of` (a contiguous range of shards), for fan-out; join with mergeCaches. */
  part?: { index: number; of: number };
  /** Teacher batch size (default {@link DEFAULT_CACHE_BATCH_SIZE}). */
  batchSize?: number;
  /** Target shard size in bytes (default 32 MiB). */
  shardBytes?: number;
  /**
   * Store the teacher's outputs on `count` augmented views of each image instead of on the image (FKD-style,
   * `--teacher-views K`): view k of image i is `ops` seeded by viewSeed(seed, i, k). Ops that mix images are refused.
   */
  views?: CacheViews | undefined;
  log?: Logger;
  quiet?: boolean;
}

/** The teacher's logits and taps on `x`, as flat arrays (logits first, then `taps` in order). */
async function teacherValues(teacher: ModelTeacher, x: tf.Tensor4D, taps: readonly string[]): Promise<Float32Array[]> {
  const out = await teacher.forward(x, taps);
  const values = [await out.logits.data(), ...(await Promise.all(taps.map((t) => out.features[t]!.data())))] as Float32Array[];
  tf.dispose([out.logits, ...Object.values(out.features)]);
  return values;
}

/**
 * The teacher's outputs on every view of each image of `x`, as flat arrays laid out [image, view, ...] (one per
 * entry, logits first), so row i holds its views one after another.
 */
async function viewValues(teacher: ModelTeacher, augment: AugmentPipeline, x: tf.Tensor4D, images: ArrayLike<number>, views: CacheViews, taps: readonly string[]): Promise<Float32Array[]> {
  const n = x.shape[0];
  const byView: Float32Array[][] = [];
  for (let k = 0; k < views.count; k++) {
    const xk = augment.applyViews(tf, x, images, k, views.seed);
    byView.push(await teacherValues(teacher, xk, taps));
    xk.dispose();
  }
  return byView[0]!.map((first, e) => {
    const per = first.length / n;
    const out = new Float32Array(n * views.count * per);
    for (let i = 0; i < n; i++) for (let k = 0; k < views.count; k++) out.set(byView[k]![e]!.subarray(i * per, (i + 1) * per), (i * views.count + k) * per);
    return out;
  });
}

/**
 * Runs the teacher once over the training split (or a slice of it) and writes its logits and taps as a teacher
 * cache (see ./format.ts), built in a staging directory and renamed into place, so `out` is never half-written.
 * Only one shard is held in memory at a time. With `views`, the teacher runs once per view of each image instead.
 */
export async function buildCache(o: BuildCacheOptions): Promise<CacheIndex> {
  const t0 = performance.now();
  const featureDtype = o.featureDtype ?? 'float32';
  const taps = [...new Set(o.taps)].sort();
  const parts = await cacheKeyParts(o.teacher, o.data, taps, featureDtype, o.views);
  const shapes = await liveTeacherOutputs(o.teacher).tapShapes(taps);
  const views = viewCount(parts);
  const augment = o.views ? buildAugment(o.views.ops) : undefined;
  // With views every entry holds one value per view: its shape starts with the view count.
  const lead = o.views ? [views] : [];
  const entries: CacheEntry[] = [
    { name: 'logits', shape: [...lead, o.teacher.numClasses], dtype: 'float32' },
    ...taps.map((t) => ({ name: `tap:${t}`, shape: [...lead, ...shapes[t]!], dtype: featureDtype })),
  ];
  const { offsets, rowBytes } = rowLayout(entries);
  const rows = o.data.size('train');
  if (rows === 0) throw new UserError(`teacher cache: ${o.data.name} has no training samples to cache`);
  const rowsPerShard = Math.max(1, Math.floor((o.shardBytes ?? DEFAULT_SHARD_BYTES) / rowBytes));
  const shardCount = Math.ceil(rows / rowsPerShard);
  const part = o.part ?? null;
  if (part && (part.of < 1 || part.index < 0 || part.index >= part.of)) throw new UserError(`--shard ${part.index}/${part.of}: expected i/N with 0 ≤ i < N`);
  const [fromShard, toShard] = part ? partShards(shardCount, part.index, part.of) : [0, shardCount];
  const firstRow = fromShard * rowsPerShard;
  const endRow = Math.min(rows, toShard * rowsPerShard);
  const batchSize = o.batchSize ?? DEFAULT_CACHE_BATCH_SIZE;
  const bar = createProgress({ label: `teacher cache${part ? ` ${part.index}/${part.of}` : ''}`, total: Math.max(0, endRow - firstRow), unit: 'samples', quiet: o.quiet ?? false });
  o.log?.info(`teacher cache: ${endRow - firstRow} of ${rows} training samples${o.views ? ` × ${views} augmented views` : ''} → ${o.out} (${toShard - fromShard} of ${shardCount} shards, ${rowBytes} bytes a sample, taps [${taps.join(', ')}]${taps.length ? `, ${featureDtype} features` : ''})`);

  const index: CacheIndex = await (o.replace ? replaceDirSafely : writeDirAtomic)(o.out, async (dir) => {
    const shards: CacheIndex['shards'] = [];
    let shard = fromShard;
    let buf = new Uint8Array(0);
    let ids = new Int32Array(0);
    let filled = 0;
    const startShard = (k: number) => {
      const n = Math.min(rowsPerShard, rows - k * rowsPerShard);
      ids = new Int32Array(n);
      buf = new Uint8Array(n * 4 + n * rowBytes);
      filled = 0;
    };
    const flush = async () => {
      buf.set(new Uint8Array(ids.buffer), 0);
      await writeFileAtomic(join(dir, shardFile(shard)), buf);
      shards.push({ file: shardFile(shard), first: shard * rowsPerShard, rows: ids.length, bytes: buf.byteLength, sha256: createHash('sha256').update(buf).digest('hex') });
      shard++;
    };
    if (fromShard < toShard) startShard(fromShard);
    for await (const b of o.data.batches('train', batchSize, { offset: firstRow, limit: endRow })) {
      const n = b.index!.length;
      const values = augment ? await viewValues(o.teacher, augment, b.x, b.index!, o.views!, taps) : await teacherValues(o.teacher, b.x, taps);
      tf.dispose([b.x, b.y]);
      for (let i = 0; i < n; i++) {
        if (shard >= toShard) throw new Error(`teacher cache: ${o.data.name} yielded more than the ${endRow - firstRow} samples asked for (does its batches() honour offset and limit?)`);
        const base = ids.length * 4 + filled * rowBytes;
        ids[filled] = b.index![i]!;
        entries.forEach((e, k) => {
          const per = e.shape.reduce((a, x) => a * x, 1);
          const src = values[k]!.subarray(i * per, (i + 1) * per);
          const at = buf.byteOffset + base + offsets[k]!;
          if (e.dtype === 'float32') new Float32Array(buf.buffer, at, per).set(src);
          else encodeHalves(src, new Uint16Array(buf.buffer, at, per));
        });
        if (++filled === ids.length) {
          await flush();
          if (shard < toShard) startShard(shard);
        }
      }
      bar.tick(n);
    }
    if (shards.length !== toShard - fromShard) throw new Error(`teacher cache: wrote ${shards.length} shards, expected ${toShard - fromShard}`);
    const idx: CacheIndex = {
      format: CACHE_FORMAT,
      version: 1,
      key: cacheKey(parts),
      ...parts,
      entries,
      rowBytes,
      rowsPerShard,
      rows,
      shardCount,
      shards,
      part,
      createdBy: 'edge-distill',
      seconds: (performance.now() - t0) / 1000,
    };
    await writeJsonAtomic(join(dir, INDEX_FILE), idx);
    return idx;
  });
  bar.done(`${index.seconds.toFixed(1)}s`);
  return index;
}
