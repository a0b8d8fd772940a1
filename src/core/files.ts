import { mkdir, rename, rm, readdir, stat, open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `data` to `path` atomically: a temp file in the same directory, fsync, then rename over the target. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes `value` as pretty JSON atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Builds a directory in a hidden sibling staging directory and renames it into place only when `fill` succeeds,
 * so a crash or an error never leaves `dir` half-written. `dir` must not exist (or be empty).
 */
export async function writeDirAtomic<T>(dir: string, fill: (staging: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(dir), { recursive: true });
  const staging = join(dirname(dir), `.${basename(dir)}.${randomBytes(4).toString('hex')}.staging`);
  await mkdir(staging, { recursive: true });
  try {
    const result = await fill(staging);
    if (existsSync(dir) && (await isEmptyDir(dir))) await rm(dir, { recursive: true });
    await rename(staging, dir);
    return result;
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/** True when `dir` is a directory with no entries. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  const s = await stat(dir);
  return s.isDirectory() && (await readdir(dir)).length === 0;
}
