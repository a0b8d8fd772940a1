import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ImageFolderDataset } from '../../../src/data/image-folder.js';
import { openDataset } from '../../../src/data/index.js';
import { classDifference } from '../../../src/data/folder-layout.js';
import { permutation } from '../../../src/core/random.js';
import { UserError } from '../../../src/core/errors.js';
import { tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { classFolder, collect } from './images.js';

const shape = { inputShape: [2, 2, 1], decodeCache: 'memory' as const };
const files = (d: ImageFolderDataset, idx: number[]) => idx.map((k) => d.fileOf(k)).sort();

test('own splits: train/ and test/ folders; val carved from train (10%, seeded), never from test', async () => {
  await useBackend('cpu');
  const root = tmp();
  // 20 train images a class (grey 10 + i), 3 test images a class (grey 200 + i).
  await classFolder({ cat: Array.from({ length: 20 }, (_, i) => 10 + i), dog: Array.from({ length: 20 }, (_, i) => 40 + i) }, join(root, 'train'));
  await classFolder({ cat: [200, 201, 202], dog: [210, 211, 212] }, join(root, 'test'));
  const d = (await openDataset(root, { ...shape, seed: 7 })) as ImageFolderDataset;
  assert.deepEqual(d.classNames, ['cat', 'dog']);
  assert.deepEqual([d.size('train'), d.size('val'), d.size('test')], [36, 4, 6]);
  const test_ = await collect(d, 'test');
  assert.ok(files(d, test_.index).every((f) => f.includes(`${sep}test${sep}`)));
  const tr = await collect(d, 'train');
  const va = await collect(d, 'val');
  const trainFiles = [...files(d, tr.index), ...files(d, va.index)].sort();
  assert.equal(new Set(trainFiles).size, 40);
  assert.ok(trainFiles.every((f) => f.includes(`${sep}train${sep}`)));
  // The val carve is the first round(0.1·40) = 4 of permutation(40, seed) over the train listing (cat 0..19, dog 0..19).
  const listing = [...Array.from({ length: 20 }, (_, i) => `cat${sep}${String(i).padStart(3, '0')}`), ...Array.from({ length: 20 }, (_, i) => `dog${sep}${String(i).padStart(3, '0')}`)];
  const expectVal = Array.from(permutation(40, 7).subarray(0, 4), (i) => listing[i]!).sort();
  assert.deepEqual(files(d, va.index).map((f) => f.slice(f.length - 11, -4)), expectVal);
  // Labels follow folders: a test image's value says its class (cat 200..202, dog 210..212 → /255).
  test_.y.forEach((y, i) => assert.equal(y, test_.x[i * 4]! < 205 / 255 ? 0 : 1));
  // Another seed carves another val.
  const d2 = (await openDataset(root, { ...shape, seed: 8 })) as ImageFolderDataset;
  assert.notDeepEqual(files(d2, (await collect(d2, 'val')).index), files(d, va.index));
});

test('own splits: train=DIR,test=DIR,val=DIR takes val from its folder; the test split is in a seeded, mixed order', async () => {
  await useBackend('cpu');
  const base = tmp();
  await classFolder({ a: [10, 11, 12, 13], b: [20, 21, 22, 23] }, join(base, 'tr'));
  await classFolder({ a: [100, 101], b: [110, 111] }, join(base, 'va'));
  await classFolder({ a: [200, 201, 202, 203], b: [220, 221, 222, 223] }, join(base, 'te'));
  const d = (await openDataset(`train=${join(base, 'tr')},test=${join(base, 'te')},val=${join(base, 'va')}`, shape)) as ImageFolderDataset;
  assert.deepEqual([d.size('train'), d.size('val'), d.size('test')], [8, 4, 8]);
  const va = await collect(d, 'val');
  assert.deepEqual(va.x.filter((_, i) => i % 4 === 0).map((v) => Math.round(v * 255)).sort(), [100, 101, 110, 111]);
  const te = await collect(d, 'test');
  // Listing order would be a a a a b b b b; the stored order is permutation(8, 1234 + 2) of it.
  const listed = [0, 0, 0, 0, 1, 1, 1, 1];
  assert.deepEqual(te.y, Array.from(permutation(8, 1234 + 2), (i) => listed[i]!));
});

test('own splits: class folders that differ are refused, listing which classes are only in which split', async () => {
  const root = tmp();
  await classFolder({ bird: [1], cat: [2], dog: [3] }, join(root, 'train'));
  await classFolder({ cat: [4], dog: [5], plane: [6] }, join(root, 'test'));
  await assert.rejects(openDataset(root, shape), (e: unknown) => e instanceof UserError && e.message === `--data ${root}: class folders differ between splits: only in train: [bird]; only in test: [plane]; every split needs the same class sub-folders (with images)`);
  assert.equal(classDifference({ train: ['a', 'b', 'c'], val: ['a', 'b'], test: ['a'] }), 'only in train+val: [b]; only in train: [c]');
});

test('own splits: an empty split, a missing test/ folder and a spec without test= are refused, naming them', async () => {
  const root = tmp();
  await classFolder({ a: [1, 2], b: [3, 4] }, join(root, 'train'));
  await assert.rejects(openDataset(root, shape), /has a train\/ folder of class folders but no test\/ folder/);
  mkdirSync(join(root, 'test', 'a'), { recursive: true });
  mkdirSync(join(root, 'test', 'b'), { recursive: true });
  await assert.rejects(openDataset(root, shape), (e: unknown) => e instanceof UserError && e.message.includes(`the test split (${join(root, 'test')}) holds no images`));
  await assert.rejects(openDataset(`train=${join(root, 'train')}`, shape), /no test=DIR; expected train=DIR,test=DIR\[,val=DIR\]/);
  await assert.rejects(openDataset(`train=${join(root, 'train')},tset=x`, shape), /"tset=x" is not split=DIR/);
  await assert.rejects(openDataset(`train=${join(root, 'train')},test=${join(root, 'nope')}`, shape), /the test folder .*nope is not a directory/);
});

test('a plain folder of class folders keeps the 80/10/10 split of a seeded permutation over the listing', async () => {
  await useBackend('cpu');
  // 10 images in each of 2 classes; grey value = 10·class + i, so each sample says which listed image it is.
  const root = await classFolder({ a: Array.from({ length: 10 }, (_, i) => i), b: Array.from({ length: 10 }, (_, i) => 100 + i) });
  const d = await ImageFolderDataset.open(root, { ...shape, seed: 3 });
  const p = permutation(20, 3);
  const listedValue = (i: number) => (i < 10 ? i : 100 + i - 10);
  const values = async (s: 'train' | 'val' | 'test') => (await collect(d, s)).x.filter((_, i) => i % 4 === 0).map((v) => Math.round(v * 255));
  assert.deepEqual(await values('test'), Array.from(p.subarray(0, 2), listedValue));
  assert.deepEqual(await values('val'), Array.from(p.subarray(2, 4), listedValue));
  assert.deepEqual(await values('train'), Array.from(p.subarray(4), listedValue));
});
