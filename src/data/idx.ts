import { readFile, readdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, basename } from 'node:path';
import { UserError } from '../core/errors.js';
import { InMemoryDataset } from './in-memory.js';
import { permutation } from '../core/random.js';

/** A parsed IDX file (the MNIST file format): unsigned-byte data and its dimensions. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses IDX bytes (gzip is detected by its magic number). Only the unsigned-byte type (0x08) is accepted. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let b = bytes;
  if (b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new UserError(`${file}: gzip data is corrupt or truncated (${(e as Error).message})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) throw new UserError(`${file}: not an IDX file (bad magic number)`);
  if (b[2] !== 0x08) throw new UserError(`${file}: IDX data type 0x${b[2]!.toString(16)} is not supported (expected unsigned bytes, 0x08)`);
  const nd = b[3]!;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * nd;
  const count = dims.reduce((a, d) => a * d, 1);
  if (b.length - offset !== count) {
    throw new UserError(`${file}: holds ${b.length - offset} data bytes but its header declares ${count} (${dims.join('x')}); the file is truncated`);
  }
  return { dims, data: b.subarray(offset) };
}

const NAMES = { train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'], test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] } as const;

async function findIdx(dir: string, stem: string): Promise<string> {
  for (const ext of ['', '.gz']) {
    for (const sep of ['-', '.']) {
      const p = join(dir, stem.replace(/-(idx\d)-/, `${sep}$1${sep}`) + ext);
      if (existsSync(p)) return p;
    }
  }
  const listing = existsSync(dir) ? (await readdir(dir)).join(', ') : '(directory does not exist)';
  throw new UserError(`${dir}: no ${stem}[.gz] file found (found: ${listing || 'nothing'}); expected MNIST-format IDX files, e.g. from apt-get install dataset-fashion-mnist`);
}

async function readPair(dir: string, which: 'train' | 'test'): Promise<{ images: IdxArray; labels: IdxArray; files: string[] }> {
  const [imgStem, lblStem] = NAMES[which];
  const imgFile = await findIdx(dir, imgStem);
  const lblFile = await findIdx(dir, lblStem);
  const images = parseIdx(await readFile(imgFile), imgFile);
  const labels = parseIdx(await readFile(lblFile), lblFile);
  if (images.dims.length !== 3) throw new UserError(`${imgFile}: expected 3 dimensions (count, rows, cols), got ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new UserError(`${lblFile}: expected 1 dimension (count), got ${labels.dims.length}`);
  if (images.dims[0] !== labels.dims[0]) throw new UserError(`${imgFile} has ${images.dims[0]} images but ${basename(lblFile)} has ${labels.dims[0]} labels`);
  return { images, labels, files: [imgFile, lblFile] };
}

/**
 * The class count IDX labels imply, K, when they are the classes 0..K-1 with each occurring. IDX files declare no
 * class count, so a label past a class that never occurs (200 in a 10-class set) is an outlier rather than a class of
 * its own: it is refused, naming its file, index and value.
 */
export function checkLabels(parts: { file: string; labels: Uint8Array }[]): number {
  const seen = new Uint8Array(256);
  for (const p of parts) for (const y of p.labels) seen[y] = 1;
  const max = seen.lastIndexOf(1);
  const gap = seen.indexOf(0);
  if (gap === -1 || gap > max) return max + 1;
  const outlier = seen.indexOf(1, gap);
  for (const p of parts) {
    const i = p.labels.indexOf(outlier);
    if (i >= 0) {
      const missing = outlier - gap === 1 ? `class ${gap} never occurs` : `classes ${gap}..${outlier - 1} never occur`;
      throw new UserError(`${p.file}: label ${outlier} at index ${i} is out of range: the labels run 0..${gap - 1} and ${missing} in the train and test files; IDX labels must be the classes 0..K-1, each occurring; fix that label or remove its sample`);
    }
  }
  return max + 1;
}

/**
 * MNIST-format IDX files in `dir` (train-* and t10k-*, raw or .gz), e.g. Fashion-MNIST from Debian's
 * `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist). The files' own test set is the test split; the val
 * split is a seeded `valFrac` of the training files. Grey values are scaled to [0, 1].
 */
export async function loadIdxDir(dir: string, opts: { seed?: number; valFrac?: number; name?: string } = {}): Promise<InMemoryDataset> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`--data idx:${dir}: not a directory; expected a folder holding MNIST-format IDX files`);
  const train = await readPair(dir, 'train');
  const test = await readPair(dir, 'test');
  const [, h, w] = train.images.dims as [number, number, number];
  if (test.images.dims[1] !== h || test.images.dims[2] !== w) throw new UserError(`${dir}: train images are ${h}x${w} but test images are ${test.images.dims[1]}x${test.images.dims[2]}`);
  const nTrain = train.labels.dims[0]!;
  const nTest = test.labels.dims[0]!;
  const images = new Float32Array((nTrain + nTest) * h * w);
  const labels = new Int32Array(nTrain + nTest);
  for (let i = 0; i < nTrain * h * w; i++) images[i] = train.images.data[i]! / 255;
  for (let i = 0; i < nTest * h * w; i++) images[nTrain * h * w + i] = test.images.data[i]! / 255;
  labels.set(train.labels.data, 0);
  labels.set(test.labels.data, nTrain);
  const numClasses = checkLabels([
    { file: train.files[1]!, labels: train.labels.data },
    { file: test.files[1]!, labels: test.labels.data },
  ]);
  const perm = permutation(nTrain, opts.seed ?? 1234);
  const nVal = Math.round(nTrain * (opts.valFrac ?? 0.1));
  const testIdx = Int32Array.from({ length: nTest }, (_, i) => nTrain + i);
  return new InMemoryDataset({
    name: opts.name ?? `idx:${basename(dir)}`,
    inputShape: [h, w, 1],
    classNames: Array.from({ length: numClasses }, (_, i) => String(i)),
    images,
    labels,
    splits: { train: perm.slice(nVal), val: perm.slice(0, nVal), test: testIdx },
  });
}
