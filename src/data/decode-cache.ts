/**
 * The decode pass: every listed image decoded and resized once, with bounded concurrency, into uint8 HWC slots held
 * in memory or in a decode-cache file. The file is `KEY.u8` (the slots, n·h·w·c bytes, a skipped image's slot left
 * zero) beside `KEY.json` (a small header), KEY a hash of the listing (paths, sizes, mtimes), the input shape and the
 * resize mode; both are written atomically, the header last, and a header that does not match is rebuilt over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.js';
import { createProgress, type Logger } from '../core/progress.js';
import { decodeImage, describeConversions, UnreadableImage, type Conversion, type DecodeTarget } from './decode.js';
import { FilePixels, MemoryPixels, type PixelStore } from './pixel-store.js';
import { forEachLimited } from './pool.js';

/** Bumped whenever the decoder's output for the same file and target may change, so older caches are rebuilt. */
export const DECODE_CACHE_VERSION = 1;
const FORMAT = 'edge-distill decode cache';

/** Where the pixels go when there is no cache to reuse. */
export type DecodeStoreMode = 'auto' | 'memory' | 'file';

export interface DecodePassOptions {
  target: DecodeTarget;
  mode: DecodeStoreMode;
  /** Directory of decode-cache files. */
  cacheDir: string;
  /** Pixels up to this many bytes are held in memory (`auto` decodes to a file above it). */
  memoryBudget: number;
  /** Images decoded at once. */
  concurrency: number;
  strict: boolean;
  /** {@link listingFingerprint} of the files. */
  listing: string;
  /** What the progress line calls the data. */
  label: string;
  log?: Logger;
  quiet: boolean;
}

/** An image the pass could not decode (its sample is left out of every split). */
export interface SkippedImage {
  slot: number;
  file: string;
  reason: string;
}

/** What the pass did and what its cache costs. */
export interface DecodeReport {
  /** Where batches read the pixels from. */
  store: 'memory' | 'file';
  /** The decode-cache file written or reused, if any. */
  path?: string;
  /** True when the pixels came from an existing decode-cache file (nothing was decoded). */
  fromCache: boolean;
  images: number;
  /** Pixel bytes (n·h·w·c); the header file adds {@link DecodeReport.headerBytes}. */
  bytes: number;
  headerBytes?: number;
  /** Time of the pass (decoding, or reading the cache). */
  seconds: number;
  /** Decoded images per second (a decoding pass only). */
  imagesPerSecond?: number;
  skipped: SkippedImage[];
  conversions: Partial<Record<Conversion, number>>;
  firstConverted: Partial<Record<Conversion, string>>;
}

interface CacheHeader {
  format: string;
  version: number;
  key: string;
  images: number;
  shape: number[];
  resize: string;
  bytes: number;
  skipped: SkippedImage[];
  conversions: Partial<Record<Conversion, number>>;
  firstConverted: Partial<Record<Conversion, string>>;
  decodeSeconds: number;
}

/** The cache key of a listing decoded to `target`. */
export function decodeCacheKey(listing: string, target: DecodeTarget): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: DECODE_CACHE_VERSION, listing, shape: [target.height, target.width, target.channels], resize: target.resize }));
  return h.digest('hex').slice(0, 32);
}

/** The two files of the decode cache with `key` in `dir`. */
export function decodeCachePaths(dir: string, key: string): { pixels: string; header: string } {
  return { pixels: join(dir, `${key}.u8`), header: join(dir, `${key}.json`) };
}

