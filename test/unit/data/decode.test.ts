import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, describeConversions, UnreadableImage, type DecodeTarget } from '../../../src/data/decode.js';
import { readImageHeader } from '../../../src/data/image-header.js';
import { UserError } from '../../../src/core/errors.js';
import { tmp } from '../../helpers/tiny.js';
import { writeImage } from './images.js';

const rgb = (h: number, w: number, resize: DecodeTarget['resize'] = 'crop'): DecodeTarget => ({ height: h, width: w, channels: 3, resize });

// A 4x2 RGB image whose every byte is distinct: pixel (row r, col c) = [base, base+1, base+2], base = 30·(4r + c).
const px4x2 = Array.from({ length: 2 * 4 }, (_, p) => [30 * p, 30 * p + 1, 30 * p + 2]).flat();

test('crop: a 4x2 image centre-cropped to 2x2 is exactly its middle two columns', async () => {
  const f = join(tmp(), 'a.png');
  await writeImage(f, px4x2, 4, 2);
  const d = await decodeImage(f, rgb(2, 2));
  // Scale max(2/4, 2/2) = 1 leaves the image as it is; the crop keeps columns 1 and 2 of both rows.
  const middle = [1, 2, 5, 6].flatMap((p) => [30 * p, 30 * p + 1, 30 * p + 2]);
  assert.deepEqual([...d.pixels], middle);
  assert.deepEqual(d.conversions, []);
});

