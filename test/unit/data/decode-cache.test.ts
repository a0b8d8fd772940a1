import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageFolderDataset, type ImageFolderOptions } from '../../../src/data/image-folder.js';
import { decodeCachePaths } from '../../../src/data/decode-cache.js';
import { FilePixels, MemoryPixels } from '../../../src/data/pixel-store.js';
import { UserError } from '../../../src/core/errors.js';
import { tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { classFolder, collect, recordingLog, solid, writeImage } from './images.js';

const open = (root: string, o: Partial<ImageFolderOptions> & { cacheDir?: string }) => ImageFolderDataset.open(root, { inputShape: [4, 4, 1], quiet: true, ...o });
const greys = async (d: ImageFolderDataset, split: 'train' | 'val' | 'test' = 'train') => {
  const b = await collect(d, split);
  const per = b.shape.reduce((a, v) => a * v, 1);
  return b.index.map((_, i) => Math.round(b.x[i * per]! * 255));
};

test('file cache: n·h·w·c pixel bytes plus a JSON header; a second open reads the file instead of decoding', async () => {
  await useBackend('cpu');
  const root = await classFolder({ a: [10, 20, 30, 40, 50], b: [60, 70, 80, 90, 100] });
  const cacheDir = tmp();
  const d1 = await open(root, { decodeCache: 'file', cacheDir });
  const r1 = d1.decodeReport!;
  assert.equal(r1.fromCache, false);
  const paths = decodeCachePaths(cacheDir, d1.decodeKey);
  assert.equal(r1.path, paths.pixels);
  assert.equal(statSync(paths.pixels).size, 10 * 4 * 4 * 1);
  const header = JSON.parse(readFileSync(paths.header, 'utf8')) as { key: string; images: number; shape: number[] };
  assert.deepEqual([header.key, header.images, header.shape], [d1.decodeKey, 10, [4, 4, 1]]);
  assert.equal(r1.headerBytes, statSync(paths.header).size);
  assert.deepEqual(readdirSync(cacheDir).sort(), [`${d1.decodeKey}.json`, `${d1.decodeKey}.u8`]); // no temp files left
  const before = await greys(d1);

  // Slot k of the file is listed image k (a/000..a/004, b/000..b/004); patch slot 7 (b/002, grey 80) to 123.
  const bytes = readFileSync(paths.pixels);
  bytes.fill(123, 7 * 16, 8 * 16);
  writeFileSync(paths.pixels, bytes);
  const d2 = await open(root, { decodeCache: 'file', cacheDir });
  assert.equal(d2.decodeReport!.fromCache, true);
  const after = await greys(d2);
  assert.deepEqual(after, before.map((v) => (v === 80 ? 123 : v)));
});

test('a cache for another folder or another size is never used: a copied-over cache is detected and rebuilt', async () => {
  await useBackend('cpu');
  const a = await classFolder({ x: [10, 10, 10], y: [20, 20, 20] });
  const b = await classFolder({ x: [200, 200, 200], y: [250, 250, 250] });
  const cacheDir = tmp();
  const da = await open(a, { decodeCache: 'file', cacheDir });
  // Same listing shape, other folder: another key, so another file.
  const db = await open(b, { decodeCache: 'file', cacheDir });
  assert.notEqual(db.decodeKey, da.decodeKey);
  assert.deepEqual([...new Set(await greys(db))].sort(), [200, 250]);
  // Folder a's cache copied over folder b's names (the same byte count): its header's key gives it away.
  const pa = decodeCachePaths(cacheDir, da.decodeKey);
  const pb = decodeCachePaths(cacheDir, db.decodeKey);
  copyFileSync(pa.pixels, pb.pixels);
  copyFileSync(pa.header, pb.header);
  const log = recordingLog();
  const db2 = await open(b, { decodeCache: 'file', cacheDir, log });
  assert.equal(db2.decodeReport!.fromCache, false);
  assert.ok(log.infos.some((m) => m.includes('does not fit this data (it was built for another folder listing, size or resize mode); rebuilding it')), log.infos.join('\n'));
  assert.deepEqual([...new Set(await greys(db2))].sort(), [200, 250]);
  assert.equal(JSON.parse(readFileSync(pb.header, 'utf8')).key, db.decodeKey);
  // Another size (and another resize mode) of folder a: other keys; the 4x4 cache is untouched.
  const a2 = await open(a, { decodeCache: 'file', cacheDir, inputShape: [2, 2, 1] });
  const a3 = await open(a, { decodeCache: 'file', cacheDir, resize: 'stretch' });
  assert.equal(new Set([da.decodeKey, a2.decodeKey, a3.decodeKey]).size, 3);
  assert.equal(statSync(decodeCachePaths(cacheDir, a2.decodeKey).pixels).size, 6 * 2 * 2);
  assert.equal(statSync(pa.pixels).size, 6 * 16);
  assert.deepEqual([...new Set(await greys(a2))].sort(), [10, 20]);
});

test('a rewritten image changes the listing fingerprint, so its cache is rebuilt with the new pixels', async () => {
  await useBackend('cpu');
  const root = await classFolder({ a: [10, 11], b: [20, 21] });
  const cacheDir = tmp();
  const d1 = await open(root, { decodeCache: 'file', cacheDir, valFrac: 0, testFrac: 0 });
  await solid(join(root, 'a', '000.png'), 77, 12, 7); // other size and mtime
  const d2 = await open(root, { decodeCache: 'file', cacheDir, valFrac: 0, testFrac: 0 });
  assert.notEqual(d2.decodeKey, d1.decodeKey);
  assert.equal(d2.decodeReport!.fromCache, false);
  assert.deepEqual((await greys(d2)).sort((x, y) => x - y), [11, 20, 21, 77]);
});

test('auto: memory under the budget, a file cache above it; memory, file and no cache give the same batches', async () => {
  await useBackend('cpu');
  const root = tmp();
  // Distinct RGB pixels so a slot mix-up would show.
  for (const [cls, base] of [['a', 0], ['b', 100]] as const) {
    for (let i = 0; i < 4; i++) await writeImage(join(root, cls, `${i}.png`), Array.from({ length: 6 * 4 * 3 }, (_, k) => (base + 7 * i + k) % 256), 6, 4);
  }
  const cacheDir = tmp();
  // [4, 6, 3] is the images' own size: no resampling, so every value is worked out from the file's name below.
  const o = { inputShape: [4, 6, 3], cacheDir, mean: [0.5], std: [0.25] };
  const mem = await open(root, { ...o, decodeCache: 'auto' });
  assert.ok((mem as unknown as { store: unknown }).store instanceof MemoryPixels);
  assert.deepEqual(readdirSync(cacheDir), []);
  const file = await open(root, { ...o, decodeCache: 'auto', memoryBudget: 500 }); // 8·72 = 576 bytes > 500
  assert.ok((file as unknown as { store: unknown }).store instanceof FilePixels);
  assert.equal(file.decodeReport!.store, 'file');
  const off = await open(root, { ...o, decodeCache: 'off' });
  assert.equal(off.decodeReport, undefined);
  const m = await collect(mem, 'train', 3, { shuffleSeed: 5 });
  assert.deepEqual(await collect(file, 'train', 3, { shuffleSeed: 5 }), m);
  assert.deepEqual(await collect(off, 'train', 3, { shuffleSeed: 5 }), m);
  // Sample j is file CLS/I.png: byte k = (base + 7·I + k) mod 256, normalised (v/255 − 0.5)/0.25.
  m.index.forEach((k, j) => {
    const [, cls, i] = /([ab])[\\/](\d)\.png$/.exec(mem.fileOf(k))!;
    assert.equal(m.y[j], cls === 'a' ? 0 : 1);
    for (let q = 0; q < 72; q++) {
      const v = ((cls === 'a' ? 0 : 100) + 7 * Number(i) + q) % 256;
      assert.ok(Math.abs(m.x[j * 72 + q]! - (v / 255 - 0.5) / 0.25) < 1e-6);
    }
  });
});

test('unreadable images: skipped with a count and the first file named, or refused under strict (also from a cache)', async () => {
  await useBackend('cpu');
  const root = await classFolder({ a: [10, 20, 30], b: [200, 210, 220] });
  writeFileSync(join(root, 'a', '001-broken.png'), 'not a png');
  writeFileSync(join(root, 'b', '000-empty.jpg'), '');
  const log = recordingLog();
  const cacheDir = tmp();
  const d = await open(root, { log, decodeCache: 'file', cacheDir });
  assert.equal(d.size('train') + d.size('val') + d.size('test'), 6);
  assert.equal(log.warns.length, 1);
  assert.match(log.warns[0]!, new RegExp(`^skipped 2 unreadable image\\(s\\) in .* \\(first: ${join(root, 'a', '001-broken.png')}: `));
  await assert.rejects(open(root, { strict: true, decodeCache: 'memory' }), (e: unknown) => e instanceof UserError && e.message.startsWith(`${join(root, 'a', '001-broken.png')}: cannot be decoded`));
  // The cache a non-strict run left lists the skipped files; strict refuses from it, naming the first.
  await assert.rejects(open(root, { strict: true, decodeCache: 'file', cacheDir }), (e: unknown) => e instanceof UserError && e.message.startsWith(`${join(root, 'a', '001-broken.png')}: cannot be decoded`));
  // Without a cache there is no decode pass to find them: the batch that meets one leaves it out and says so, once
  // per file; strict refuses the first it meets, naming it.
  const everySplit = async (d: Awaited<ReturnType<typeof open>>) => {
    let n = 0;
    for (const s of ['train', 'val', 'test'] as const) n += (await collect(d, s, 100)).y.length;
    return n;
  };
  const offLog = recordingLog();
  const off = await open(root, { decodeCache: 'off', log: offLog });
  assert.equal(await everySplit(off), 6);
  assert.equal(await everySplit(off), 6);
  assert.deepEqual(offLog.warns.map((w) => w.split(':')[0]).sort(), [`skipped ${join(root, 'a', '001-broken.png')}`, `skipped ${join(root, 'b', '000-empty.jpg')}`]);
  await assert.rejects(everySplit(await open(root, { decodeCache: 'off', strict: true })), /001-broken.png: cannot be decoded|000-empty.jpg: cannot be decoded/);
});

test('conversions are reported once per pass with counts; CMYK and 16-bit files are refused under strict', async () => {
  await useBackend('cpu');
  const root = tmp();
  for (let i = 0; i < 3; i++) await writeImage(join(root, 'a', `g${i}.png`), Array(16).fill(50 + i), 4, 4, 1);
  await writeImage(join(root, 'b', 'c0.png'), Array(48).fill(90), 4, 4, 3);
  const log = recordingLog();
  await open(root, { inputShape: [4, 4, 3], log, decodeCache: 'memory' });
  assert.deepEqual(log.infos.filter((m) => m.includes('converted')), [`decode: 3 images were grey, converted to RGB (first: ${join(root, 'a', 'g0.png')})`]);
  const sharp = (await import('sharp')).default;
  const cmyk = join(root, 'b', 'c1.jpg');
  await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 250, g: 250, b: 250 } } }).toColourspace('cmyk').jpeg().toFile(cmyk);
  await assert.rejects(open(root, { inputShape: [4, 4, 3], strict: true, decodeCache: 'memory' }), (e: unknown) => e instanceof UserError && e.message.startsWith(`${cmyk}: is a CMYK image`));
  const log2 = recordingLog();
  await open(root, { inputShape: [4, 4, 3], log: log2, decodeCache: 'memory' });
  assert.ok(log2.infos.includes(`decode: 1 image was CMYK, converted to sRGB (first: ${cmyk}); --strict refuses them`), log2.infos.join('\n'));
  const deep = join(root, 'a', 'd0.png');
  await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 9, g: 99, b: 199 } } }).toColourspace('rgb16').png().toFile(deep);
  await assert.rejects(open(root, { inputShape: [4, 4, 3], strict: true, decodeCache: 'memory' }), (e: unknown) => e instanceof UserError && e.message.startsWith(`${deep}: has more than 8 bits per sample`));
});

