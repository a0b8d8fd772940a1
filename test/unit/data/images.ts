/** Generated images and folders for the data tests (sharp makes them; every pixel value is chosen here). */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { tmp } from '../../helpers/tiny.js';
import type { Dataset, SplitName } from '../../../src/core/types.js';

/** Writes raw pixels (row-major, interleaved channels) as a PNG (or JPEG/WebP by extension) at `file`. */
export async function writeImage(file: string, pixels: number[], width: number, height: number, channels: 1 | 3 | 4 = 3): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  let img = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  if (/\.jpe?g$/i.test(file)) await img.jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(file);
  else if (/\.webp$/i.test(file)) await img.webp({ lossless: true }).toFile(file);
  else await img.png().toFile(file);
}

/** A solid RGB image of grey `v` (w x h). */
export async function solid(file: string, v: number, w = 10, h = 6): Promise<void> {
  await writeImage(file, Array.from({ length: w * h * 3 }, () => v), w, h, 3);
}

/** A folder `root/<class>/<i>.png` of solid images, each class's greys as given. */
export async function classFolder(classes: Record<string, number[]>, root = tmp()): Promise<string> {
  for (const [cls, greys] of Object.entries(classes)) {
    mkdirSync(join(root, cls), { recursive: true });
    for (const [i, g] of greys.entries()) await solid(join(root, cls, `${String(i).padStart(3, '0')}.png`), g);
  }
  return root;
}

/** Every batch of a split: pixel values (flat), labels and sample indices, tensors disposed. */
export async function collect(d: Dataset, split: SplitName, batchSize = 4, opts: { shuffleSeed?: number } = {}): Promise<{ x: number[]; y: number[]; index: number[]; shape: number[] }> {
  const out = { x: [] as number[], y: [] as number[], index: [] as number[], shape: [] as number[] };
  for await (const b of d.batches(split, batchSize, opts)) {
    out.x.push(...(b.x.dataSync() as Float32Array));
    out.y.push(...(b.y.dataSync() as Int32Array));
    out.index.push(...(b.index ?? []));
    out.shape = b.x.shape.slice(1);
    b.x.dispose();
    b.y.dispose();
  }
  return out;
}

/** A logger that keeps what it is told. */
export function recordingLog(): { info: (m: string) => void; warn: (m: string) => void; infos: string[]; warns: string[] } {
  const infos: string[] = [];
  const warns: string[] = [];
  return { info: (m) => infos.push(m), warn: (m) => warns.push(m), infos, warns };
}
