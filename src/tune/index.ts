import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { DivergedError, UserError } from '../core/errors.js';
import type { Dataset, IOSpec, StudentFamily, Teacher } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.js';
import type { TrainConfig, TuneConfig } from '../config/schema.js';
import { trainStudent, type EpochRecord } from '../train/trainer.js';
import type { TeacherOutputs } from '../teachers/outputs.js';
import { predictSplit } from '../train/evaluate.js';
import { agreementOf } from '../train/evaluate.js';
import { halvingSchedule, scheduleCost, successiveHalving, type Rung } from './halving.js';
import { describeRecipe, recipeFlags, recipeLoss, sampleRecipes, sampleScratch, type Recipe } from './space.js';

export interface TuneInput {
  family: StudentFamily<any>;
  params: unknown;
  io: IOSpec;
  teacher: Teacher;
  /** Where trials get the teacher's outputs (a teacher cache); default: the live teacher. */
  teacherOutputs?: TeacherOutputs | undefined;
  data: Dataset;
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
  final: Record<'distill' | 'scratch', { seeds: number[]; val: number[]; test: number[] }>;
  chosen: 'distill' | 'scratch';
  verdict: string;
  searchSeconds: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const std = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Rung schedule whose trial count fits `trials`, or undefined when not even `eta` recipes fit. */
function scheduleForTrials(trials: number, eta: number, maxEpochs: number): Rung[] | undefined {
  let best: Rung[] | undefined;
  for (let n = eta; n <= 200; n++) {
    const s = halvingSchedule(n, 1, eta, maxEpochs);
    if (s.reduce((a, r) => a + r.n, 0) > trials) break;
    best = s;
  }
  return best;
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
        student, teacher: r.softWeight > 0 || r.featureWeight > 0 ? input.teacher : undefined, teacherOutputs: r.softWeight > 0 || r.featureWeight > 0 ? input.teacherOutputs : undefined, data, loss: recipeLoss(r),
        train: { ...train, epochs, learningRate: r.learningRate, seed }, trainLimit: input.trainLimit, log, quiet: true,
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
  let schedule: Rung[] | undefined;
  if (tune.trials !== undefined) {
    schedule = scheduleForTrials(tune.trials, tune.eta, maxEpochs);
    if (!schedule) {
      const min = halvingSchedule(tune.eta, 1, tune.eta, maxEpochs).reduce((a, r) => a + r.n, 0);
      throw new UserError(`--tune-budget ${tune.trials}t: too small; each search needs at least ${min} trials (${tune.eta} recipes, then halving to one at ${maxEpochs} epochs). Give --tune-budget ${min}t or more`);
    }
  } else {
    const probe = await evaluate(input.base, 1);
    const perEpoch = probe.seconds;
    const perSearch = (tune.minutes! * 60) / 2;
    for (let n = tune.eta; n <= 200; n++) {
      const s = halvingSchedule(n, 1, tune.eta, maxEpochs);
      if (scheduleCost(s) * perEpoch > perSearch) break;
      schedule = s;
    }
    if (!schedule) {
      const need = (2 * scheduleCost(halvingSchedule(tune.eta, 1, tune.eta, maxEpochs)) * perEpoch) / 60;
      throw new UserError(`--tune-budget ${tune.minutes}m: too small; one epoch takes ${perEpoch.toFixed(1)}s here, so the two searches need at least ${need.toFixed(1)} minutes. Give --tune-budget ${Math.ceil(need)}m or more, or fewer --epochs`);
    }
  }
  log.info(`tune: successive halving, rungs ${schedule.map((r) => `${r.n}×${r.epochs}ep`).join(' → ')} for distillation recipes and again for the from-scratch baseline`);

  const features = input.teacher.tapNames().includes('penultimate');
  const rows: TrialRow[] = [];
  const runSearch = async (search: 'distill' | 'scratch', cands: Recipe[]) => {
    const r = await successiveHalving(cands, schedule!, async (c, epochs, id) => {
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
  const bestDistill = await runSearch('distill', sampleRecipes(schedule[0]!.n, train.seed, features, input.base));
  const bestScratch = (await runSearch('scratch', sampleScratch(schedule[0]!.n, train.seed, input.base.learningRate))) ?? { ...input.base, softWeight: 0, featureWeight: 0 };
  const searchSeconds = (performance.now() - t0) / 1000;
  if (!bestDistill) log.warn('tune: every distillation trial diverged; keeping the from-scratch baseline');

  // Final runs at full length, several seeds, both recipes; val picks, test reports.
  const final: TuneReport['final'] = { distill: { seeds: [], val: [], test: [] }, scratch: { seeds: [], val: [], test: [] } };
  const models: Partial<Record<'distill' | 'scratch', { student: tf.LayersModel; history: EpochRecord[] }>> = {};
  for (const [kind, recipe] of [['distill', bestDistill], ['scratch', bestScratch]] as const) {
    if (!recipe) continue;
    for (let s = 0; s < tune.seeds; s++) {
      const seed = train.seed + s;
      const student = input.family.build(input.params, input.io, seed);
      const res = await trainStudent({
        student, teacher: kind === 'distill' ? input.teacher : undefined, teacherOutputs: kind === 'distill' ? input.teacherOutputs : undefined, data, loss: recipeLoss(recipe),
        train: { ...train, learningRate: recipe.learningRate, seed }, trainLimit: input.trainLimit, log, quiet: input.quiet ?? false,
      });
      const test = await predictSplit(student, data, 'test');
      final[kind].seeds.push(seed);
      final[kind].val.push(res.history.at(-1)!.valAccuracy);
      final[kind].test.push(agreementOf(test.preds, test.labels));
      if (s === 0) models[kind] = { student, history: res.history };
      else student.dispose();
    }
  }
  const chosen: 'distill' | 'scratch' = bestDistill && mean(final.distill.val) >= mean(final.scratch.val) ? 'distill' : 'scratch';
  const gain = mean(final.distill.test) - mean(final.scratch.test);
  const noise = Math.max(std(final.distill.test), std(final.scratch.test));
  const summary = `distilled ${pct(mean(final.distill.test))} ± ${pct(std(final.distill.test))} vs scratch ${pct(mean(final.scratch.test))} ± ${pct(std(final.scratch.test))} test accuracy over ${tune.seeds} seed(s)`;
  const verdict = !bestDistill
    ? `distillation did not train (every trial diverged); kept the from-scratch student (${pct(mean(final.scratch.test))})`
    : gain > noise
      ? `distillation helped: +${(100 * gain).toFixed(2)} pp, more than the seed noise (${(100 * noise).toFixed(2)} pp); ${summary}`
      : gain > 0
        ? `distillation helped by +${(100 * gain).toFixed(2)} pp, within the seed noise (${(100 * noise).toFixed(2)} pp); ${summary}`
        : `distillation did not help (${(100 * gain).toFixed(2)} pp); ${summary}`;
  const report: TuneReport = {
    budget: tune.trials !== undefined ? { trials: tune.trials } : { minutes: tune.minutes! },
    schedule, trials: rows, best: { ...(bestDistill ? { distill: bestDistill } : {}), scratch: bestScratch },
    ...(bestDistill ? { flags: recipeFlags(bestDistill) } : {}),
    final, chosen, verdict, searchSeconds,
  };
  await writeJsonAtomic(join(input.dir, 'trials.json'), report);
  await writeFileAtomic(join(input.dir, 'trials.md'), trialsMarkdown(report));
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
