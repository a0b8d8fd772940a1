import { copyFile, link } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { writeDirAtomic, writeJsonAtomic } from '../../core/files.js';
import { INDEX_FILE, partShards, type CacheIndex } from './format.js';
import { readCacheIndex, shardProblem } from './reader.js';

interface Slice {
  dir: string;
  index: CacheIndex;
}

/**
 * What a slice's index says about the whole cache: everything but the fields that belong to the slice itself (its
 * shards, its place, its time) and the teacher's path (left out of the key too: a teacher mounted elsewhere is the
 * same teacher). Fields added to the index later (say, augmentation settings) are compared without a change here.
 */
export function sliceMeta(index: CacheIndex): Record<string, unknown> {
  const { shards: _s, part, seconds: _t, createdBy: _c, teacher, ...rest } = index;
  const { path: _p, ...teacherRest } = teacher;
  return { ...rest, teacher: teacherRest, part: { of: part?.of } };
}

/** Canonical JSON (object keys sorted) so that field order does not matter. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/** The dotted paths where `a` and `b` differ, with both values (long ones cut), e.g. `teacher.sha256 4f1c…≠9e0b…`. */
export function metaDifferences(a: unknown, b: unknown, path = ''): string[] {
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => metaDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  if (canonical(a) === canonical(b)) return [];
  const show = (x: unknown) => {
    const s = canonical(x);
    if (s.length <= 24) return s;
    return Array.isArray(x) ? `[${x.length} item${x.length === 1 ? '' : 's'}]` : `${s.slice(0, 14)}…`;
  };
  return [`${path || 'index'} ${show(a)} ≠ ${show(b)}`];
}

/** What the cached numbers depend on comes first; the key itself (a hash of those) only when nothing else differs. */
function describeDifferences(diff: string[]): string[] {
  const first = ['teacher', 'data', 'taps', 'featureDtype'];
  const rank = (d: string) => {
    const i = first.indexOf(d.split(/[. ]/)[0]!);
    return i < 0 ? first.length : i;
  };
  const shown = diff.length > 1 ? diff.filter((d) => !d.startsWith('key ')) : diff;
  return shown.map((d, i) => [rank(d), i, d] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , d]) => d);
}

/**
 * Joins the slices of a cache computed with `--shard i/N` (one per task of a Slurm array or Kubernetes Indexed Job)
 * into one cache at `out`, identical to the cache one `edge-distill cache` run writes (but for the time taken).
 * Refuses, in one message, every slice that is missing, given twice, from another cache (another teacher, data,
 * taps, dtype, N, shard size or any other field of the index: which ones are named) or with a missing or corrupt
 * shard, and says which indexes to re-run. Shard files are hard-linked when possible (same filesystem), else copied.
 */
export async function mergeCaches(parts: string[], out: string): Promise<CacheIndex> {
  if (parts.length === 0) throw new UserError('cache merge: no slices given; usage: edge-distill cache merge --out DIR SLICE_DIR...');
  if (existsSync(out) && readdirSync(out).length > 0) throw new UserError(`--out ${out}: exists and is not empty; choose a new directory for the merged cache`);
  const slices: Slice[] = [];
  for (const dir of parts) {
    const index = await readCacheIndex(dir, 'cache merge: slice');
    if (!index.part) throw new UserError(`cache merge: ${dir} is a whole cache, not a slice made with --shard i/N`);
    slices.push({ dir, index });
  }
  // The cache being merged is the one most slices belong to (the first given on a tie); the others are foreign.
  const groups = new Map<string, Slice[]>();
  for (const s of slices) {
    const k = canonical(sliceMeta(s.index));
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const main = [...groups.values()].reduce((best, g) => (g.length > best.length ? g : best));
  const ref = main[0]!.index;
  const of = ref.part!.of;
  const problems: string[] = [];
  const rerun = new Set<number>();
  for (const s of slices.filter((x) => !main.includes(x))) {
    const diff = describeDifferences(metaDifferences(sliceMeta(s.index), sliceMeta(ref)));
    problems.push(`${s.dir} (slice ${s.index.part!.index}/${s.index.part!.of}) is from another cache than ${main.length === 1 ? main[0]!.dir : `the other ${main.length} slices`}: ${diff.slice(0, 3).join(', ')}${diff.length > 3 ? ` and ${diff.length - 3} more` : ''}`);
    if (s.index.part!.index < of) rerun.add(s.index.part!.index);
  }
  const byIndex = new Map<number, Slice>();
  for (const s of main) {
    const i = s.index.part!.index;
    const seen = byIndex.get(i);
    if (seen) problems.push(`slice ${i}/${of} is given twice (${seen.dir} and ${s.dir}); pass each slice once`);
    else byIndex.set(i, s);
  }
  for (const [i, s] of byIndex) {
    const [from, to] = partShards(s.index.shardCount, i, of);
    const got = s.index.shards.map((x) => x.first / s.index.rowsPerShard);
    const problem = got.length !== to - from || got.some((k, j) => k !== from + j) ? 'does not hold the shards of its slice (a partial or edited slice)' : await shardProblem(s.dir, s.index);
    if (problem) {
      problems.push(`${s.dir} (slice ${i}/${of}): ${problem}`);
      rerun.add(i);
    }
  }
  const missing = Array.from({ length: of }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    problems.push(`missing slice${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${of}`).join(', ')} (have ${[...byIndex.keys()].sort((a, b) => a - b).join(', ') || 'none'})`);
    missing.forEach((i) => rerun.add(i));
  }
  if (problems.length) {
    const r = [...rerun].sort((a, b) => a - b);
    const todo = r.length ? `; re-run index${r.length > 1 ? 'es' : ''} ${r.join(',')} (edge-distill cache --shard i/${of} with the same flags; on Slurm: sbatch --array=${r.join(',')} on the planned array script), then merge again` : '';
    throw new UserError(`cache merge: ${problems.join('; ')}${todo}`);
  }
  const ordered = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  const merged: CacheIndex = { ...ordered[0]!.index, shards: ordered.flatMap((s) => s.index.shards), part: null, seconds: ordered.reduce((a, s) => a + s.index.seconds, 0) };
  await writeDirAtomic(out, async (staging) => {
    for (const { dir, index } of ordered) {
      for (const s of index.shards) await link(join(dir, s.file), join(staging, s.file)).catch(() => copyFile(join(dir, s.file), join(staging, s.file)));
    }
    await writeJsonAtomic(join(staging, INDEX_FILE), merged);
  });
  return merged;
}
