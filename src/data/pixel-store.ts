/**
 * Where an image folder's decoded uint8 HWC pixels are read from, one fixed-size slot per listed image: memory, a
 * decode-cache file, or (no cache) sharp on every read.
 */
import { open } from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import { decodeImage, describeFirstConversion, UnreadableImage, type Conversion, type DecodeTarget } from './decode.js';
import { forEachLimited } from './pool.js';

/** The decoded pixels of a folder's images, by slot (the image's position in the listing). */
export interface PixelStore {
  readonly bytesPerImage: number;
  /**
   * Copies the images at `slots` into `out`, one after the other (slots.length · bytesPerImage bytes). Returns the
   * positions in `slots` that could not be decoded (their bytes left zero), for a store that finds bad images only
   * when it reads them; the caller leaves them out.
   */
  read(slots: ArrayLike<number>, out: Uint8Array): Promise<number[] | void>;
}

/** Every slot in one array in memory. */
export class MemoryPixels implements PixelStore {
  constructor(
    readonly data: Uint8Array,
    readonly bytesPerImage: number,
  ) {}

  async read(slots: ArrayLike<number>, out: Uint8Array): Promise<void> {
    const per = this.bytesPerImage;
    for (let i = 0; i < slots.length; i++) out.set(this.data.subarray(slots[i]! * per, (slots[i]! + 1) * per), i * per);
  }
}

/** Slots read from a decode-cache file for each batch (for data larger than the memory budget). */
export class FilePixels implements PixelStore {
  constructor(
    readonly path: string,
    readonly bytesPerImage: number,
  ) {}

  async read(slots: ArrayLike<number>, out: Uint8Array): Promise<void> {
    const per = this.bytesPerImage;
    const fh = await open(this.path, 'r');
    try {
      await Promise.all(Array.from({ length: slots.length }, async (_, i) => {
        const { bytesRead } = await fh.read(out, i * per, per, slots[i]! * per);
        if (bytesRead !== per) throw new UserError(`${this.path}: decode cache is truncated (slot ${slots[i]}); delete it to rebuild`);
      }));
    } finally {
      await fh.close();
    }
  }
}

/**
 * No cache: each read decodes its images with sharp again (every batch of every epoch). An unreadable image is found
 * only when its batch comes: it is left out of the batch (its position returned) and reported once, or refused under
 * strict, naming the file; conversions are logged the first time each happens.
 */
export class StreamPixels implements PixelStore {
  readonly bytesPerImage: number;
  private readonly seen = new Set<Conversion>();
  /** Files found unreadable so far (each reported once). */
  readonly unreadable = new Set<string>();

  constructor(
    private readonly files: readonly string[],
    private readonly target: DecodeTarget,
    private readonly o: { strict: boolean; concurrency: number; log?: Logger },
  ) {
    this.bytesPerImage = target.height * target.width * target.channels;
  }

  async read(slots: ArrayLike<number>, out: Uint8Array): Promise<number[]> {
    const per = this.bytesPerImage;
    const bad: number[] = [];
    await forEachLimited(slots.length, this.o.concurrency, async (i) => {
      const file = this.files[slots[i]!]!;
      try {
        const d = await decodeImage(file, this.target, this.o.strict);
        out.set(d.pixels, i * per);
        for (const c of d.conversions) {
          if (this.seen.has(c)) continue;
          this.seen.add(c);
          this.o.log?.info(`decode: ${describeFirstConversion(c, file)}`);
        }
      } catch (e) {
        if (!(e instanceof UnreadableImage)) throw e;
        if (this.o.strict) throw new UserError(`${e.message}; remove it or drop --strict to skip such files`);
        out.fill(0, i * per, (i + 1) * per);
        bad.push(i);
        if (!this.unreadable.has(file)) {
          this.unreadable.add(file);
          this.o.log?.warn(`skipped ${file}: cannot be decoded as an image (${e.reason}); without a decode cache it is found only when its batch comes and is left out of every batch (${this.unreadable.size} such image(s) so far); use --strict to refuse instead`);
        }
      }
    });
    return bad.sort((a, b) => a - b);
  }
}