/** 588 B, 61.4 kB, 153.6 MB. */
const mb = (n: number) => (n < 1e4 ? `${n} B` : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`);

/** The header at `paths` when it describes exactly this key, count and shape and its pixel file is whole; else why not. */
async function readHeader(paths: { pixels: string; header: string }, key: string, n: number, target: DecodeTarget): Promise<CacheHeader | string> {
  let h: CacheHeader;
  try {
    h = JSON.parse(await readFile(paths.header, 'utf8')) as CacheHeader;
  } catch (e) {
    return `its header is unreadable (${(e as Error).message})`;
  }
  const shape = [target.height, target.width, target.channels];
  if (h.format !== FORMAT || h.version !== DECODE_CACHE_VERSION) return `it has format ${JSON.stringify(h.format)} version ${h.version}, expected version ${DECODE_CACHE_VERSION}`;
  if (h.key !== key) return 'it was built for another folder listing, size or resize mode';
  if (h.images !== n || JSON.stringify(h.shape) !== JSON.stringify(shape) || h.resize !== target.resize) return `it holds ${h.images} images of ${JSON.stringify(h.shape)} (${h.resize}), expected ${n} of ${JSON.stringify(shape)} (${target.resize})`;
  const size = existsSync(paths.pixels) ? (await stat(paths.pixels)).size : -1;
  if (size !== n * shape[0]! * shape[1]! * shape[2]!) return `its pixel file has ${size < 0 ? 'gone' : `${size} bytes`}, expected ${n * shape[0]! * shape[1]! * shape[2]!}`;
  return h;
}

/** Under strict, what a non-strict build let through is refused now, naming the file. */
function refuseUnderStrict(h: Pick<CacheHeader, 'skipped' | 'firstConverted'>): void {
  const bad = h.skipped[0];
  if (bad) throw new UserError(`${bad.file}: cannot be decoded as an image (${bad.reason}); remove it or drop --strict to skip such files`);
  if (h.firstConverted.cmyk) throw new UserError(`${h.firstConverted.cmyk}: is a CMYK image; convert it to 8-bit sRGB or drop --strict to convert it on load`);
  if (h.firstConverted.highDepth) throw new UserError(`${h.firstConverted.highDepth}: has more than 8 bits per sample; convert it to 8 bits or drop --strict to reduce it on load`);
}

/**
 * Decodes `files` once (or reuses the decode cache that matches them) and returns where batches read the pixels.
 * Unreadable images are skipped and reported (refused under strict, naming the file).
 */
export async function decodePass(files: readonly string[], o: DecodePassOptions): Promise<{ store: PixelStore; report: DecodeReport }> {
  const t0 = performance.now();
  const per = o.target.height * o.target.width * o.target.channels;
  const n = files.length;
  const bytes = n * per;
  const key = decodeCacheKey(o.listing, o.target);
  const paths = decodeCachePaths(o.cacheDir, key);

  if (o.mode !== 'memory' && existsSync(paths.header)) {
    const h = await readHeader(paths, key, n, o.target);
    if (typeof h !== 'string') {
      if (o.strict) refuseUnderStrict(h);
      const inMemory = bytes <= o.memoryBudget;
      const store = inMemory ? new MemoryPixels(new Uint8Array(await readFile(paths.pixels)), per) : new FilePixels(paths.pixels, per);
      const seconds = (performance.now() - t0) / 1000;
      o.log?.info(`decode: ${o.label}: ${n} images from the decode cache ${paths.pixels} (${mb(bytes)}, ${inMemory ? `read into memory in ${seconds.toFixed(2)} s` : 'read batch by batch'})`);
      const report: DecodeReport = { store: inMemory ? 'memory' : 'file', path: paths.pixels, fromCache: true, images: n, bytes, headerBytes: (await stat(paths.header)).size, seconds, skipped: h.skipped, conversions: h.conversions, firstConverted: h.firstConverted };
      return { store, report };
    }
    o.log?.info(`decode: the decode cache ${paths.header} does not fit this data (${h}); rebuilding it`);
  }

  const toFile = o.mode === 'file' || (o.mode === 'auto' && bytes > o.memoryBudget);
  const inMemory = o.mode === 'memory' || bytes <= o.memoryBudget;
  const mem = inMemory ? new Uint8Array(bytes) : undefined;
  if (toFile) await mkdir(o.cacheDir, { recursive: true });
  const tmp = toFile && !inMemory ? join(o.cacheDir, `.${key}.u8.${randomBytes(4).toString('hex')}.tmp`) : undefined;
  const fh = tmp ? await open(tmp, 'w') : undefined;
  const skipped: SkippedImage[] = [];
  const conversions: Partial<Record<Conversion, number>> = {};
  const firstSlot: Partial<Record<Conversion, number>> = {};
  const progress = createProgress({ label: `decode ${o.label}`, total: n, unit: 'img', quiet: o.quiet });
  try {
    if (fh) await fh.truncate(bytes); // a skipped image's slot stays zero
    await forEachLimited(n, o.concurrency, async (i) => {
      try {
        const d = await decodeImage(files[i]!, o.target, o.strict);
        if (mem) mem.set(d.pixels, i * per);
        else await fh!.write(d.pixels, 0, per, i * per);
        for (const c of d.conversions) {
          conversions[c] = (conversions[c] ?? 0) + 1;
          if (firstSlot[c] === undefined || i < firstSlot[c]!) firstSlot[c] = i;
        }
      } catch (e) {
        if (!(e instanceof UnreadableImage)) throw e;
        if (o.strict) throw new UserError(`${e.message}; remove it or drop --strict to skip such files`);
        skipped.push({ slot: i, file: e.file, reason: e.reason });
      }
      progress.tick();
    });
    skipped.sort((a, b) => a.slot - b.slot);
    const decodeSeconds = (performance.now() - t0) / 1000;
    const firstConverted = Object.fromEntries(Object.entries(firstSlot).map(([c, slot]) => [c, files[slot]!])) as Partial<Record<Conversion, string>>;
    let headerBytes: number | undefined;
    if (toFile) {
      if (mem) await writeFileAtomic(paths.pixels, mem);
      else {
        await fh!.sync();
        await fh!.close();
        await rename(tmp!, paths.pixels);
      }
      const header: CacheHeader = { format: FORMAT, version: DECODE_CACHE_VERSION, key, images: n, shape: [o.target.height, o.target.width, o.target.channels], resize: o.target.resize, bytes, skipped, conversions, firstConverted, decodeSeconds };
      await writeJsonAtomic(paths.header, header);
      headerBytes = (await stat(paths.header)).size;
    }
    const seconds = (performance.now() - t0) / 1000;
    const where = toFile ? `in ${paths.pixels}${mem ? ' and in memory' : ''}` : 'in memory';
    const cost = `cache ${mb(bytes)} ${where}, ${seconds.toFixed(1)} s`;
    progress.done(cost);
    if (o.quiet) o.log?.info(`decode: ${o.label}: ${n} images in ${decodeSeconds.toFixed(1)} s (${(n / Math.max(decodeSeconds, 1e-9)).toFixed(0)} img/s); ${cost}`);
    for (const line of describeConversions(conversions, firstConverted)) o.log?.info(`decode: ${line}`);
    const store = mem ? new MemoryPixels(mem, per) : new FilePixels(paths.pixels, per);
    const report: DecodeReport = { store: mem ? 'memory' : 'file', ...(toFile ? { path: paths.pixels } : {}), fromCache: false, images: n, bytes, ...(headerBytes !== undefined ? { headerBytes } : {}), seconds, imagesPerSecond: n / Math.max(decodeSeconds, 1e-9), skipped, conversions, firstConverted };
    return { store, report };
  } catch (e) {
    if (fh) await fh.close().catch(() => {});
    if (tmp) await rm(tmp, { force: true });
    throw e;
  }
}
