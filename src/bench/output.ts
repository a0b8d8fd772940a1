import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BenchResults } from './results.js';
import { RUN_FILES } from '../run-dir/layout.js';

/**
 * Fills a staging folder next to `dir` and swaps it in only when `fill` succeeds, replacing an earlier `dir`: a
 * bench that fails half-way leaves the previous results whole.
 */
export async function replaceDirAtomic<T>(dir: string, fill: (staging: string) => Promise<T>): Promise<T> {
  const tag = randomBytes(4).toString('hex');
  const staging = join(dirname(dir), `.${basename(dir)}.${tag}.staging`);
  await mkdir(staging, { recursive: true });
  let result: T;
  try {
    result = await fill(staging);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  const old = join(dirname(dir), `.${basename(dir)}.${tag}.old`);
  if (existsSync(dir)) await rename(dir, old);
  await rename(staging, dir);
  await rm(old, { recursive: true, force: true });
  return result;
}

/**
 * Writes results.json into `dir` (RUN/bench), replacing an earlier bench's folder atomically; its reports go with it,
 * as the caller writes new ones from these results.
 */
export async function writeResults(dir: string, results: BenchResults): Promise<void> {
  await replaceDirAtomic(dir, async (staging) => {
    await writeFile(join(staging, RUN_FILES.results), JSON.stringify(results, null, 2) + '\n');
  });
}
