import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { Dataset } from '../../core/types.js';
import type { Logger } from '../../core/progress.js';
import type { DistillConfig } from '../../config/schema.js';
import type { ModelTeacher } from '../model-teacher.js';
import type { TeacherOutputs } from '../outputs.js';
import { buildCache } from './build.js';
import { CacheReader, checkCacheFits, readCacheIndex } from './reader.js';
import { cacheKeyParts } from './key.js';
import { INDEX_FILE, type CacheViews } from './format.js';
import { runPaths } from '../../run-dir/layout.js';

export { buildCache, type BuildCacheOptions } from './build.js';
export { CacheReader, readCacheIndex } from './reader.js';
export { mergeCaches } from './merge.js';
export { CacheIndex, CacheViews } from './format.js';


/** Where a run's cache lives: the configured dir, or RUN/teacher-cache. */
export function cacheDirFor(c: DistillConfig, out: string): { dir: string; shared: boolean } {
  return c.cache.dir ? { dir: c.cache.dir, shared: true } : { dir: runPaths(out).teacherCache, shared: false };
}

/** Whether a run uses the cache, and why (for the log). */
export function cacheDecision(c: DistillConfig, data: Dataset, needsTeacher: boolean): { use: boolean; why: string } {
  if (!needsTeacher) return { use: false, why: 'the loss does not read the teacher' };
  if (c.cache.use === 'off') return { use: false, why: 'off (--no-cache)' };
  if (c.cache.use === 'on') return { use: true, why: 'on' };
  const size = data.size('train');
  // A recipe search trains many students (trials, then finals); --candidates K trains K.
  if (c.tune) return { use: true, why: 'the recipe search trains many students on the same teacher outputs' };
  const passes = (c.student.candidates ?? 1) * c.train.epochs * Math.min(size, c.data.trainLimit ?? Infinity);
  return passes > size
    ? { use: true, why: `training runs the teacher over ${passes} samples, the cache over ${size} once` }
    : { use: false, why: `training runs the teacher over ${passes} samples, fewer than the ${size} a cache would compute (--cache DIR to force)` };
}

/**
 * The augmented views a run's cache holds: with `cache.views` K > 0 and augmentation, K views of the run's ops seeded
 * by its seed; none otherwise.
 */
export function runCacheViews(c: DistillConfig): CacheViews | undefined {
  return c.cache.views > 0 && c.train.augment.length > 0 ? { ops: c.train.augment, seed: c.train.seed, count: c.cache.views } : undefined;
}

/**
 * Refuses, before anything is written, an existing cache directory that cannot serve this run (another teacher,
 * data, options, taps or views), unless `rebuild` is set.
 */
export async function precheckCache(dir: string, teacher: ModelTeacher, data: Dataset, taps: readonly string[], c: DistillConfig, rebuild: boolean): Promise<void> {
  if (rebuild || !existsSync(dir) || readdirSync(dir).length === 0) return;
  const index = await readCacheIndex(dir);
  checkCacheFits(dir, index, await cacheKeyParts(teacher, data, taps, c.cache.dtype, runCacheViews(c)));
}

export interface RunCacheOptions {
  config: DistillConfig;
  teacher: ModelTeacher;
  data: Dataset;
  taps: readonly string[];
  dir: string;
  rebuild: boolean;
  log: Logger;
  quiet: boolean;
}

/**
 * The cache a run trains from: reused when it fits, rebuilt with `rebuild`, built when missing. A directory holding
 * something else is refused.
 */
export async function openRunCache(o: RunCacheOptions): Promise<TeacherOutputs> {
  const views = runCacheViews(o.config);
  const want = await cacheKeyParts(o.teacher, o.data, o.taps, o.config.cache.dtype, views);
  const has = existsSync(join(o.dir, INDEX_FILE));
  if (!has && existsSync(o.dir) && readdirSync(o.dir).length > 0) {
    throw new UserError(`--cache ${o.dir}: exists, is not empty and is not a teacher cache (no ${INDEX_FILE}); choose another directory`);
  }
  if (has && !o.rebuild) {
    const r = await CacheReader.open(o.dir, want);
    o.log.info(`teacher outputs: reusing ${r.description}`);
    return r;
  }
  if (has) await rm(o.dir, { recursive: true, force: true });
  try {
    await buildCache({ teacher: o.teacher, data: o.data, taps: o.taps, featureDtype: o.config.cache.dtype, out: o.dir, views, log: o.log, quiet: o.quiet });
  } catch (e) {
    // Runs sharing a --cache DIR may build it at the same time: the first rename wins and the others use its cache.
    if (!existsSync(join(o.dir, INDEX_FILE))) throw e;
    o.log.info(`teacher cache: another process finished ${o.dir} first; using it`);
  }
  const r = await CacheReader.open(o.dir, want);
  o.log.info(`teacher outputs: ${r.description}`);
  return r;
}
