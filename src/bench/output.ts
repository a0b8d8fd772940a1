/** Where a bench's files go: RUN/bench, replaced whole (src/core/dir-swap.ts). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResults } from './results.js';
import { RUN_FILES } from '../run-dir/layout.js';

/** Writes `results` as results.json into `dir` (RUN/bench, or its staging folder). */
export async function writeResultsFile(dir: string, results: BenchResults): Promise<void> {
  await writeFile(join(dir, RUN_FILES.results), JSON.stringify(results, null, 2) + '\n');
}
