import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { readJsonFile } from '../config/load.js';
import { RUN_FILES } from './layout.js';
import { checkNotLocked } from './lock.js';
import { checkOutPath } from './out-path.js';

/** First path where two JSON values differ ("train.epochs: 3 ≠ 5"), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    return JSON.stringify(a) === JSON.stringify(b) ? undefined : `${path || '(root)'}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}

/**
 * Checks an output directory before a training run. Fresh runs need a missing or empty directory (or `force`);
 * resumed runs need one written by the same config (after `normalize`, which fills in defaults; the backend and the
 * teacher cache's use and place may change).
 */
export async function prepareRunDir(out: string, opts: { resume: boolean; force: boolean; config: unknown; flag: string; preserve?: string[]; normalize?: (saved: unknown) => unknown }): Promise<'fresh' | 'resume'> {
  await checkOutPath(out, opts.resume ? '--resume' : opts.flag);
  await checkNotLocked(out, opts.resume ? '--resume' : opts.flag);
  // A stale lock (its process gone) is no content: the run it guarded left nothing else, or it is judged below.
  const exists = existsSync(out) && readdirSync(out).some((e) => e !== RUN_FILES.lock && !opts.preserve?.includes(e));
  if (opts.resume) {
    if (!exists) throw new UserError(`--resume ${out}: no run there to resume (the directory is missing or empty); start one with --out ${out}`);
    if (existsSync(join(out, RUN_FILES.metrics))) throw new UserError(`--resume ${out}: this run already finished (metrics.json is written); start a new one with another --out`);
    // A config.json written before a field with a default existed compares equal once the defaults are filled in.
    const raw = await readJsonFile(join(out, RUN_FILES.config), 'run config.json');
    const saved = opts.normalize ? opts.normalize(raw) : raw;
    const diff = firstDifference(withoutBackend(saved), withoutBackend(opts.config));
    if (diff) throw new UserError(`--resume ${out}: the run's config differs from this command's (${diff}, the run's value first); resume without the flags that change it, or start a new run with another --out`);
    return 'resume';
  }
  if (exists && !opts.force) throw new UserError(`${opts.flag} ${out}: directory exists and is not empty; use --resume ${out} to continue it, --force to overwrite, or choose another ${opts.flag}`);
  return 'fresh';
}

/**
 * The backend may change between a run and its resumption (results then agree to float tolerance only), and so may
 * whether and where the teacher's outputs are cached (a float32 cache gives the live teacher's numbers).
 */
function withoutBackend(c: unknown): unknown {
  if (!c || typeof c !== 'object') return c;
  const copy = structuredClone(c) as { train?: { backend?: unknown }; cache?: { use?: unknown; dir?: unknown } };
  if (copy.train) delete copy.train.backend;
  if (copy.cache) {
    delete copy.cache.use;
    delete copy.cache.dir;
  }
  return copy;
}
