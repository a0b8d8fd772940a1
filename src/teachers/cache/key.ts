import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Dataset } from '../../core/types.js';
import type { ModelTeacher } from '../model-teacher.js';
import type { CacheKeyParts, CacheViews } from './format.js';
import type { AugmentOpConfig } from '../../config/schema.js';
import { augmentSpec } from '../../data/augment/index.js';

/** sha256 (hex) of a file's bytes, streamed. */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** sha256 over the teacher's files (model.json and shards, or the .onnx), in order. */
export async function hashFiles(files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(`${await hashFile(f)}\n`);
  return h.digest('hex');
}

// Hashing a large teacher takes a while; a run asks for its key more than once.
const fileHashes = new WeakMap<ModelTeacher, Promise<string>>();

/** What a teacher's cached outputs depend on: its files and every option that changes the numbers it produces. */
export async function teacherKeyParts(teacher: ModelTeacher): Promise<CacheKeyParts['teacher']> {
  const { layout, output, inputShape, config } = teacher;
  if (!fileHashes.has(teacher)) fileHashes.set(teacher, hashFiles(teacher.files));
  return {
    path: teacher.id,
    kind: teacher.model.kind,
    sha256: await fileHashes.get(teacher)!,
    options: { layout, output, outputs: teacher.outputKind.kind, inputShape, preprocess: config.preprocess },
  };
}

/**
 * The key parts of a cache of `teacher` over `data`'s train split with `taps`; with `views`, of the teacher's outputs
 * on those augmented views of every image instead of on the images themselves.
 */
export async function cacheKeyParts(teacher: ModelTeacher, data: Dataset, taps: readonly string[], featureDtype: CacheKeyParts['featureDtype'], views?: CacheViews): Promise<CacheKeyParts> {
  return {
    teacher: await teacherKeyParts(teacher),
    data: { name: data.name, fingerprint: data.fingerprint(), split: 'train', size: data.size('train') },
    taps: [...new Set(taps)].sort(),
    featureDtype,
    augmentation: views ? { ops: views.ops, seed: views.seed, count: views.count } : false,
  };
}

/**
 * The cache key: sha256 of the canonical JSON of the parts (the teacher's path is left out: a moved file is the same
 * teacher; `augmentation: false` too, so a cache of un-augmented outputs keeps the key it had before views existed).
 */
export function cacheKey(p: CacheKeyParts): string {
  const { path: _path, ...teacher } = p.teacher;
  const { augmentation, ...rest } = p;
  return createHash('sha256').update(JSON.stringify({ ...rest, teacher, ...(augmentation === false ? {} : { augmentation }) })).digest('hex');
}

/** The views of a key in words, for errors. */
const viewsText = (a: CacheKeyParts['augmentation']) => (a === false ? 'the un-augmented images' : `${a.count} augmented views of each image (--augment ${augmentSpec(a.ops as AugmentOpConfig[])}, seed ${a.seed})`);

/**
 * Why a cache built with `have` cannot serve a run that needs `want`, or undefined when it can (a cache holding
 * more taps than needed serves; the feature dtype matters only when taps are read).
 */
export function keyMismatch(have: CacheKeyParts, want: CacheKeyParts): string | undefined {
  const short = (s: string) => s.slice(0, 12);
  if (have.teacher.sha256 !== want.teacher.sha256) return `it was built for another teacher (files sha256 ${short(have.teacher.sha256)}… of ${have.teacher.path}; now ${short(want.teacher.sha256)}… of ${want.teacher.path}): the teacher file changed`;
  if (have.teacher.kind !== want.teacher.kind) return `it was built from a ${have.teacher.kind} teacher, not ${want.teacher.kind}`;
  const ho = JSON.stringify(have.teacher.options);
  const wo = JSON.stringify(want.teacher.options);
  if (ho !== wo) return `it was built with other teacher options (${ho}; now ${wo})`;
  if (have.data.fingerprint !== want.data.fingerprint || have.data.size !== want.data.size) return `it was built for other data (${have.data.name}, fingerprint ${have.data.fingerprint}, ${have.data.size} training samples; now ${want.data.name}, fingerprint ${want.data.fingerprint}, ${want.data.size})`;
  const missing = want.taps.filter((t) => !have.taps.includes(t));
  if (missing.length) return `it holds the taps [${have.taps.join(', ')}] but the loss needs [${want.taps.join(', ')}] (missing ${missing.join(', ')})`;
  // Compared whole: outputs on other views (or on none) would be the teacher's answers to other images.
  if (JSON.stringify(have.augmentation) !== JSON.stringify(want.augmentation)) return `it holds the teacher's outputs on ${viewsText(have.augmentation)}, but this run needs them on ${viewsText(want.augmentation)}`;
  if (want.taps.length > 0 && have.featureDtype !== want.featureDtype) return `it stores ${have.featureDtype} features, but ${want.featureDtype} were asked (--cache-dtype)`;
  return undefined;
}
