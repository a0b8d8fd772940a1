/** RUN/metrics.json: what a distill run records of its student, training and test split. */
import type * as tf from '@tensorflow/tfjs';
import type { Dataset, IOSpec, StudentFamily, Teacher } from '../core/types.js';
import { countParams } from '../students/layers.js';
import type { BYTES_PER_WEIGHT } from '../students/sizing.js';
import type { EpochRecord } from '../train/trainer.js';
import { agreementOf, predictSplit, predictTeacherSplit } from '../train/evaluate.js';
import type { SizingReport } from '../sizing/report.js';
import type { TrainedCandidate } from './candidates.js';

/** The chosen student architecture, as recorded in metrics.json. */
export interface ArchitectureRecord {
  family: string;
  params: unknown;
  description: string;
  paramCount: number;
  /** Exported weight bytes at each precision. */
  bytes: Record<keyof typeof BYTES_PER_WEIGHT, number>;
  candidates?: { description: string; paramCount: number; bytes: number; fits: boolean }[];
  /** Latency sizing (--size-by latency): the measured candidate table, also in RUN/sizing.json. */
  sizing?: SizingReport;
  /** --candidates K: the trained candidates and their val accuracy, also in RUN/candidates.json. */
  trained?: TrainedCandidate[];
}

/** metrics.json of a run. */
export interface RunMetrics {
  architecture: ArchitectureRecord;
  backend: string;
  epochs: EpochRecord[];
  /**
   * `against: 'teacher'`: the data had no labels (unlabeled images alone), so accuracy is top-1 agreement with the
   * teacher on the held-out images. `unlabeledAgreement`: the same on the held-out part of `--unlabeled` images.
   */
  test: { accuracy: number; teacherAccuracy?: number; agreement?: number; n: number; against?: 'teacher'; unlabeledAgreement?: number };
  seconds: number;
  /** Summary of the recipe search when --tune ran (the full table is in tune/trials.json). */
  tune?: { chosen: 'distill' | 'scratch'; verdict: string; flags?: string; trials: number; searchSeconds: number };
}

/** The record of one family member: description, parameter count and weight bytes at each precision. */
export function architectureRecord(family: StudentFamily<any>, params: unknown, io: IOSpec): ArchitectureRecord {
  const m = family.build(params, io, 1);
  const n = countParams(m);
  m.dispose();
  return { family: family.name, params, description: family.describe(params), paramCount: n, bytes: { float32: 4 * n, float16: 2 * n, uint8: n } };
}

/** Top-1 agreement of `model` (fed `studentHeldOut`) with the teacher (fed `heldOut`) on held-out unlabeled images. */
export async function heldOutAgreement(model: tf.LayersModel, heldOut: Dataset, studentHeldOut: Dataset, teacher: Teacher): Promise<number> {
  const s = await predictSplit(model, studentHeldOut, 'test');
  return agreementOf(s.preds, await predictTeacherSplit(teacher, heldOut, 'test'));
}

/**
 * Test-split accuracy of `model` on `data` (and of the teacher, on `teacherData` — the same images at the teacher's
 * size when the student has its own — and their agreement).
 */
export async function testMetrics(model: tf.LayersModel, data: Dataset, teacher?: Teacher, teacherData: Dataset = data): Promise<RunMetrics['test']> {
  const s = await predictSplit(model, data, 'test');
  const test: RunMetrics['test'] = { accuracy: agreementOf(s.preds, s.labels), n: s.labels.length };
  if (teacher) {
    const t = await predictTeacherSplit(teacher, teacherData, 'test');
    test.teacherAccuracy = agreementOf(t, s.labels);
    test.agreement = agreementOf(s.preds, t);
  }
  return test;
}
