/** Writes RUN/bench/report.md and report.html from a bench's results. */
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import type { BenchResults } from '../bench/results.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { RUN_FILES } from '../run-dir/layout.js';

/**
 * Renders `results` as report.md and report.html and writes both into `dir` (RUN/bench, next to results.json), each
 * file atomically. Both are rendered before either is written, so a rendering error leaves the folder as it was.
 * Returns the two paths.
 */
export async function writeReports(results: BenchResults, dir: string): Promise<{ md: string; html: string }> {
  const md = renderMarkdown(results);
  const html = renderHtml(results);
  const paths = { md: join(dir, RUN_FILES.reportMd), html: join(dir, RUN_FILES.reportHtml) };
  await writeFileAtomic(paths.md, md);
  await writeFileAtomic(paths.html, html);
  return paths;
}
