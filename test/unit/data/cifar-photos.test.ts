/**
 * Image folders on real photographs: a few CIFAR-10 JPEGs a class, cut from ../shared/datasets/cifar10 (the
 * repository root's parent, as in CI). Skips with a message when the archive is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openDataset } from '../../../src/data/index.js';
import type { ImageFolderDataset } from '../../../src/data/image-folder.js';
import { decodeCachePaths } from '../../../src/data/decode-cache.js';
import { tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { collect } from './images.js';

const ARCHIVE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/cifar10/cifar10-jpeg.tar.gz');
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const skip = existsSync(ARCHIVE) ? false : `CIFAR-10 archive not found at ${ARCHIVE} (the shared datasets folder beside the repository)`;

let root: string | undefined;
/** 5 training and 2 test photographs a class, unpacked once for this file. */
function photos(): string {
  if (root) return root;
  root = tmp('ed-cifar-');
  const r = spawnSync('tar', ['xzf', ARCHIVE, '-C', root, '--wildcards', 'train/*/000[0-4].jpg', 'test/*/000[0-1].jpg'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return root;
}

test('CIFAR photographs: the archive\'s own train/test split, val carved from train, classes from folders', { skip }, async () => {
  await useBackend('cpu');
  const d = (await openDataset(photos(), { inputShape: [32, 32, 3], decodeCache: 'memory' })) as ImageFolderDataset;
  assert.deepEqual(d.classNames, CLASSES);
  // 50 training photographs: round(0.1·50) = 5 to val; the 20 test photographs stay test.
  assert.deepEqual([d.size('train'), d.size('val'), d.size('test')], [45, 5, 20]);
  const te = await collect(d, 'test', 8);
  te.index.forEach((k, i) => {
    const f = d.fileOf(k);
    assert.match(f, /[\\/]test[\\/]/);
    assert.equal(CLASSES[te.y[i]!], f.split(/[\\/]/).at(-2));
  });
});

test('CIFAR photographs at their own 32x32: the batch holds exactly the JPEG\'s decoded bytes / 255 (RGB and grey)', { skip }, async () => {
  await useBackend('cpu');
  const d = (await openDataset(photos(), { inputShape: [32, 32, 3], decodeCache: 'memory', mean: [0.5], std: [0.25] })) as ImageFolderDataset;
  const b = await collect(d, 'train', 16);
  for (const j of [0, 7, 44]) {
    const ref = await sharp(d.fileOf(b.index[j]!)).raw().toBuffer();
    assert.equal(ref.length, 3072);
    for (let q = 0; q < 3072; q++) assert.ok(Math.abs(b.x[j * 3072 + q]! - (ref[q]! / 255 - 0.5) / 0.25) < 1e-6, `sample ${j} byte ${q}`);
  }
  const g = (await openDataset(photos(), { inputShape: [32, 32, 1], decodeCache: 'memory' })) as ImageFolderDataset;
  const gb = await collect(g, 'test', 16);
  const ref = await sharp(g.fileOf(gb.index[3]!)).grayscale().raw().toBuffer();
  for (let q = 0; q < 1024; q++) assert.ok(Math.abs(gb.x[3 * 1024 + q]! - ref[q]! / 255) < 1e-6);
});

test('CIFAR photographs: the file cache holds 70·24·24·3 bytes and reopens to the same batches', { skip }, async () => {
  await useBackend('cpu');
  const cacheDir = tmp();
  const a = (await openDataset(photos(), { inputShape: [24, 24, 3], decodeCache: 'file', cacheDir })) as ImageFolderDataset;
  assert.equal(statSync(decodeCachePaths(cacheDir, a.decodeKey).pixels).size, 70 * 24 * 24 * 3);
  const b = (await openDataset(photos(), { inputShape: [24, 24, 3], decodeCache: 'file', cacheDir })) as ImageFolderDataset;
  assert.equal(b.decodeReport!.fromCache, true);
  assert.deepEqual(await collect(b, 'val', 4, { shuffleSeed: 1 }), await collect(a, 'val', 4, { shuffleSeed: 1 }));
  // A 24x24 centre crop of a 32x32 photograph is its resize to 24x24 (square: nothing to crop); sharp's own resize as reference.
  const v = await collect(a, 'val', 4);
  const ref = await sharp(a.fileOf(v.index[0]!)).resize(24, 24).raw().toBuffer();
  for (let q = 0; q < ref.length; q++) assert.ok(Math.abs(v.x[q]! - ref[q]! / 255) < 1e-6);
});
