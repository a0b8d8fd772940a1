import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { halvingSchedule, scheduleCost, successiveHalving } from '../../../src/tune/halving.js';
import {
  AUGMENT_CHOICES, DIST_BETAS, DIST_GAMMAS, DKD_ALPHAS, DKD_BETAS, drawRecipe, FEATURE_WEIGHTS, HARD_WEIGHTS, LR_RANGE, recipeFlags, recipeLoss,
  sameRecipe, sampleRecipes, sampleScratch, SOFT_WEIGHTS, TEMPERATURES, type Recipe,
} from '../../../src/tune/space.js';
import { searchChoices, tuneAndTrain } from '../../../src/tune/index.js';
import { resolveDistillConfig } from '../../../src/distill/config.js';
import { augmentSpec, parseAugmentSpec } from '../../../src/data/augment/index.js';
import { scheduleForMinutes, scheduleForTrials, searchRecipes } from '../../../src/tune/schedule.js';
import { finalRuns } from '../../../src/tune/finals.js';
import { keptStudent, tuneVerdict } from '../../../src/tune/verdict.js';
import { studentFamilies } from '../../../src/students/index.js';
import { loadLayersTeacher } from '../../../src/teachers/layers-teacher.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';
import { InMemoryDataset } from '../../../src/data/in-memory.js';
import { bandDataset, saveTinyModel, tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { parseTuneBudget } from '../../../src/cli/commands/distill.js';

before(() => useBackend('wasm'));

test('halving schedule: 9 at 1 epoch → 3 at 3 → 1 at 9, capped at the run length', () => {
  assert.deepEqual(halvingSchedule(9, 1, 3, 9), [{ n: 9, epochs: 1 }, { n: 3, epochs: 3 }, { n: 1, epochs: 9 }]);
  assert.deepEqual(halvingSchedule(9, 1, 3, 5), [{ n: 9, epochs: 1 }, { n: 3, epochs: 3 }, { n: 1, epochs: 5 }]);
  assert.equal(scheduleCost(halvingSchedule(9, 1, 3, 9)), 9 + 9 + 9);
});

test('schedule from a trial budget: the most first-rung recipes whose trials (summed over rungs) fit', () => {
  // eta 3, 3 epochs: n=3 → 3×1ep + 1×3ep = 4 trials; n=4 → 4×1 + ⌈4/3⌉=2×3 = 6 trials.
  assert.deepEqual(scheduleForTrials(4, 3, 3), [{ n: 3, epochs: 1 }, { n: 1, epochs: 3 }]);
  assert.deepEqual(scheduleForTrials(5, 3, 3), [{ n: 3, epochs: 1 }, { n: 1, epochs: 3 }]);
  assert.deepEqual(scheduleForTrials(6, 3, 3), [{ n: 4, epochs: 1 }, { n: 2, epochs: 3 }]);
  // eta 3, 9 epochs: n=8 → 8 + ⌈8/3⌉=3 + 1 = 12 trials; n=9 → 9 + 3 + 1 = 13 > 12.
  assert.deepEqual(scheduleForTrials(12, 3, 9), [{ n: 8, epochs: 1 }, { n: 3, epochs: 3 }, { n: 1, epochs: 9 }]);
  assert.throws(() => scheduleForTrials(3, 3, 3), (e: unknown) => e instanceof UserError && e.message === '--tune-budget 3t: too small; each search needs at least 4 trials (3 recipes, then halving to one at 3 epochs). Give --tune-budget 4t or more');
});

test('schedule from minutes: half the budget per search, epochs × measured seconds per epoch', () => {
  // 1 minute → 30 s per search at 2 s/epoch = 15 epochs. eta 3, 3 epochs: n=6 → 6×1 + 2×3 = 12 epochs (24 s);
  // n=7 → 7×1 + ⌈7/3⌉=3×3 = 16 epochs (32 s > 30 s).
  assert.deepEqual(scheduleForMinutes(1, 2, 3, 3), [{ n: 6, epochs: 1 }, { n: 2, epochs: 3 }]);
  // 0.1 minute = 3 s per search; the smallest schedule (3×1 + 1×3 = 6 epochs) costs 12 s per search, 24 s = 0.4 min for both.
  assert.throws(() => scheduleForMinutes(0.1, 2, 3, 3), (e: unknown) => e instanceof UserError && e.message === '--tune-budget 0.1m: too small; one epoch takes 2.0s here, so the two searches need at least 0.4 minutes. Give --tune-budget 1m or more, or fewer --epochs');
});

test('search recipes: n of each, the base first in the distillation search, its learning rate first in the baseline', () => {
  const base = { softWeight: 0.9, temperature: 4, featureWeight: 0.5, learningRate: 0.002 };
  const r = searchRecipes(3, 1, false, base);
  assert.equal(r.distill.length, 3);
  assert.equal(r.scratch.length, 3);
  assert.deepEqual(r.distill[0], { ...base, featureWeight: 0 }, 'no feature term without a penultimate tap');
  assert.deepEqual(r.scratch[0], { softWeight: 0, temperature: 1, featureWeight: 0, learningRate: 0.002 });
  assert.deepEqual(searchRecipes(3, 1, false, { ...base, augment: 'crop,flip' }).scratch[0], { softWeight: 0, temperature: 1, featureWeight: 0, learningRate: 0.002, augment: 'crop,flip' }, 'the baseline starts from the base augmentation too');
  assert.ok(r.scratch.every((x) => x.softWeight === 0 && x.featureWeight === 0));
});

test('final runs: distillation then scratch, each over the same consecutive seeds; none for a search that found nothing', () => {
  const d = { softWeight: 0.9, temperature: 1, featureWeight: 0, learningRate: 0.01 };
  const sc = { softWeight: 0, temperature: 1, featureWeight: 0, learningRate: 0.003 };
  assert.deepEqual(finalRuns({ distill: d, scratch: sc }, 2, 7), [
    { kind: 'distill', recipe: d, seed: 7 }, { kind: 'distill', recipe: d, seed: 8 }, { kind: 'scratch', recipe: sc, seed: 7 }, { kind: 'scratch', recipe: sc, seed: 8 },
  ]);
  assert.deepEqual(finalRuns({ scratch: sc }, 1, 3), [{ kind: 'scratch', recipe: sc, seed: 3 }]);
});

test('verdict: gain of the means against the larger sample standard deviation, worked by hand', () => {
  // distill [0.90, 0.92]: mean 0.91, sd √((0.01² + 0.01²)/1) = 0.014142 → 1.41 pp.
  // scratch [0.88, 0.89]: mean 0.885, sd √((0.005² + 0.005²)/1) = 0.0070711 → 0.71 pp.
  // gain 0.91 − 0.885 = 0.025 → 2.50 pp > noise max(1.41, 0.71) = 1.41 pp.
  assert.equal(tuneVerdict({ distill: [0.9, 0.92], scratch: [0.88, 0.89] }, true, 2),
    'distillation helped: +2.50 pp, more than the seed noise (1.41 pp); distilled 91.00% ± 1.41% vs scratch 88.50% ± 0.71% test accuracy over 2 seed(s)');
  // distill [0.90, 0.94]: mean 0.92, sd √(2·0.02²) = 0.028284 → 2.83 pp; scratch [0.90, 0.91]: mean 0.905, sd 0.71 pp;
  // gain 1.50 pp, positive but not above 2.83 pp.
  assert.equal(tuneVerdict({ distill: [0.9, 0.94], scratch: [0.9, 0.91] }, true, 2),
    'distillation helped by +1.50 pp, within the seed noise (2.83 pp); distilled 92.00% ± 2.83% vs scratch 90.50% ± 0.71% test accuracy over 2 seed(s)');
  // One seed: no spread (0), gain 0.85 − 0.88 = −3 pp.
  assert.equal(tuneVerdict({ distill: [0.85], scratch: [0.88] }, true, 1),
    'distillation did not help (-3.00 pp); distilled 85.00% ± 0.00% vs scratch 88.00% ± 0.00% test accuracy over 1 seed(s)');
  assert.equal(tuneVerdict({ distill: [0.88], scratch: [0.88] }, true, 1),
    'distillation did not help (0.00 pp); distilled 88.00% ± 0.00% vs scratch 88.00% ± 0.00% test accuracy over 1 seed(s)', 'no gain is no help');
  assert.equal(tuneVerdict({ distill: [], scratch: [0.8, 0.9] }, false, 2), 'distillation did not train (every trial diverged); kept the from-scratch student (85.00%)');
});

test('kept student: distilled when its mean val accuracy is at least the baseline\'s (ties go to distillation)', () => {
  const f = (dv: number[], sv: number[]) => ({ distill: { seeds: [], val: dv, test: [0] }, scratch: { seeds: [], val: sv, test: [1] } });
  assert.equal(keptStudent(f([0.9, 0.8], [0.84, 0.85]), true), 'distill', 'mean 0.85 ≥ 0.845, whatever test says');
  assert.equal(keptStudent(f([0.9, 0.8], [0.86, 0.85]), true), 'scratch', 'mean 0.85 < 0.855');
  assert.equal(keptStudent(f([0.5], [0.5]), true), 'distill');
  assert.equal(keptStudent(f([], [0.1]), false), 'scratch');
});

test('successive halving keeps the best, ranks diverged trials last, reports all-diverged', async () => {
  const quality: Record<string, number> = { a: 0.5, b: 0.9, c: NaN, d: 0.7 };
  const r = await successiveHalving(['a', 'b', 'c', 'd'], [{ n: 4, epochs: 1 }, { n: 2, epochs: 3 }, { n: 1, epochs: 9 }], async (c, e) => ({ score: quality[c]! + e / 100, seconds: 0 }));
  assert.deepEqual(r.trials.map((t) => `${t.candidate}@${t.epochs}`), ['a@1', 'b@1', 'c@1', 'd@1', 'b@3', 'd@3', 'b@9']);
  assert.equal(r.best?.candidate, 'b');
  const none = await successiveHalving(['x', 'y'], [{ n: 2, epochs: 1 }, { n: 1, epochs: 3 }], async () => ({ score: NaN, seconds: 0 }));
  assert.equal(none.best, undefined);
  assert.equal(none.trials.length, 2);
});

test('recipes: seeded, default first, reproduced by their flags', () => {
  const base = { softWeight: 0.9, temperature: 4, featureWeight: 0, learningRate: 0.002 };
  const a = sampleRecipes(6, 1, true, base);
  assert.deepEqual(a, sampleRecipes(6, 1, true, base));
  assert.notDeepEqual(a, sampleRecipes(6, 2, true, base), 'another seed, other recipes');
  assert.deepEqual(a[0], base);
  assert.ok(sampleRecipes(6, 1, false, base).every((r) => r.featureWeight === 0));
  // A draw equal to the base is not drawn again: with the first draw as the base, the rest move up by one.
  const first = a[1]!;
  const b = sampleRecipes(6, 1, true, first);
  assert.deepEqual(b[0], first);
  assert.equal(b.filter((r) => sameRecipe(r, first)).length, 1);
  assert.deepEqual(b.slice(1, 5), a.slice(2, 6));
  assert.deepEqual(recipeLoss({ softWeight: 0.75, temperature: 2, featureWeight: 0.5, learningRate: 1e-3 }).terms, [
    { kind: 'soft-kl', weight: 0.75, temperature: 2 }, { kind: 'hard-ce', weight: 0.25 }, { kind: 'feature-mse', weight: 0.5, student: 'penultimate', teacher: 'penultimate' },
  ]);
  assert.equal(recipeFlags({ softWeight: 0.75, temperature: 2, featureWeight: 0, learningRate: 0.001 }), '--loss soft-kl=0.75:temperature=2,hard-ce=0.25 --lr 0.001');
  assert.equal(recipeFlags({ kd: 'dkd', softWeight: 2, hardWeight: 1, temperature: 4, alpha: 1, beta: 8, standardize: true, featureWeight: 0.1, learningRate: 0.003, augment: 'crop,flip' }),
    '--loss dkd=2:alpha=1:beta=8:temperature=4:standardize=true,hard-ce=1 --feature student:penultimate=teacher:penultimate@0.1 --lr 0.003 --augment crop,flip');
  assert.deepEqual(parseTuneBudget('12t'), { trials: 12 });
  assert.deepEqual(parseTuneBudget('20'), { minutes: 20 });
  assert.throws(() => parseTuneBudget('lots'), /--tune-budget lots: expected TRIALS/);
});

test('drawRecipe: each uniform draw picks its slot of the lists, worked by hand', () => {
  // u0 0.5 → KD_CHOICES[⌊2.5⌋ = 2] = dkd plain; u1 0.99 → SOFT_WEIGHTS[8] = 9, so hard-ce is drawn: u2 0.3 →
  // HARD_WEIGHTS[⌊1.2⌋ = 1] = 0.1; u3 0.5 → TEMPERATURES[3] = 4; u4 0.4 → DKD_ALPHAS[1] = 1; u5 0.99 → DKD_BETAS[3] = 8;
  // u6 unused by dkd; u7 0.5 → FEATURE_WEIGHTS[2] = 0.1; u8 0 → lr 3e-4; u9 0.3 → AUGMENT_CHOICES[1] = crop,flip.
  assert.deepEqual(drawRecipe([0.5, 0.99, 0.3, 0.5, 0.4, 0.99, 0, 0.5, 0, 0.3], true),
    { kd: 'dkd', softWeight: 9, hardWeight: 0.1, temperature: 4, alpha: 1, beta: 8, featureWeight: 0.1, learningRate: 3e-4, augment: 'crop,flip' });
  // u0 0.9 → [4] = dist; u1 0.3 → SOFT_WEIGHTS[2] = 0.75 (< 1: hard-ce is 1 − 0.75, not drawn); u3 0 → T 1;
  // u5 0 → DIST_BETAS[0] = 0.5; u6 0.99 → DIST_GAMMAS[2] = 2; no features; u8 0.5 → 3e-4·(1e-2/3e-4)^0.5 = 0.0017320 →
  // 0.0017; u9 0.99 → crop,flip,cutmix.
  assert.deepEqual(drawRecipe([0.9, 0.3, 0.7, 0, 0.7, 0, 0.99, 0.99, 0.5, 0.99], false),
    { kd: 'dist', softWeight: 0.75, temperature: 1, beta: 0.5, gamma: 2, featureWeight: 0, learningRate: 0.0017, augment: 'crop,flip,cutmix' });
  // u0 0.3 → [1] = soft-kl on standardised logits; u1 0.6 → SOFT_WEIGHTS[5] = 1, u2 0 → hard-ce 0 (function matching:
  // no labels); u9 0 → none (no augment field).
  assert.deepEqual(recipeLoss(drawRecipe([0.3, 0.6, 0, 0.99, 0, 0, 0, 0, 1 - 1e-12, 0], false)).terms, [{ kind: 'soft-kl', weight: 1, temperature: 8, standardize: true }]);
  assert.equal(drawRecipe([0.3, 0.6, 0, 0.99, 0, 0, 0, 0, 1 - 1e-12, 0], false).augment, undefined);
  // Restricted choices: soft-kl and dist leave 3 of KD_CHOICES (soft-kl, soft-kl+ls, dist): u0 0.5 → [1], 0.9 → [2].
  const only = { kd: ['soft-kl', 'dist'] as const, augments: ['crop'] };
  assert.equal(drawRecipe([0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0.9], false, only).standardize, true);
  assert.equal(drawRecipe([0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0.9], false, only).kd, 'dist');
  assert.equal(drawRecipe([0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0.9], false, only).augment, 'crop');
});

test('the search space draws what it says: every value from its list, each choice reached, every loss valid', () => {
  const base = { softWeight: 0.9, temperature: 4, featureWeight: 0, learningRate: 0.002 };
  const rs = sampleRecipes(400, 11, true, base).slice(1);
  const seen = (f: (r: Recipe) => unknown) => new Set(rs.map(f));
  for (const r of rs) {
    const kd = r.kd ?? 'soft-kl';
    assert.ok(SOFT_WEIGHTS.includes(r.softWeight) && TEMPERATURES.includes(r.temperature) && FEATURE_WEIGHTS.includes(r.featureWeight));
    assert.ok(r.learningRate >= LR_RANGE[0] && r.learningRate <= LR_RANGE[1]);
    assert.ok(AUGMENT_CHOICES.includes(r.augment ?? 'none'));
    // hard-ce is 1 − w below 1, drawn from its list from 1 up.
    if (r.softWeight < 1) assert.equal(r.hardWeight, undefined);
    else assert.ok(HARD_WEIGHTS.includes(r.hardWeight!));
    assert.equal(r.alpha !== undefined, kd === 'dkd');
    if (kd === 'dkd') assert.ok(DKD_ALPHAS.includes(r.alpha!) && DKD_BETAS.includes(r.beta!));
    if (kd === 'dist') assert.ok(DIST_BETAS.includes(r.beta!) && DIST_GAMMAS.includes(r.gamma!));
    assert.equal(r.gamma !== undefined, kd === 'dist');
    if (r.standardize) assert.notEqual(kd, 'dist', 'standardisation is an option of soft-kl and dkd');
    // The loss resolves against the terms' own schemas (no unknown or out-of-range parameter).
    resolveDistillConfig({ teacher: { path: 't.onnx' }, loss: recipeLoss(r) });
  }
  assert.deepEqual([...seen((r) => `${r.kd ?? 'soft-kl'}${r.standardize ? '+ls' : ''}`)].sort(), ['dist', 'dkd', 'dkd+ls', 'soft-kl', 'soft-kl+ls']);
  assert.deepEqual([...seen((r) => r.softWeight)].sort((x, y) => Number(x) - Number(y)), SOFT_WEIGHTS, 'soft-term weights up to 9');
  assert.deepEqual([...seen((r) => r.augment ?? 'none')].sort(), [...AUGMENT_CHOICES].sort());
  // The baseline draws its augmentation from the same choices.
  const sc = sampleScratch(60, 11, { learningRate: 0.002, augment: 'crop,flip' }).slice(1);
  assert.deepEqual(sampleScratch(60, 11, { learningRate: 0.002, augment: 'crop,flip' })[0], { softWeight: 0, temperature: 1, featureWeight: 0, learningRate: 0.002, augment: 'crop,flip' });
  assert.ok(sc.every((r) => r.softWeight === 0 && recipeLoss(r).terms.length === 1 && recipeLoss(r).terms[0]!.kind === 'hard-ce'));
  assert.deepEqual([...new Set(sc.map((r) => r.augment ?? 'none'))].sort(), [...AUGMENT_CHOICES].sort());
  assert.ok(sampleScratch(20, 1, { learningRate: 0.002 }, { augments: ['crop'] }).slice(1).every((r) => r.augment === 'crop'));
});

test('search choices: a run\'s own --augment is the only one searched; unlabeled images rule out mixing and dkd', () => {
  const labelled = bandDataset();
  assert.deepEqual(searchChoices([], labelled), { augments: AUGMENT_CHOICES });
  assert.deepEqual(searchChoices([{ op: 'flip', p: 0.5 }], labelled), { augments: ['flip=0.5'] });
  const partial = Object.assign(Object.create(labelled), { partialLabels: true });
  assert.deepEqual(searchChoices([], partial), { augments: ['none', 'crop,flip'], kd: ['soft-kl', 'dist'] });
});

async function tuneInput(over: Partial<Parameters<typeof tuneAndTrain>[0]> = {}) {
  const io = { inputShape: [8, 8, 1], numClasses: 3 };
  return {
    family: studentFamilies.get('mlp'), params: { hidden: 8, depth: 1 }, io,
    teacher: await loadLayersTeacher(await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 })),
    data: bandDataset(), train: TrainConfig.parse({ epochs: 3, batchSize: 16, seed: 3 }),
    tune: { trials: 4, eta: 3, seeds: 2 }, base: { softWeight: 0.9, temperature: 4, featureWeight: 0, learningRate: 0.005 },
    dir: tmp(), log: silentLogger, quiet: true, ...over,
  };
}

