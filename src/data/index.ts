import { existsSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { Dataset } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import type { DataSpec } from '../config/schema.js';
import { loadEmbeddedMnist } from './mnist.js';
import { loadIdxDir } from './idx.js';
import { ImageFolderDataset, type ImageFolderOptions, type UnlabeledOptions } from './image-folder.js';
import { isPartsSpec } from './folder-layout.js';
import { openUnlabeled } from './unlabeled.js';

export { ImageFolderDataset, type ImageFolderOptions, type UnlabeledOptions } from './image-folder.js';
export { openUnlabeled } from './unlabeled.js';
export type { DecodeReport } from './decode-cache.js';

export interface OpenDatasetOptions extends Partial<Omit<ImageFolderOptions, 'inputShape'>> {
  seed?: number;
  /** For image folders: [h, w, c] to resize to (usually the teacher's input). Default: the images' own size. */
  inputShape?: number[];
  /** Unlabeled folders: the held-out fraction (default 0.1). */
  heldOutFrac?: number;
}

const EXPECTED = '"mnist", "idx:DIR", an image folder (one sub-folder per class, or train/ and test/ folders of them), train=DIR,test=DIR[,val=DIR] or unlabeled:DIR';

/**
 * Opens a dataset from a `--data` spec: `mnist` (embedded), `idx:DIR` (MNIST-format IDX files), an image folder
 * (class sub-folders, or train/ test/ [val/] folders of them), `train=DIR,test=DIR[,val=DIR]`, or `unlabeled:DIR`
 * (images without classes; see openUnlabeled). A directory holding IDX files is detected without the `idx:` prefix.
 * Image-folder options (shape, resize, decode cache, strict) are ignored by mnist and IDX data.
 */
export async function openDataset(spec: string, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  if (spec === 'mnist') return loadEmbeddedMnist(opts.seed === undefined ? {} : { seed: opts.seed });
  if (spec.startsWith('idx:')) return loadIdxDir(spec.slice(4), opts.seed === undefined ? {} : { seed: opts.seed });
  const folder: UnlabeledOptions = opts;
  if (spec.startsWith('unlabeled:')) return openUnlabeled(spec.slice('unlabeled:'.length), folder);
  if (isPartsSpec(spec)) return ImageFolderDataset.open(spec, folder);
  if (!existsSync(spec)) throw new UserError(`--data ${spec}: not found; expected ${EXPECTED}`);
  if (!statSync(spec).isDirectory()) throw new UserError(`--data ${spec}: is a file; expected ${EXPECTED}`);
  const { readdirSync } = await import('node:fs');
  if (readdirSync(spec).some((f) => /idx[13][-.]ubyte/.test(f))) return loadIdxDir(spec, opts.seed === undefined ? {} : { seed: opts.seed });
  return ImageFolderDataset.open(spec, folder);
}

/**
 * Opens the data a config's `data` block names, every field passed on (shape, resize, decode cache, strict, mean,
 * std): the one way for stages that reopen a run's data to get the same images. `inputShape` is the fallback shape
 * (the teacher's) when the block has none.
 */
export async function openDataConfig(data: DataSpec, opts: { inputShape?: number[]; log?: Logger; quiet?: boolean } = {}): Promise<Dataset> {
  const shape = data.inputShape ?? opts.inputShape;
  return openDataset(data.spec, {
    seed: data.seed,
    ...(shape ? { inputShape: shape } : {}),
    ...(data.resize ? { resize: data.resize } : {}),
    ...(data.decodeCache ? { decodeCache: data.decodeCache } : {}),
    ...(data.cacheDir ? { cacheDir: data.cacheDir } : {}),
    ...(data.mean ? { mean: data.mean } : {}),
    ...(data.std ? { std: data.std } : {}),
    ...(data.strict !== undefined ? { strict: data.strict } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.quiet !== undefined ? { quiet: opts.quiet } : {}),
  });
}

