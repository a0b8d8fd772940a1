/** The end of a distill run: the student and metrics written, training-only state removed. */
import type * as tf from '@tensorflow/tfjs';
import { rm } from 'node:fs/promises';
import { writeDirAtomic, writeJsonAtomic } from '../core/files.js';
import { saveLayersModelToDir } from '../runtime/model-io.js';
import { runPaths } from '../run-dir/layout.js';
import { removeCheckpoint } from '../train/checkpoint.js';
import type { RunMetrics } from './metrics.js';

/**
 * Writes RUN/student/ and RUN/metrics.json (metrics last: its presence marks a finished run), then removes what only
 * an unfinished run needs: the checkpoint (optimizer moments, adapters), the candidates' folders and a run-local
 * teacher cache (a shared `--cache DIR` is kept: other runs use it).
 */
export async function writeFinishedRun(out: string, student: tf.LayersModel, metrics: RunMetrics, o: { teacherCacheDir?: string }): Promise<void> {
  const p = runPaths(out);
  await rm(p.student, { recursive: true, force: true });
  await writeDirAtomic(p.student, (dir) => saveLayersModelToDir(student, dir));
  await writeJsonAtomic(p.metrics, metrics);
  await removeCheckpoint(p.checkpoint);
  await rm(p.candidatesDir, { recursive: true, force: true });
  if (o.teacherCacheDir) await rm(o.teacherCacheDir, { recursive: true, force: true });
}