test('tuneAndTrain: searches both, trains the finals over seeds, writes the trials table and a verdict', async () => {
  const input = await tuneInput();
  const r = await tuneAndTrain(input);
  assert.deepEqual(r.report.schedule, [{ n: 3, epochs: 1 }, { n: 1, epochs: 3 }]);
  assert.equal(r.report.trials.filter((t) => t.search === 'distill').length, 4);
  assert.equal(r.report.trials.filter((t) => t.search === 'scratch').length, 4);
  // The same budget for both: the same trials at the same lengths (3 × 1 epoch, then 1 × 3), so the same epochs.
  const lengths = (s: string) => r.report.trials.filter((t) => t.search === s).map((t) => t.epochs);
  assert.deepEqual(lengths('distill'), [1, 1, 1, 3]);
  assert.deepEqual(lengths('scratch'), lengths('distill'));
  // Both draw their augmentation from the same choices (this run fixes none).
  for (const t of r.report.trials) assert.ok(AUGMENT_CHOICES.includes(t.recipe.augment ?? 'none'), `${t.search} ${t.description}`);
  assert.deepEqual(r.report.final.distill.seeds, [3, 4]);
  assert.deepEqual(r.report.final.scratch.seeds, [3, 4]);
  assert.equal(r.report.final.distill.test.length, 2);
  assert.equal(r.report.final.scratch.test.length, 2);
  // The verdict's numbers come from the finals' test accuracies (its wording is pinned by the verdict test above).
  assert.match(r.report.verdict, /^distillation (helped|did not help)/, 'a distillation recipe trained');
  assert.equal(r.report.verdict, tuneVerdict({ distill: r.report.final.distill.test, scratch: r.report.final.scratch.test }, true, 2));
  assert.equal(r.report.chosen, keptStudent(r.report.final, true));
  assert.ok(existsSync(join(input.dir, 'trials.json')));
  assert.match(readFileSync(join(input.dir, 'trials.md'), 'utf8'), /\| distill \| 1 \| soft 0.9 T 4 lr 0.005 \| 0 \| 1 \|/);
  r.student.dispose();
  input.teacher.dispose();
});

