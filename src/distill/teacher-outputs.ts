/** Where the student's teacher targets come from during training: a teacher cache, or the teacher run live. */
import { UserError } from '../core/errors.js';
import type { Dataset } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import type { DistillConfig } from '../config/schema.js';
import type { ModelTeacher } from '../teachers/index.js';
import type { TeacherOutputs } from '../teachers/outputs.js';
import { cacheDecision, cacheDirFor, openRunCache, precheckCache } from '../teachers/cache/index.js';
import { augmentOps } from '../data/augment/index.js';

/** The teacher cache a run will use (decided and checked before anything is written). */
export interface TeacherOutputPlan {
  /** Cache the outputs (true) or run the teacher live (false). */
  use: boolean;
  why: string;
  dir: string;
  /** A `--cache DIR` other runs share (kept when the run ends), as opposed to RUN/teacher-cache. */
  shared: boolean;
  taps: string[];
}

/**
 * Decides whether the run caches the teacher's outputs, and checks an existing cache (a shared one, or a resumed
 * run's) against this teacher, data, taps and views, so a mismatch stops the run before its directory is touched.
 * With augmentation the teacher runs live, and a cache asked for explicitly (`--cache DIR`, cache.use `on`) is
 * refused, unless `--teacher-views K` caches K augmented views of each image.
 */
export async function planTeacherOutputs(o: { c: DistillConfig; teacher: ModelTeacher; data: Dataset; out: string; lossTaps: string[]; needsTeacher: boolean; resume: boolean; rebuild: boolean }): Promise<TeacherOutputPlan> {
  // Tuning tries recipes whose feature term taps the teacher's `penultimate` (when it has one): cache that too.
  const taps = o.c.tune && o.teacher.tapNames().includes('penultimate') ? [...new Set([...o.lossTaps, 'penultimate'])] : o.lossTaps;
  const readsTeacher = o.needsTeacher || Boolean(o.c.tune);
  // Augmented batches are new images every step, and the teacher must see each one: a cache holds the stored images'.
  const augmented = readsTeacher && o.c.train.augment.length > 0;
  const views = o.c.cache.views;
  if (views > 0) checkViewSettings(o.c);
  if (augmented && views === 0 && o.c.cache.use === 'on') {
    throw new UserError(`--cache${o.c.cache.dir ? ` ${o.c.cache.dir}` : ''}: a teacher cache holds the teacher's outputs for the stored images, but --augment gives teacher and student new images every step; drop --cache (the teacher then runs live on each augmented batch), cache K augmented views with --teacher-views K, or drop --augment`);
  }
  const decision = !augmented
    ? cacheDecision(o.c, o.data, readsTeacher)
    : views > 0
      ? { use: true, why: `--teacher-views ${views}: the teacher's outputs on ${views} augmented views of each image, built once; epoch e trains on view e mod ${views}` }
      : { use: false, why: 'off: --augment makes new images every step, so the teacher runs on each augmented batch (--teacher-views K caches K views instead)' };
  const { dir, shared } = cacheDirFor(o.c, o.out);
  if (decision.use) {
    // A fresh run starts from an empty directory, so only a shared cache or a resumed run's can be there already.
    if (shared || o.resume) await precheckCache(dir, o.teacher, o.data, taps, o.c, o.rebuild);
  }
  return { ...decision, dir, shared, taps };
}

/**
 * Refuses `--teacher-views K` where views cannot be cached: without augmentation (there is nothing to vary), with an
 * op that mixes images in pairs (a pair is chosen per batch, so one image's view does not exist), or with the cache
 * turned off.
 */
export function checkViewSettings(c: DistillConfig): void {
  const k = c.cache.views;
  if (c.train.augment.length === 0) throw new UserError(`--teacher-views ${k}: caches the teacher's outputs on augmented views of each image, but the run has no --augment; give --augment (e.g. crop,flip) or drop --teacher-views`);
  const mixing = c.train.augment.find((a) => augmentOps.get(a.op).mixes)?.op;
  if (mixing) throw new UserError(`--teacher-views ${k}: --augment ${mixing} mixes images in pairs chosen per batch, so a view of one image cannot be stored and replayed; drop ${mixing} from --augment, or drop --teacher-views (the teacher then runs live)`);
  if (c.cache.use === 'off') throw new UserError(`--teacher-views ${k} and --no-cache disagree: the views live in a teacher cache; give one`);
}

/** Opens (building it when needed) the planned cache, or undefined when the teacher runs live. */
export async function openTeacherOutputs(plan: TeacherOutputPlan, o: { c: DistillConfig; teacher: ModelTeacher; data: Dataset; rebuild: boolean; log: Logger; quiet: boolean }): Promise<TeacherOutputs | undefined> {
  if (!plan.use) {
    o.log.info(`teacher outputs: live (cache ${plan.why})`);
    return undefined;
  }
  return openRunCache({ config: o.c, teacher: o.teacher, data: o.data, taps: plan.taps, dir: plan.dir, rebuild: o.rebuild, log: o.log, quiet: o.quiet });
}