test('stretch: constant rows stay exact when only the width shrinks; the same bytes as the old fill resize', async () => {
  const dir = tmp();
  const f = join(dir, 'rows.png');
  // Row 0 all 40, row 1 all 220: shrinking 4 columns to 2 keeps each row's constant (normalised kernels).
  await writeImage(f, [...Array(12).fill(40), ...Array(12).fill(220)], 4, 2);
  assert.deepEqual([...(await decodeImage(f, rgb(2, 2, 'stretch'))).pixels], [...Array(6).fill(40), ...Array(6).fill(220)]);
  // The stretch option is the previous default: sharp fill resize, alpha removed, sRGB; byte-for-byte on a 4x2 photo-like image.
  const g = join(dir, 'px.png');
  await writeImage(g, px4x2, 4, 2);
  const old = await sharp(g).resize(3, 3, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  assert.deepEqual([...(await decodeImage(g, rgb(3, 3, 'stretch'))).pixels], [...old]);
  const oldGrey = await sharp(g).resize(3, 3, { fit: 'fill' }).removeAlpha().grayscale().raw().toBuffer();
  assert.deepEqual([...(await decodeImage(g, { height: 3, width: 3, channels: 1, resize: 'stretch' })).pixels], [...oldGrey]);
});

test('EXIF orientation 6 is applied before the crop: a left/right split stored sideways comes out top/bottom', async () => {
  // 16x8 stored: left 8 columns red, right 8 blue (8x8 JPEG blocks, 4:4:4, so no colour bleeds across the halves).
  const w = 16;
  const h = 8;
  const pixels = Array.from({ length: w * h }, (_, p) => (p % w < 8 ? [220, 20, 20] : [20, 20, 220])).flat();
  const f = join(tmp(), 'rot.jpg');
  await sharp(Buffer.from(pixels), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toFile(f);
  // Orientation 6: rotate 90° clockwise to display, so the stored left column becomes the top row: 8 wide, 16 tall.
  const d = await decodeImage(f, rgb(16, 8));
  const at = (r: number, c: number) => [...d.pixels.subarray((r * 8 + c) * 3, (r * 8 + c) * 3 + 3)];
  const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 6);
  for (const c of [0, 4, 7]) {
    assert.ok(near(at(2, c), [220, 20, 20]), `top half red at (2, ${c}): ${at(2, c)}`);
    assert.ok(near(at(13, c), [20, 20, 220]), `bottom half blue at (13, ${c}): ${at(13, c)}`);
  }
});

test('grey to RGB copies the grey value to all three channels; RGB greys to 1 channel keep their value', async () => {
  const dir = tmp();
  const vals = [0, 1, 37, 128, 200, 254, 255, 99];
  await writeImage(join(dir, 'g.png'), vals, 4, 2, 1);
  const d = await decodeImage(join(dir, 'g.png'), rgb(2, 4));
  assert.deepEqual([...d.pixels], vals.flatMap((v) => [v, v, v]));
  assert.deepEqual(d.conversions, ['greyToRgb']);
  await writeImage(join(dir, 'c.png'), vals.flatMap((v) => [v, v, v]), 4, 2, 3);
  const g = await decodeImage(join(dir, 'c.png'), { height: 2, width: 4, channels: 1, resize: 'crop' });
  assert.deepEqual([...g.pixels], vals);
  assert.deepEqual(g.conversions, ['colourToGrey']);
});

test('16-bit PNG: reduced to the same 8-bit values it was made from, or refused under strict naming the file', async () => {
  const f = join(tmp(), 'deep.png');
  const px = [255, 255, 255, 250, 240, 230, 128, 128, 128, 200, 100, 50];
  await sharp(Buffer.from(px), { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('rgb16').png().toFile(f);
  const d = await decodeImage(f, rgb(2, 2));
  assert.deepEqual([...d.pixels], px);
  assert.deepEqual(d.conversions, ['highDepth']);
  await assert.rejects(decodeImage(f, rgb(2, 2), true), (e: unknown) => e instanceof UserError && e.message.startsWith(`${f}: has more than 8 bits`));
});

test('CMYK JPEG: converted to 3-channel sRGB (paper white stays white), or refused under strict naming the file', async () => {
  const f = join(tmp(), 'print.jpg');
  const px = [255, 255, 255, 255, 255, 255, 128, 128, 128, 128, 128, 128];
  await sharp(Buffer.from(px), { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('cmyk').jpeg({ quality: 100 }).toFile(f);
  const d = await decodeImage(f, rgb(2, 2));
  assert.equal(d.pixels.length, 12);
  assert.deepEqual([...d.pixels.subarray(0, 6)], [255, 255, 255, 255, 255, 255]);
  // Through the CMYK profile and back, mid grey lands within a few levels of 128.
  for (const v of d.pixels.subarray(6)) assert.ok(Math.abs(v - 128) <= 16, `mid grey came back as ${v}`);
  assert.deepEqual(d.conversions, ['cmyk']);
  await assert.rejects(decodeImage(f, rgb(2, 2), true), (e: unknown) => e instanceof UserError && e.message.startsWith(`${f}: is a CMYK image`));
});

test('an unreadable file is an UnreadableImage naming it', async () => {
  const f = join(tmp(), 'broken.png');
  writeFileSync(f, 'not a png');
  await assert.rejects(decodeImage(f, rgb(2, 2)), (e: unknown) => e instanceof UnreadableImage && e.file === f);
  await assert.rejects(decodeImage(join(tmp(), 'missing.jpg'), rgb(2, 2)), (e: unknown) => e instanceof UnreadableImage && e.reason === 'ENOENT');
});

test('header reader agrees with sharp metadata on grey, RGB, RGBA, palette, 16-bit, CMYK JPEG and WebP files', async () => {
  const dir = tmp();
  const px = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
  const make = async (name: string, f: (s: ReturnType<typeof sharp>) => ReturnType<typeof sharp>, channels: 1 | 3 | 4 = 3) => {
    const raw = channels === 1 ? px.slice(0, 4) : channels === 4 ? [...px, 1, 2, 3, 4] : px;
    const file = join(dir, name);
    await f(sharp(Buffer.from(raw), { raw: { width: 2, height: 2, channels } })).toFile(file);
    return file;
  };
  const files = [
    await make('grey.png', (s) => s.toColourspace('b-w').png(), 1),
    await make('grey16.png', (s) => s.toColourspace('grey16').png(), 1),
    await make('rgb.png', (s) => s.png()),
    await make('rgba.png', (s) => s.png(), 4),
    await make('palette.png', (s) => s.png({ palette: true, colours: 4 })),
    await make('rgb16.png', (s) => s.toColourspace('rgb16').png()),
    await make('rgb.jpg', (s) => s.jpeg()),
    await make('grey.jpg', (s) => s.toColourspace('b-w').jpeg(), 1),
    await make('cmyk.jpg', (s) => s.toColourspace('cmyk').jpeg()),
    await make('exif.jpg', (s) => s.jpeg().withMetadata({ orientation: 6 })),
    await make('rgb.webp', (s) => s.webp()),
  ];
  for (const file of files) {
    const h = readImageHeader(readFileSync(file));
    assert.ok(h, `${file}: header not read`);
    const m = await sharp(file).metadata();
    const colour = m.channels! - (m.hasAlpha ? 1 : 0);
    assert.equal(h.colourChannels, colour, `${file}: colour channels`);
    assert.equal(h.bitDepth > 8, m.depth === 'ushort', `${file}: depth ${h.bitDepth} vs ${m.depth}`);
    assert.equal(h.format, m.format, file);
  }
  assert.equal(readImageHeader(Buffer.from('GIF89a......')), undefined);
});

test('conversion lines: counts, singular and plural, the first file of those strict refuses', () => {
  assert.deepEqual(describeConversions({ greyToRgb: 12, cmyk: 1 }, { cmyk: 'a/b.jpg' }), ['12 images were grey, converted to RGB', '1 image was CMYK, converted to sRGB (first: a/b.jpg); --strict refuses them']);
  assert.deepEqual(describeConversions({}), []);
});
