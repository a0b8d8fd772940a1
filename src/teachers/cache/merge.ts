import { copyFile, link } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { writeDirAtomic, writeJsonAtomic } from '../../core/files.js';
import { INDEX_FILE, partShards, type CacheIndex } from './format.js';
import { readCacheIndex, verifyShards } from './reader.js';

/**
 * Joins the slices of a cache computed with `--shard i/N` (one per job of a Kubernetes Indexed Job or Slurm array)
 * into one cache at `out`. Refuses slices of different caches, a missing or duplicate slice, and corrupt shards;
 * shard files are hard-linked when possible (same filesystem), else copied.
 */
export async function mergeCaches(parts: string[], out: string): Promise<CacheIndex> {
  if (parts.length === 0) throw new UserError('cache merge: no slices given; usage: edge-distill cache merge --out DIR SLICE_DIR...');
  if (existsSync(out) && readdirSync(out).length > 0) throw new UserError(`--out ${out}: exists and is not empty; choose a new directory for the merged cache`);
  const indexes: { dir: string; index: CacheIndex }[] = [];
  for (const dir of parts) {
    const index = await readCacheIndex(dir, 'cache merge: slice');
    if (!index.part) throw new UserError(`cache merge: ${dir} is a whole cache, not a slice made with --shard i/N`);
    indexes.push({ dir, index });
  }
  const first = indexes[0]!;
  const of = first.index.part!.of;
  for (const { dir, index } of indexes.slice(1)) {
    if (index.key !== first.index.key) throw new UserError(`cache merge: ${dir} and ${first.dir} are slices of different caches (other teacher, data, taps or dtype: keys ${index.key.slice(0, 12)}… and ${first.index.key.slice(0, 12)}…); compute every slice with the same command`);
    if (index.part!.of !== of || index.rowsPerShard !== first.index.rowsPerShard) throw new UserError(`cache merge: ${dir} is slice ${index.part!.index}/${index.part!.of} but ${first.dir} is ${first.index.part!.index}/${of}; every slice must use the same N`);
  }
  const byIndex = new Map<number, string>();
  for (const { dir, index } of indexes) {
    const i = index.part!.index;
    const seen = byIndex.get(i);
    if (seen) throw new UserError(`cache merge: slice ${i}/${of} is given twice (${seen} and ${dir}); pass each slice once`);
    byIndex.set(i, dir);
  }
  const missing = Array.from({ length: of }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new UserError(`cache merge: missing slice${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${of}`).join(', ')} (have ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')}); compute them with edge-distill cache --shard i/${of}, then merge again`);
  indexes.sort((a, b) => a.index.part!.index - b.index.part!.index);
  const shards: CacheIndex['shards'] = [];
  for (const { dir, index } of indexes) {
    const [from, to] = partShards(index.shardCount, index.part!.index, of);
    const got = index.shards.map((s) => s.first / index.rowsPerShard);
    if (got.length !== to - from || got.some((k, j) => k !== from + j)) throw new UserError(`cache merge: ${dir} does not hold the shards of slice ${index.part!.index}/${of} (a partial or edited slice); compute it again`);
    await verifyShards(dir, index, 'cache merge: slice');
    shards.push(...index.shards);
  }
  const merged: CacheIndex = { ...first.index, shards, part: null, seconds: indexes.reduce((a, x) => a + x.index.seconds, 0) };
  await writeDirAtomic(out, async (staging) => {
    for (const { dir, index } of indexes) {
      for (const s of index.shards) await link(join(dir, s.file), join(staging, s.file)).catch(() => copyFile(join(dir, s.file), join(staging, s.file)));
    }
    await writeJsonAtomic(join(staging, INDEX_FILE), merged);
  });
  return merged;
}