test('tune: a budget too small for one halving step, and data without a val split, are clear errors', async () => {
  const small = await tuneInput({ tune: { trials: 2, eta: 3, seeds: 1 } });
  await assert.rejects(tuneAndTrain(small), (e: unknown) => e instanceof UserError && /--tune-budget 2t: too small; each search needs at least 4 trials/.test(e.message));
  const d = bandDataset();
  const noVal = new InMemoryDataset({ ...(d as unknown as { data: ConstructorParameters<typeof InMemoryDataset>[0] }).data, splits: { ...(d as unknown as { data: ConstructorParameters<typeof InMemoryDataset>[0] }).data.splits, val: new Int32Array(0) } });
  await assert.rejects(tuneAndTrain(await tuneInput({ data: noVal })), /--tune: bands has no validation split/);
});

test('tune: when every distillation trial diverges it says so and keeps the from-scratch student', async () => {
  const input = await tuneInput({ tune: { trials: 4, eta: 3, seeds: 1 } });
  // A teacher whose logits are NaN makes every soft-kl trial diverge; the baseline does not use it.
  const nanTeacher = Object.assign(Object.create(Object.getPrototypeOf(input.teacher)), input.teacher, {
    forward: async (x: import('@tensorflow/tfjs').Tensor4D, taps: readonly string[]) => {
      const out = await input.teacher.forward(x, taps);
      const tf = await import('@tensorflow/tfjs');
      const nan = tf.mul(out.logits, NaN);
      out.logits.dispose();
      return { ...out, logits: nan };
    },
  });
  const r = await tuneAndTrain({ ...input, teacher: nanTeacher });
  assert.equal(r.report.chosen, 'scratch');
  assert.match(r.report.verdict, /every trial diverged\); kept the from-scratch student/);
  assert.ok(r.report.trials.filter((t) => t.search === 'distill').every((t) => t.diverged));
  r.student.dispose();
  input.teacher.dispose();
});

