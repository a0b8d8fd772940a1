import * as tf from '@tensorflow/tfjs';
import { DivergedError, UserError } from '../core/errors.js';
import type { Dataset, IOSpec, StudentFamily, Teacher } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.js';
import type { TrainConfig, TuneConfig } from '../config/schema.js';
import { trainStudent, type EpochRecord } from '../train/trainer.js';
import { studentView } from '../data/student-view.js';
import type { TeacherOutputs } from '../teachers/outputs.js';
import { predictSplit } from '../train/evaluate.js';
import { agreementOf } from '../train/evaluate.js';
import { successiveHalving, type Rung } from './halving.js';
import { AUGMENT_CHOICES, describeRecipe, KD_TERMS, recipeFlags, recipeLoss, type Recipe, type SearchChoices } from './space.js';
import { augmentOps, augmentSpec, parseAugmentSpec } from '../data/augment/index.js';
import type { AugmentOpConfig } from '../config/schema.js';
import { scheduleForMinutes, scheduleForTrials, searchRecipes } from './schedule.js';
import { finalRuns } from './finals.js';
import { keptStudent, tuneVerdict, type FinalScores } from './verdict.js';
import { trialsPaths } from '../run-dir/layout.js';

export interface TuneInput {
  family: StudentFamily<any>;
  params: unknown;
  io: IOSpec;
  teacher: Teacher;
  /** Where trials get the teacher's outputs (a teacher cache); default: the live teacher. */
  teacherOutputs?: TeacherOutputs | undefined;
  data: Dataset;
  /** The student's own [h, w, c] when it differs from the data's (see TrainInput.studentInput). */
  studentInput?: number[] | undefined;
  train: TrainConfig;
  trainLimit?: number | undefined;
  tune: TuneConfig;
  /** The default recipe (first candidate of the search). */
  base: Recipe;
  /** Directory for trials.json / trials.md (the run's tune/ folder). */
  dir: string;
  log: Logger;
  quiet?: boolean;
}

/** One row of the trials table. */
export interface TrialRow {
  search: 'distill' | 'scratch';
  id: number;
  recipe: Recipe;
  description: string;
  rung: number;
  epochs: number;
  valAccuracy: number | null;
  diverged: boolean;
  seconds: number;
}

