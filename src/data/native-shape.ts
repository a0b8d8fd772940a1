/**
 * The size an image folder is read at when neither the config (`data.inputShape`) nor a teacher gives one: the
 * images' own, so that a labels-only run on colour photographs does not quietly train on 28x28 grey thumbnails.
 */
import type { Logger } from '../core/progress.js';

/** How many files are looked at: enough to find the usual size of a folder of mixed sizes, few enough to be instant. */
const SAMPLE = 64;

/**
 * [h, w, c] of the most common size among up to {@link SAMPLE} files spread over `files` (ties: the first seen), with
 * c = 1 when every sampled image is grey (with or without alpha) and 3 otherwise. Files sharp cannot read are passed
 * over (the decode pass reports them); undefined when none can be read.
 */
export async function nativeShape(files: readonly string[], log?: Logger): Promise<number[] | undefined> {
  const { default: sharp } = await import('sharp');
  const step = Math.max(1, Math.floor(files.length / SAMPLE));
  const counts = new Map<string, number>();
  let colour = false;
  let read = 0;
  for (let i = 0; i < files.length && read < SAMPLE; i += step) {
    const m = await sharp(files[i]!).metadata().catch(() => undefined);
    if (!m?.width || !m.height) continue;
    read++;
    // EXIF orientations 5-8 turn the picture a quarter: the decode pass applies them, so count the turned size.
    const turned = (m.orientation ?? 1) >= 5;
    const key = turned ? `${m.width}x${m.height}` : `${m.height}x${m.width}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if ((m.channels ?? 3) > 2 || m.space === 'cmyk') colour = true;
  }
  if (read === 0) return undefined;
  const [best] = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  const [h, w] = best.split('x').map(Number) as [number, number];
  const shape = [h, w, colour ? 3 : 1];
  log?.info(`images read at their own size ${shape.join('x')} (the most common among ${read} sampled${counts.size > 1 ? `; ${counts.size} sizes seen, the others resized to it` : ''}); set data.inputShape in a config to choose another`);
  return shape;
}
