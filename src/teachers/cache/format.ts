/**
 * The teacher cache on disk: `index.json` plus shard files `shard-NNNNN.bin`. A shard holds `rows` int32 sample
 * indices (the dataset's, as in Batch.index), then `rows` fixed-size rows; a row holds the teacher's logits
 * (float32) followed by each tapped feature (float32 or float16, NHWC, flattened). Every shard's size and sha256 are
 * in the index. A slice computed with `--shard i/N` has `part: {index: i, of: N}` and only its shards; `cache
 * merge` joins the slices into one cache with `part: null`.
 */
import { z } from 'zod';
import { CACHE_DTYPES } from '../../config/schema.js';

export const CACHE_FORMAT = 'edge-distill-teacher-cache';
export const INDEX_FILE = 'index.json';
/** Default shard size: large enough for sequential reads, small enough to fan out and re-compute. */
/** Teacher batch size while a cache is built. */
export const DEFAULT_CACHE_BATCH_SIZE = 256;
export const DEFAULT_SHARD_BYTES = 32 * 1024 * 1024;

/** File name of global shard `k`. */
export function shardFile(k: number): string {
  return `shard-${String(k).padStart(5, '0')}.bin`;
}

const Int = z.number().int().nonnegative();

/** One stored tensor of a row: the logits, or a tap (`tap:NAME`). */
export const CacheEntry = z.object({ name: z.string(), shape: z.array(z.number().int().positive()), dtype: z.enum(CACHE_DTYPES) }).strict();

export const CacheShard = z.object({ file: z.string(), first: Int, rows: Int, bytes: Int, sha256: z.string().length(64) }).strict();

/**
 * The augmented views a cache holds (`--teacher-views K`): every row stores the teacher's outputs on `count` views of
 * its image, view k made by `ops` (resolved, every parameter) seeded by viewSeed(seed, image, k)
 * (src/data/augment/). Each entry's shape then starts with `count`.
 */
export const CacheViews = z.object({ ops: z.array(z.object({ op: z.string() }).catchall(z.unknown())), seed: z.number().int(), count: z.number().int().positive() }).strict();
export type CacheViews = z.infer<typeof CacheViews>;

/** What the cached values depend on; two caches with equal keys hold the same numbers. */
export const CacheKeyParts = z
  .object({
    teacher: z.object({ path: z.string(), kind: z.string(), sha256: z.string(), options: z.record(z.string(), z.unknown()) }).strict(),
    data: z.object({ name: z.string(), fingerprint: z.string(), split: z.literal('train'), size: Int }).strict(),
    taps: z.array(z.string()),
    featureDtype: z.enum(CACHE_DTYPES),
    /** false: the outputs of the stored (un-augmented) images; else the augmented views of each (see CacheViews). */
    augmentation: z.union([z.literal(false), CacheViews]),
  })
  .strict();
export type CacheKeyParts = z.infer<typeof CacheKeyParts>;

export const CacheIndex = z
  .object({
    format: z.literal(CACHE_FORMAT),
    version: z.literal(1),
    /** sha256 of the key parts (teacher file hash and options, data fingerprint, taps, feature dtype, views). */
    key: z.string(),
    ...CacheKeyParts.shape,
    entries: z.array(CacheEntry),
    rowBytes: z.number().int().positive(),
    rowsPerShard: z.number().int().positive(),
    /** Rows of the whole cache (all parts). */
    rows: Int,
    /** Number of shards of the whole cache (all parts). */
    shardCount: Int,
    shards: z.array(CacheShard),
    part: z.object({ index: Int, of: z.number().int().positive() }).strict().nullable(),
    createdBy: z.string(),
    seconds: z.number().nonnegative(),
  })
  .strict();
export type CacheIndex = z.infer<typeof CacheIndex>;
export type CacheEntry = z.infer<typeof CacheEntry>;

/** The views a cache's rows hold per image: 1 without augmentation. */
export const viewCount = (p: Pick<CacheKeyParts, 'augmentation'>): number => (p.augmentation === false ? 1 : p.augmentation.count);

/** Bytes one element of `dtype` takes. */
export const DTYPE_BYTES = { float32: 4, float16: 2 } as const;

/** Byte offset of each entry in a row, and the row size (padded to 4 bytes so float32 views stay aligned). */
export function rowLayout(entries: CacheEntry[]): { offsets: number[]; rowBytes: number } {
  const offsets: number[] = [];
  let off = 0;
  for (const e of entries) {
    off = Math.ceil(off / DTYPE_BYTES[e.dtype]) * DTYPE_BYTES[e.dtype];
    offsets.push(off);
    off += e.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype];
  }
  return { offsets, rowBytes: Math.max(4, Math.ceil(off / 4) * 4) };
}

/** The global shard range [from, to) that slice `index` of `of` computes (contiguous, as even as shards allow). */
export function partShards(shardCount: number, index: number, of: number): [number, number] {
  return [Math.floor((index * shardCount) / of), Math.floor(((index + 1) * shardCount) / of)];
}