test('mean and std: one value applies to every channel; a length other than 1 or c is refused', async () => {
  await useBackend('cpu');
  const root = tmp();
  await writeImage(join(root, 'a', '0.png'), Array.from({ length: 4 }, () => [51, 102, 204]).flat(), 2, 2);
  await writeImage(join(root, 'b', '0.png'), Array.from({ length: 4 }, () => [51, 102, 204]).flat(), 2, 2);
  const d = await open(root, { inputShape: [2, 2, 3], mean: [0.5], std: [0.5], valFrac: 0, testFrac: 0, decodeCache: 'memory' });
  const b = await collect(d, 'train');
  // (51/255 − 0.5)/0.5 = −0.6, (102/255 − 0.5)/0.5 = −0.2, (204/255 − 0.5)/0.5 = 0.6 on every channel alike.
  b.x.forEach((v, i) => assert.ok(Math.abs(v - [-0.6, -0.2, 0.6][i % 3]!) < 1e-6, `${i}: ${v}`));
  const d3 = await open(root, { inputShape: [2, 2, 3], mean: [0.2, 0.4, 0.8], std: [1, 1, 0.1], valFrac: 0, testFrac: 0, decodeCache: 'memory' });
  (await collect(d3, 'train')).x.forEach((v, i) => assert.ok(Math.abs(v - [0, 0, 0][i % 3]!) < 1e-6, `${i}: ${v}`));
  await assert.rejects(open(root, { inputShape: [2, 2, 3], mean: [0.5, 0.5] }), /data.mean \[0.5,0.5\]: has 2 values for 3 channels/);
});
