import { existsSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { Dataset } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { loadEmbeddedMnist } from './mnist.js';
import { loadIdxDir } from './idx.js';
import { ImageFolderDataset } from './image-folder.js';

export interface OpenDatasetOptions {
  seed?: number;
  /** For image folders: [h, w, c] to resize to (usually the teacher's input). Default [28, 28, 1]. */
  inputShape?: number[];
  mean?: number[];
  std?: number[];
  strict?: boolean;
  log?: Logger;
}

/**
 * Opens a dataset from a `--data` spec: `mnist` (embedded), `idx:DIR` (MNIST-format IDX files), or a path to an
 * image folder (one sub-folder per class). A directory holding IDX files is detected without the `idx:` prefix.
 */
export async function openDataset(spec: string, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  if (spec === 'mnist') return loadEmbeddedMnist(opts.seed === undefined ? {} : { seed: opts.seed });
  if (spec.startsWith('idx:')) return loadIdxDir(spec.slice(4), opts.seed === undefined ? {} : { seed: opts.seed });
  if (!existsSync(spec)) throw new UserError(`--data ${spec}: not found; expected "mnist", "idx:DIR" or an image folder with one sub-folder per class`);
  if (!statSync(spec).isDirectory()) throw new UserError(`--data ${spec}: is a file; expected "mnist", "idx:DIR" or an image folder`);
  const { readdirSync } = await import('node:fs');
  if (readdirSync(spec).some((f) => /idx[13][-.]ubyte/.test(f))) return loadIdxDir(spec, opts.seed === undefined ? {} : { seed: opts.seed });
  return ImageFolderDataset.open(spec, {
    inputShape: opts.inputShape ?? [28, 28, 1],
    ...(opts.mean ? { mean: opts.mean } : {}),
    ...(opts.std ? { std: opts.std } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.strict !== undefined ? { strict: opts.strict } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}
