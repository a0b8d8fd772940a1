import { TEACHER_TRAINING_DEFAULTS, type DataConfig } from '../config/schema.js';
import { runPaths } from '../run-dir/layout.js';
import type { Logger } from '../core/progress.js';
import { distill, type DistillResult } from './index.js';
import { parseArch } from './arch-spec.js';

export interface TrainTeacherOptions {
  /** `--data` spec, or a whole data config (an image folder's input shape, its normalisation, ...). */
  data: string | (Partial<DataConfig> & { spec: string });
  /** Architecture spec, see {@link parseArch} (default `vgg`). */
  arch?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Training threads (train.workers). */
  workers?: number | 'auto';
  trainLimit?: number;
  out: string;
  force?: boolean;
  resume?: boolean;
  log?: Logger;
  quiet?: boolean;
}

/**
 * Trains a reference teacher with hard-label cross-entropy only, for users without a teacher (and the demo).
 * It is a distill run without a teacher: `out/student/model.json` is the teacher to pass to `--teacher`.
 */
export async function trainTeacher(o: TrainTeacherOptions): Promise<DistillResult & { modelPath: string }> {
  const arch = parseArch(o.arch ?? TEACHER_TRAINING_DEFAULTS.arch);
  const train: Record<string, unknown> = { epochs: o.epochs ?? TEACHER_TRAINING_DEFAULTS.epochs };
  if (o.batchSize !== undefined) train.batchSize = o.batchSize;
  train.learningRate = o.learningRate ?? TEACHER_TRAINING_DEFAULTS.learningRate;
  if (o.seed !== undefined) train.seed = o.seed;
  if (o.backend !== undefined) train.backend = o.backend;
  if (o.workers !== undefined) train.workers = o.workers;
  const config = {
    data: { ...(typeof o.data === 'string' ? { spec: o.data } : o.data), ...(o.trainLimit ? { trainLimit: o.trainLimit } : {}) },
    teacher: null,
    student: { family: arch.family, ...(arch.params ? { params: arch.params } : {}) },
    loss: { terms: [{ kind: 'hard-ce', weight: 1 }] },
    train,
  };
  const r = await distill({
    config,
    out: o.out,
    source: 'train-teacher',
    ...(o.force !== undefined ? { force: o.force } : {}),
    ...(o.resume !== undefined ? { resume: o.resume } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.quiet !== undefined ? { quiet: o.quiet } : {}),
  });
  return { ...r, modelPath: runPaths(r.out).studentModel };
}
