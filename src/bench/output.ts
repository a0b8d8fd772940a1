import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceDirAtomic } from '../core/files.js';
import type { BenchResults } from './results.js';
import { RUN_FILES } from '../run-dir/layout.js';

/**
 * Writes results.json into `dir` (RUN/bench), replacing an earlier bench's folder atomically; its reports go with it,
 * as the caller writes new ones from these results.
 */
export async function writeResults(dir: string, results: BenchResults): Promise<void> {
  await replaceDirAtomic(dir, async (staging) => {
    await writeFile(join(staging, RUN_FILES.results), JSON.stringify(results, null, 2) + '\n');
  });
}
