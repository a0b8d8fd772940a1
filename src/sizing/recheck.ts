/**
 * `--candidates K --size-by latency`: after training, export the candidate again and check the byte budgets. Raw
 * size and latency do not depend on the weights' values, but the gzip size does (trained weights compress
 * differently from random ones), so a candidate measured untrained can stop fitting a `maxGzipBytes` budget.
 */
import type * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../core/types.js';
import type { Budget } from '../config/target.js';
import type { LoadedTarget } from './target-budget.js';
import { sizingPrecision } from './target-budget.js';
import { budgetMisses } from './search.js';

/** Why the trained `student`'s artifact misses the byte budgets of `budget` (empty when it fits). */
export async function trainedBudgetMisses(student: tf.LayersModel, o: { target: LoadedTarget; budget: Budget; data: Dataset }): Promise<string[]> {
  const { exportModel } = await import('../export/index.js');
  const { target } = o.target;
  const precision = sizingPrecision(target);
  const dir = await mkdtemp(join(tmpdir(), 'ed-recheck-'));
  try {
    const manifest = await exportModel({
      model: student, out: join(dir, 'export'), formats: [target.artifact.format], precisions: [precision], data: o.data, paritySamples: 32, calibration: 32, minAgreement: 0,
    });
    const a = manifest.artifacts[0];
    if (!a) return [`the export wrote no ${target.artifact.format}-${precision} artifact (${manifest.skipped.map((s) => s.reason).join('; ')})`];
    // Only the byte budgets are checked again: latency was measured on the same graph and does not change.
    const { maxP50Ms: _p50, maxP95Ms: _p95, ...bytesOnly } = o.budget;
    return budgetMisses({ bytes: a.bytes, gzipBytes: a.gzipBytes, p50Ms: 0, p95Ms: 0, samples: 0 }, bytesOnly);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
