/** Training the chosen student: one run, the K largest candidates, or a recipe search and its finals. */
import type * as tf from '@tensorflow/tfjs';
import type { Dataset, IOSpec, StudentFamily } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import type { DistillConfig } from '../config/schema.js';
import { runPaths } from '../run-dir/layout.js';
import type { ModelTeacher } from '../teachers/index.js';
import type { TeacherOutputs } from '../teachers/outputs.js';
import { trainStudent, type EpochRecord } from '../train/trainer.js';
import type { LoadedTarget } from '../sizing/target-budget.js';
import type { SizingReport } from '../sizing/report.js';
import type { TuneReport } from '../tune/index.js';
import { baseRecipe } from './config.js';
import { trainCandidates, type CandidateChoice } from './candidates.js';
import { architectureRecord, type ArchitectureRecord } from './metrics.js';

/** What {@link trainChosen} needs: the resolved config, the built student and what was chosen for it. */
export interface TrainChosenInput {
  c: DistillConfig;
  /** The student built from `arch.params` (trained as it is, or disposed when candidates or a search build their own). */
  built: tf.LayersModel;
  family: StudentFamily<any>;
  io: IOSpec;
  arch: { params: unknown; record: ArchitectureRecord };
  /** --candidates K: the K largest that fit (undefined: train `built`). */
  choices: CandidateChoice[] | undefined;
  sized: { report: SizingReport } | undefined;
  target: LoadedTarget | undefined;
  teacher: ModelTeacher | undefined;
  teacherOutputs: TeacherOutputs | undefined;
  data: Dataset;
  /** The student's own [h, w, c] when it differs from the data's. */
  studentInput: number[] | undefined;
  /** `data` as the student sees it (resized to `studentInput`; the same object without one). */
  studentData: Dataset;
  out: string;
  log: Logger;
  quiet: boolean;
}

/** The trained student, its history and architecture record (and the search's report when --tune ran). */
export interface TrainChosenResult {
  student: tf.LayersModel;
  history: EpochRecord[];
  record: ArchitectureRecord;
  tune?: TuneReport;
}

/** Trains the student the way the config asks: a recipe search (--tune), K candidates, or one run. */
export async function trainChosen(o: TrainChosenInput): Promise<TrainChosenResult> {
  const { c, log, quiet } = o;
  const train = (s: tf.LayersModel, checkpointDir: string) =>
    trainStudent({ student: s, teacher: o.teacher, teacherOutputs: o.teacherOutputs, data: o.data, loss: c.loss, train: c.train, trainLimit: c.data.trainLimit, studentInput: o.studentInput, checkpointDir, log, quiet });
  if (c.tune) {
    o.built.dispose();
    // checkSettings refused --tune without a teacher before anything loaded.
    const { tuneAndTrain } = await import('../tune/index.js');
    const r = await tuneAndTrain({
      family: o.family, params: o.arch.params, io: o.io, teacher: o.teacher!, teacherOutputs: o.teacherOutputs, data: o.data, studentInput: o.studentInput, train: c.train, trainLimit: c.data.trainLimit, tune: c.tune,
      base: baseRecipe(c), dir: runPaths(o.out).tuneDir, log, quiet,
    });
    return { student: r.student, history: r.history, record: o.arch.record, tune: r.report };
  }
  if (o.choices) {
    o.built.dispose();
    const { sized, target } = o;
    const recheck = sized && target
      ? async (s: tf.LayersModel) => (await import('../sizing/recheck.js')).trainedBudgetMisses(s, { target, budget: sized.report.budget, data: o.studentData })
      : undefined;
    const r = await trainCandidates({ family: o.family, io: o.io, candidates: o.choices, seed: c.train.seed, train, ...(recheck ? { recheck } : {}), out: o.out, log });
    const prev = o.arch.record;
    const record = { ...architectureRecord(o.family, r.params, o.io), ...(prev.candidates ? { candidates: prev.candidates } : {}), ...(prev.sizing ? { sizing: prev.sizing } : {}), trained: r.rows };
    return { student: r.student, history: r.history, record };
  }
  const { history } = await train(o.built, runPaths(o.out).checkpoint);
  return { student: o.built, history, record: o.arch.record };
}
