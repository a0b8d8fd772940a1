/** Builds distill-style run directories for export tests: RUN/student/model.json (+ shards) and RUN/config.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { saveLayersModelToDir } from '../../src/runtime/model-io.js';

/** Writes `model` as RUN/student and a config.json whose `data` field is `data` (default embedded MNIST, seed 1234). */
export async function makeRunDir(run: string, model: tfType.LayersModel | null, data: Record<string, unknown> = { spec: 'mnist', seed: 1234 }): Promise<string> {
  mkdirSync(run, { recursive: true });
  if (model) await saveLayersModelToDir(model, join(run, 'student'));
  writeFileSync(join(run, 'config.json'), JSON.stringify({ data, teacher: { path: 'teacher/model.json' } }, null, 2));
  return run;
}
