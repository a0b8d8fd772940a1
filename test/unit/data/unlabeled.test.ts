import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openUnlabeled } from '../../../src/data/unlabeled.js';
import { openDataset } from '../../../src/data/index.js';
import { permutation } from '../../../src/core/random.js';
import { UserError } from '../../../src/core/errors.js';
import { tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { collect, solid } from './images.js';

test('unlabeled folder: labeled false, labels -1, a seeded held-out test split, no val', async () => {
  await useBackend('cpu');
  const dir = tmp();
  // Image i has grey 10·i, so each sample says which listed file it is (names sort as 00..09).
  for (let i = 0; i < 10; i++) await solid(join(dir, `${String(i).padStart(2, '0')}.png`), 10 * i);
  const d = await openUnlabeled(dir, { inputShape: [2, 2, 1], seed: 5, heldOutFrac: 0.2, decodeCache: 'memory' });
  assert.equal(d.labeled, false);
  assert.equal(d.numClasses, 0);
  assert.deepEqual(d.classNames, []);
  assert.deepEqual([d.size('train'), d.size('val'), d.size('test')], [8, 0, 2]);
  const grey = async (s: 'train' | 'test') => {
    const b = await collect(d, s);
    assert.ok(b.y.every((y) => y === -1));
    return b.x.filter((_, i) => i % 4 === 0).map((v) => Math.round(v * 255));
  };
  const p = Array.from(permutation(10, 5), (i) => 10 * i);
  assert.deepEqual(await grey('test'), p.slice(0, 2));
  assert.deepEqual(await grey('train'), p.slice(2));
  const viaSpec = await openDataset(`unlabeled:${dir}`, { inputShape: [2, 2, 1], seed: 5, heldOutFrac: 0.2, decodeCache: 'memory' });
  assert.equal(viaSpec.fingerprint(), d.fingerprint());
  assert.equal(viaSpec.name, `unlabeled:${dir}`);
});

test('unlabeled folder: an empty folder is refused, and a folder of class folders is pointed to the labelled form', async () => {
  const dir = tmp();
  await assert.rejects(openUnlabeled(dir, { inputShape: [2, 2, 1] }), (e: unknown) => e instanceof UserError && /no .jpg\/.png\/.webp images directly in it$/.test(e.message));
  mkdirSync(join(dir, 'cats'));
  await assert.rejects(openUnlabeled(dir, { inputShape: [2, 2, 1] }), /it has sub-folders: a labelled folder is opened without the unlabeled: prefix/);
});