export interface TuneReport {
  budget: { trials?: number; minutes?: number };
  schedule: Rung[];
  trials: TrialRow[];
  best: { distill?: Recipe; scratch: Recipe };
  /** Flags that reproduce the chosen distillation recipe. */
  flags?: string;
  final: Record<'distill' | 'scratch', FinalScores>;
  chosen: 'distill' | 'scratch';
  verdict: string;
  searchSeconds: number;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * What both searches may draw: the run's own augmentation when it gives one (`--augment`), else every
 * {@link AUGMENT_CHOICES}; on data with unlabeled images neither image-mixing augmentations (a mixed label needs both
 * labels) nor dkd (it needs every sample's class).
 */
export function searchChoices(augment: readonly AugmentOpConfig[], data: Dataset): SearchChoices {
  const partial = data.partialLabels === true || data.labeled === false;
  const mixes = (spec: string) => parseAugmentSpec(spec).some((o) => augmentOps.get(o.op).mixes);
  return {
    augments: augment.length > 0 ? [augmentSpec(augment)] : AUGMENT_CHOICES.filter((a) => !(partial && mixes(a))),
    ...(partial ? { kd: KD_TERMS.filter((k) => k !== 'dkd') } : {}),
  };
}

/** A recipe's training settings: the run's, at the recipe's learning rate and augmentation, `epochs` long from `seed`. */
function recipeTrain(train: TrainConfig, r: Recipe, at: { epochs: number; seed: number }): TrainConfig {
  return { ...train, epochs: at.epochs, learningRate: r.learningRate, seed: at.seed, augment: r.augment ? parseAugmentSpec(r.augment, 'tune recipe --augment') : [] };
}

/**
 * The teacher a recipe trains against, and where its outputs come from: the run's teacher cache when it holds this
 * recipe's images (un-augmented ones, or the very views of a `--teacher-views` cache), else the teacher run live.
 * A baseline recipe gets no teacher at all.
 */
function recipeTeacher(input: TuneInput, r: Recipe): { teacher?: Teacher; teacherOutputs?: TeacherOutputs } {
  if (!(r.softWeight > 0 || r.featureWeight > 0)) return {};
  const src = input.teacherOutputs;
  const ops = r.augment ? parseAugmentSpec(r.augment) : [];
  const fits = src !== undefined && (src.views ? JSON.stringify(src.views.ops) === JSON.stringify(ops) : ops.length === 0 || !src.byIndex);
  return { teacher: input.teacher, ...(fits ? { teacherOutputs: src } : {}) };
}

/**
 * Searches the recipe on the validation split (never the test split) with successive halving, gives the
 * from-scratch baseline the same search over learning rates with the same schedule, then trains the best of each at
 * full length over `tune.seeds` seeds and compares test accuracy. Returns the student of the better recipe (by val).
 */
export async function tuneAndTrain(input: TuneInput): Promise<{ report: TuneReport; student: tf.LayersModel; history: EpochRecord[] }> {
  const { data, train, tune, log } = input;
  if (data.size('val') === 0) throw new UserError(`--tune: ${data.name} has no validation split; the search must not look at the test split. Use a dataset with a val split (mnist, idx: and image folders all carve one from the training data)`);
  const maxEpochs = train.epochs;
  const t0 = performance.now();

  const memo = new Map<string, { score: number; seconds: number; history: EpochRecord[] }>();
  const evaluate = async (r: Recipe, epochs: number, seed = train.seed) => {
    const key = JSON.stringify([r, epochs, seed]);
    const hit = memo.get(key);
    if (hit) return hit;
    const student = input.family.build(input.params, input.io, seed);
    const t = performance.now();
    let score = NaN;
    let history: EpochRecord[] = [];
    try {
      const res = await trainStudent({
        student, ...recipeTeacher(input, r), data, loss: recipeLoss(r),
        train: recipeTrain(train, r, { epochs, seed }), trainLimit: input.trainLimit, studentInput: input.studentInput, log, quiet: true,
      });
      history = res.history;
      score = res.history.at(-1)!.valAccuracy;
    } catch (e) {
      if (!(e instanceof DivergedError)) throw e;
    } finally {
      student.dispose();
    }
    const out = { score, seconds: (performance.now() - t) / 1000, history };
    memo.set(key, out);
    return out;
  };

  // The schedule, from a trial count or from minutes (measured: one epoch of the default recipe).
  const schedule: Rung[] =
    tune.trials !== undefined ? scheduleForTrials(tune.trials, tune.eta, maxEpochs) : scheduleForMinutes(tune.minutes!, (await evaluate(input.base, 1)).seconds, tune.eta, maxEpochs);
  log.info(`tune: successive halving, rungs ${schedule.map((r) => `${r.n}×${r.epochs}ep`).join(' → ')} for distillation recipes and again for the from-scratch baseline`);

  const features = input.teacher.tapNames().includes('penultimate');
  const rows: TrialRow[] = [];
  const runSearch = async (search: 'distill' | 'scratch', cands: Recipe[]) => {
    const r = await successiveHalving(cands, schedule, async (c, epochs, id) => {
      const res = await evaluate(c, epochs);
      const row: TrialRow = { search, id, recipe: c, description: describeRecipe(c), rung: 0, epochs, valAccuracy: Number.isFinite(res.score) ? res.score : null, diverged: !Number.isFinite(res.score), seconds: res.seconds };
      rows.push(row);
      log.info(`  ${search} trial ${id}: ${row.description}, ${epochs} ep → ${row.diverged ? 'diverged' : `val ${pct(res.score)}`} (${res.seconds.toFixed(1)}s)`);
      return res;
    });
    r.trials.forEach((t) => {
      const row = rows.find((x) => x.search === search && x.id === t.id);
      if (row) row.rung = t.rung;
    });
    return r.best?.candidate;
  };
  const cands = searchRecipes(schedule[0]!.n, train.seed, features, input.base, searchChoices(train.augment, data));
  const bestDistill = await runSearch('distill', cands.distill);
  // All diverged: the first scratch recipe (the base's rate and augmentation) stands in.
  const bestScratch = (await runSearch('scratch', cands.scratch)) ?? cands.scratch[0]!;
  const searchSeconds = (performance.now() - t0) / 1000;
  if (!bestDistill) log.warn('tune: every distillation trial diverged; keeping the from-scratch baseline');

  // Final runs at full length, several seeds, both recipes; val picks, test reports.
  const final: TuneReport['final'] = { distill: { seeds: [], val: [], test: [] }, scratch: { seeds: [], val: [], test: [] } };
  const models: Partial<Record<'distill' | 'scratch', { student: tf.LayersModel; history: EpochRecord[] }>> = {};
  for (const { kind, recipe, seed } of finalRuns({ distill: bestDistill, scratch: bestScratch }, tune.seeds, train.seed)) {
    const student = input.family.build(input.params, input.io, seed);
    const res = await trainStudent({
      student, ...recipeTeacher(input, recipe), data, loss: recipeLoss(recipe),
      train: recipeTrain(train, recipe, { epochs: train.epochs, seed }), trainLimit: input.trainLimit, studentInput: input.studentInput, log, quiet: input.quiet ?? false,
    });
    const test = await predictSplit(student, input.studentInput ? studentView(tf, data, input.studentInput) : data, 'test');
    final[kind].seeds.push(seed);
    final[kind].val.push(res.history.at(-1)!.valAccuracy);
    final[kind].test.push(agreementOf(test.preds, test.labels));
    // The first seed's student is the one kept (its run is the one the recipe's flags reproduce).
    if (!models[kind]) models[kind] = { student, history: res.history };
    else student.dispose();
  }
  const chosen = keptStudent(final, bestDistill !== undefined);
  const verdict = tuneVerdict({ distill: final.distill.test, scratch: final.scratch.test }, bestDistill !== undefined, tune.seeds);
  const report: TuneReport = {
    budget: tune.trials !== undefined ? { trials: tune.trials } : { minutes: tune.minutes! },
    schedule, trials: rows, best: { ...(bestDistill ? { distill: bestDistill } : {}), scratch: bestScratch },
    ...(bestDistill ? { flags: recipeFlags(bestDistill) } : {}),
    final, chosen, verdict, searchSeconds,
  };
  const trials = trialsPaths(input.dir);
  await writeJsonAtomic(trials.json, report);
  await writeFileAtomic(trials.md, trialsMarkdown(report));
  log.info(`tune: ${verdict}`);
  if (report.flags) log.info(`tune: chosen distillation recipe as flags: ${report.flags}`);
  const other = chosen === 'distill' ? 'scratch' : 'distill';
  models[other]?.student.dispose();
  const keep = models[chosen]!;
  return { report, student: keep.student, history: keep.history };
}

/** The trials table and verdict as Markdown. */
export function trialsMarkdown(r: TuneReport): string {
  const lines = [
    `# Recipe search`,
    '',
    `Budget ${r.budget.trials !== undefined ? `${r.budget.trials} trials` : `${r.budget.minutes} minutes`} per search; rungs ${r.schedule.map((x) => `${x.n}×${x.epochs} epochs`).join(' → ')}; search time ${r.searchSeconds.toFixed(0)} s.`,
    '',
    `**${r.verdict}.** Kept: ${r.chosen}.${r.flags ? ` Chosen recipe: \`${r.flags}\`` : ''}`,
    '',
    '| search | trial | recipe | rung | epochs | val accuracy | seconds |',
    '|---|---|---|---|---|---|---|',
    ...r.trials.map((t) => `| ${t.search} | ${t.id} | ${t.description} | ${t.rung} | ${t.epochs} | ${t.valAccuracy === null ? 'diverged' : pct(t.valAccuracy)} | ${t.seconds.toFixed(1)} |`),
  ];
  return lines.join('\n') + '\n';
}
