import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageFolderDataset } from '../../../src/data/image-folder.js';
import { UserError } from '../../../src/core/errors.js';
import { tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { openDataset } from '../../../src/data/index.js';
import { collect, recordingLog, writeImage } from './images.js';

async function solid(file: string, grey: number, w = 10, h = 6): Promise<void> {
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toFile(file);
}

async function folder(classes: Record<string, number[]>): Promise<string> {
  const root = tmp();
  for (const [cls, greys] of Object.entries(classes)) {
    mkdirSync(join(root, cls));
    for (const [i, g] of greys.entries()) await solid(join(root, cls, `${i}.png`), g);
  }
  return root;
}

test('image folder: classes from sub-folders, resized to the input shape, normalised', async () => {
  await useBackend('cpu');
  const root = await folder({ cats: [51, 51, 51, 51, 51], dogs: [204, 204, 204, 204, 204] });
  const d = await ImageFolderDataset.open(root, { inputShape: [4, 4, 1], mean: [0.5], std: [0.5] });
  assert.deepEqual(d.classNames, ['cats', 'dogs']);
  assert.equal(d.size('train') + d.size('val') + d.size('test'), 10);
  let seen = 0;
  for await (const b of d.batches('train', 4)) {
    assert.deepEqual(b.x.shape.slice(1), [4, 4, 1]);
    const xs = b.x.arraySync() as number[][][][];
    const ys = Array.from(b.y.dataSync());
    ys.forEach((y, i) => {
      // grey 51 → 0.2 → (0.2 − 0.5)/0.5 = −0.6; grey 204 → 0.8 → 0.6
      assert.ok(Math.abs(xs[i]![0]![0]![0]! - (y === 0 ? -0.6 : 0.6)) < 1e-6);
    });
    seen += ys.length;
    b.x.dispose();
    b.y.dispose();
  }
  assert.equal(seen, d.size('train'));
});

test('image folder: a corrupt image is skipped with a count, or refused under strict', async () => {
  const root = await folder({ a: [10, 20, 30], b: [200, 210, 220] });
  writeFileSync(join(root, 'a', 'broken.png'), 'not a png');
  const warnings: string[] = [];
  const d = await ImageFolderDataset.open(root, { inputShape: [4, 4, 1], quiet: true, log: { info: () => {}, warn: (m) => warnings.push(m) } });
  assert.equal(d.size('train') + d.size('val') + d.size('test'), 6);
  assert.match(warnings[0]!, /skipped 1 unreadable image/);
  await assert.rejects(ImageFolderDataset.open(root, { inputShape: [4, 4, 1], strict: true }), (e: unknown) => e instanceof UserError && /broken.png: cannot be decoded/.test(e.message));
});

test('image folder: empty folder and single class are refused', async () => {
  await assert.rejects(ImageFolderDataset.open(tmp(), { inputShape: [4, 4, 1] }), /no images found/);
  await assert.rejects(ImageFolderDataset.open(await folder({ only: [1, 2] }), { inputShape: [4, 4, 1] }), /only one class \(only\)/);
});

test('image folder without a shape from config or teacher: read at the images\' own size (most common), grey when all are grey', async () => {
  // Colour: three 10x6 images and one 8x8; the 10x6 (w x h) size wins, so [6, 10, 3].
  const colour = await folder({ a: [10, 20], b: [30] });
  await solid(join(colour, 'b', 'odd.png'), 40, 8, 8);
  const log = recordingLog();
  const d = await openDataset(colour, { decodeCache: 'off', log });
  assert.deepEqual(d.inputShape, [6, 10, 3]);
  assert.match(log.infos.join('\n'), /images read at their own size 6x10x3 \(the most common among 4 sampled; 2 sizes seen/);
  const all = await collect(d, 'train', 8);
  assert.deepEqual(all.shape, [6, 10, 3]);
  // Grey: single-channel PNGs only, so one channel.
  const grey = tmp();
  for (const [cls, v] of [['x', 0], ['x', 50], ['y', 200], ['y', 250]] as const) await writeImage(join(grey, cls, `${v}.png`), Array.from({ length: 5 * 7 }, () => v), 5, 7, 1);
  assert.deepEqual((await openDataset(grey, { decodeCache: 'off' })).inputShape, [7, 5, 1]);
});