test('the base recipe carries a configured dkd/dist term, its weights and the run\'s augmentation, and rebuilds the same loss', async () => {
  const { baseRecipe } = await import('../../../src/distill/config.js');
  for (const terms of [
    [{ kind: 'dkd', weight: 1, beta: 2, standardize: true }, { kind: 'hard-ce', weight: 1 }],
    [{ kind: 'dist', weight: 2, gamma: 0.5 }, { kind: 'hard-ce', weight: 1 }],
    [{ kind: 'soft-kl', weight: 9, temperature: 4, standardize: true }, { kind: 'hard-ce', weight: 0.1 }],
  ]) {
    const c = resolveDistillConfig({ teacher: { path: 't.onnx' }, loss: { terms }, train: { augment: [{ op: 'crop' }, { op: 'flip' }] } });
    const r = baseRecipe(c);
    assert.equal(r.augment, 'crop=4:fill=reflect,flip=0.5');
    assert.deepEqual(parseAugmentSpec(r.augment), c.train.augment, 'the spec reads back as the same ops');
    assert.deepEqual(resolveDistillConfig({ teacher: { path: 't.onnx' }, loss: recipeLoss(r) }).loss, c.loss, JSON.stringify(terms));
  }
  assert.deepEqual(baseRecipe(resolveDistillConfig({ teacher: { path: 't.onnx' }, loss: { terms: [{ kind: 'dkd', weight: 1 }, { kind: 'hard-ce', weight: 1 }] } })),
    { kd: 'dkd', softWeight: 1, hardWeight: 1, temperature: 4, alpha: 1, beta: 8, featureWeight: 0, learningRate: 0.0094 });
});

test('augmentSpec writes resolved ops back as a spec that parses to the same ops (ranges and every parameter)', () => {
  const ops = parseAugmentSpec('resized-crop=0.25-1:ratio=0.75-1.33,flip,cutmix=0.5');
  assert.deepEqual(parseAugmentSpec(augmentSpec(ops)), ops);
  assert.equal(augmentSpec([]), 'none');
});
