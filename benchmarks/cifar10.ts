/**
 * The CIFAR-10 distillation table of "Distillation that wins on photographs": on the shared CIFAR-10 JPEG folders
 * (their own train/test split, val carved from train) with the shared PyTorch teacher, three float32 byte budgets,
 * and for each the rows
 *   - scratch:      labels only (hard-ce), no augmentation;
 *   - scratch-aug:  labels only, crop + flip;
 *   - kd:           soft-kl T = 4 weighted 0.9 + hard-ce 0.1 (Hinton et al. 2015), crop + flip, teacher on the same view;
 *   - dkd:          hard-ce 1 + DKD α = 1, β = 8, T = 4 (Zhao et al., CVPR 2022; mdistiller's CIFAR weights), crop + flip;
 *   - dist:         hard-ce 1 + DIST β = γ = 1, T = 1 (Huang et al., NeurIPS 2022), crop + flip;
 *   - ls-kd:        hard-ce 0.1 + soft-kl weighted 9 at T = 2 on z-scored logits (Sun et al., CVPR 2024, their KD
 *                   config), crop + flip;
 *   - fm:           function matching (Beyer et al., CVPR 2022: soft-kl T = 1, no labels, crop + flip + mixup), at the
 *                   table's epochs rather than its own 3× schedule so that every row trains as long;
 *   - tuned / tuned-scratch: one `--tune` run (src/tune: the recipe search over loss terms, weights, temperature,
 *                   learning rate and augmentation, then the from-scratch baseline searched alike with the same trial
 *                   budget); its final distilled and final scratch students, each trained at the table's epochs;
 * each at several seeds, reported as mean ± sd of test accuracy on the 10,000 test images, with epochs, median epoch
 * seconds and wall minutes. Every row has the same epochs, batch size, learning rate and schedule.
 *
 *   npx tsx benchmarks/cifar10.ts [--epochs 10] [--train-limit 5000] [--seeds 1,2,3] [--budgets 100000,25000,400000]
 *                                 [--rows scratch,scratch-aug,...] [--out benchmarks/results/cifar10]
 *
 * Resumable: a finished (row, budget, seed) cell (its .json next to its run folder) is not run again, and an
 * interrupted one continues from its last checkpoint, so a later session goes on with the table. Cells run budget by
 * budget in the order given, seed by seed within a budget, so a cut-short run still has every row at its first seeds.
 * Needs ../shared/datasets/cifar10 and ../shared/teachers/cifar10 (skips with a message when absent); unpacks the
 * archive to /tmp/cifar10 once, and decodes it once into a file every cell reuses.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { distill } from '../src/distill/index.js';
import { stderrLogger } from '../src/core/progress.js';
import { CIFAR10_TEACHER_DIR, cifar10Folders } from './cifar10-shared.js';
import { FUNCTION_MATCHING_EPOCHS, recipePreset } from '../src/config/recipes.js';
import { meanStd } from './stats.js';

const TEACHER_DIR = CIFAR10_TEACHER_DIR;
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    'train-limit': { type: 'string', default: '5000' },
    seeds: { type: 'string', default: '1,2,3' },
    budgets: { type: 'string', default: '100000,25000,400000' },
    rows: { type: 'string' },
    data: { type: 'string', default: '/tmp/cifar10' },
    out: { type: 'string', default: 'benchmarks/results/cifar10' },
    'table-only': { type: 'boolean', default: false },
  },
});
const dataDir = cifar10Folders(values.data!);
const teacherJson = JSON.parse(readFileSync(join(TEACHER_DIR, 'teacher.json'), 'utf8')) as { mean: number[]; std: number[]; test_acc: number; logits: string };
const out = values.out!;
const epochs = Number(values.epochs);
const trainLimit = Number(values['train-limit']);
const seeds = values.seeds!.split(',').map(Number);
const budgets = values.budgets!.split(',').map(Number);
mkdirSync(out, { recursive: true });
const quiet = !process.stderr.isTTY;

// The images arrive in [0, 1]; the teacher wants (x − mean) / std per channel, as teacher.json says.
const teacher = { path: join(TEACHER_DIR, 'teacher.onnx'), layout: 'nchw', output: teacherJson.logits, preprocess: { mean: teacherJson.mean, std: teacherJson.std } };
const cropFlip = [{ op: 'crop' }, { op: 'flip' }];
const fm = recipePreset('function-matching');

interface RowSpec {
  id: string;
  what: string;
  teacher: boolean;
  loss: Record<string, unknown>[];
  augment: Record<string, unknown>[];
  /** Trials of each search (the distilled recipes and the scratch baseline alike) for the tuned rows. */
  tune?: number;
}
const ROWS: RowSpec[] = [
  { id: 'scratch', what: 'labels, no augmentation', teacher: false, loss: [{ kind: 'hard-ce', weight: 1 }], augment: [] },
  { id: 'scratch-aug', what: 'labels, crop + flip', teacher: false, loss: [{ kind: 'hard-ce', weight: 1 }], augment: cropFlip },
  { id: 'kd', what: 'KD T=4, 0.9 / 0.1 CE, crop + flip', teacher: true, loss: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }], augment: cropFlip },
  { id: 'dkd', what: 'CE + DKD α=1 β=8 T=4, crop + flip', teacher: true, loss: [{ kind: 'hard-ce', weight: 1 }, { kind: 'dkd', weight: 1, alpha: 1, beta: 8, temperature: 4 }], augment: cropFlip },
  { id: 'dist', what: 'CE + DIST β=γ=1, crop + flip', teacher: true, loss: [{ kind: 'hard-ce', weight: 1 }, { kind: 'dist', weight: 1, beta: 1, gamma: 1, temperature: 1 }], augment: cropFlip },
  { id: 'ls-kd', what: '0.1 CE + 9 × KD T=2 on z-scored logits, crop + flip', teacher: true, loss: [{ kind: 'hard-ce', weight: 0.1 }, { kind: 'soft-kl', weight: 9, temperature: 2, standardize: true }], augment: cropFlip },
  { id: 'fm', what: `function matching (KL T=1, no labels), crop + flip + mixup, ${epochs} epochs (its own: ${FUNCTION_MATCHING_EPOCHS})`, teacher: true, loss: fm.loss.terms, augment: fm.train.augment as Record<string, unknown>[] },
  { id: 'tuned', what: 'recipe search (loss, T, weights, lr, augmentation), best recipe', teacher: true, loss: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }], augment: cropFlip, tune: 8 },
];
/** Rows that a run of another row fills in: tuned-scratch is the baseline of the tuned row's search. */
const DERIVED: { id: string; what: string; from: string }[] = [{ id: 'tuned-scratch', what: 'the same search from labels alone (same trial budget)', from: 'tuned' }];
const wanted = values.rows ? values.rows.split(',') : ROWS.map((r) => r.id);
for (const w of wanted) if (!ROWS.some((r) => r.id === w)) throw new Error(`--rows ${w}: unknown row; the rows are ${ROWS.map((r) => r.id).join(', ')}`);
const rows = ROWS.filter((r) => wanted.includes(r.id));

/** What one finished cell (row × budget × seed) keeps. */
interface Cell {
  row: string;
  budget: number;
  seed: number;
  params: number;
  description: string;
  epochs: number;
  trainLimit: number;
  valAccuracy: number;
  testAccuracy: number;
  teacherAccuracy?: number;
  epochSeconds: number[];
  wallSeconds: number;
}

function configOf(row: RowSpec, budget: number, seed: number): Record<string, unknown> {
  return {
    // One decode of the 60,000 photographs into a file, shared by every cell and by cifar10-students.ts.
    data: { spec: dataDir, seed: 1234, inputShape: [32, 32, 3], decodeCache: 'file', cacheDir: join('benchmarks', 'results', 'cifar10-decode-cache'), trainLimit },
    student: { family: 'cnn', maxBytes: budget, weights: 'float32' },
    train: { epochs, batchSize: 64, seed, augment: row.augment, ...(row.id === 'fm' ? { warmupEpochs: Math.max(0.5, epochs / 10) } : {}) },
    teacher: row.teacher ? teacher : null,
    loss: { terms: row.loss },
    cache: { use: 'off' },
    ...(row.tune ? { tune: { trials: row.tune, seeds: 1 } } : {}),
  };
}

const cellFile = (row: string, budget: number, seed: number) => join(out, `${row}-${budget}-s${seed}.json`);
if (!values['table-only']) {
  for (const budget of budgets)
    for (const seed of seeds)
      for (const row of rows) {
        const file = cellFile(row.id, budget, seed);
        if (existsSync(file)) continue;
        const run = join(out, `${row.id}-${budget}-s${seed}`);
        console.error(`\n== ${row.id} (${row.what}), budget ${budget} B, seed ${seed}`);
        const t0 = performance.now();
        const metricsFile = join(run, 'metrics.json');
        const m = existsSync(metricsFile)
          ? JSON.parse(readFileSync(metricsFile, 'utf8'))
          : // An interrupted cell continues from its last checkpoint.
            (await distill({ config: configOf(row, budget, seed), out: run, resume: existsSync(join(run, 'checkpoint')), force: true, quiet, log: stderrLogger, source: `benchmarks/cifar10.ts ${row.id} ${budget} ${seed}` })).metrics;
        const cell: Cell = {
          row: row.id,
          budget,
          seed,
          params: m.architecture.paramCount,
          description: m.architecture.description,
          epochs: m.epochs.length,
          trainLimit,
          valAccuracy: m.epochs.at(-1)?.valAccuracy ?? NaN,
          testAccuracy: m.test.accuracy,
          ...(m.test.teacherAccuracy !== undefined ? { teacherAccuracy: m.test.teacherAccuracy } : {}),
          epochSeconds: m.epochs.map((e: { seconds: number }) => e.seconds),
          wallSeconds: (performance.now() - t0) / 1000,
        };
        if (row.tune) {
          // The search's finals: the distilled student and the scratch one, both at the table's epochs and this seed.
          const report = JSON.parse(readFileSync(join(run, 'tune', 'trials.json'), 'utf8')) as { final: Record<'distill' | 'scratch', { val: number[]; test: number[] }> };
          cell.testAccuracy = report.final.distill.test[0]!;
          cell.valAccuracy = report.final.distill.val[0]!;
          writeFileSync(cellFile('tuned-scratch', budget, seed), JSON.stringify({ ...cell, row: 'tuned-scratch', testAccuracy: report.final.scratch.test[0]!, valAccuracy: report.final.scratch.val[0]! }, null, 2));
        }
        writeFileSync(file, JSON.stringify(cell, null, 2));
      }
}

// The table, from every finished cell on disk (also those of earlier sessions).
const cells: Cell[] = readdirSync(out)
  .filter((f) => f.endsWith('.json') && f !== 'table.json')
  .map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as Cell)
  .filter((c) => c.epochs === epochs && c.trainLimit === trainLimit);
const pct = (xs: number[]) => {
  const { mean, std } = meanStd(xs);
  return xs.length > 1 ? `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}` : `${(100 * mean).toFixed(2)}`;
};
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const teacherAcc = cells.find((c) => c.teacherAccuracy !== undefined)?.teacherAccuracy;
console.log(`\nCIFAR-10, train subset ${trainLimit} (val carved from it), ${epochs} epochs, batch 64, test on all 10,000 test images;`);
console.log(`teacher test accuracy as the tool measures it: ${teacherAcc === undefined ? '–' : (100 * teacherAcc).toFixed(2) + ' %'}; teacher.json (PyTorch): ${(100 * teacherJson.test_acc).toFixed(2)} %\n`);
console.log('| budget | row | what | params | seeds | test acc % (mean ± sd) | val acc % | median epoch s | wall min (mean) |');
console.log('|---|---|---|---|---|---|---|---|---|');
const summary: Record<string, unknown>[] = [];
for (const budget of budgets)
  for (const row of [...ROWS, ...DERIVED]) {
    const cs = cells.filter((c) => c.row === row.id && c.budget === budget).sort((a, b) => a.seed - b.seed);
    if (cs.length === 0) continue;
    const wall = cs.reduce((a, c) => a + c.wallSeconds, 0) / cs.length / 60;
    console.log(`| ${budget / 1000} KB | ${row.id} | ${row.what} | ${cs[0]!.params} | ${cs.map((c) => c.seed).join(',')} | ${pct(cs.map((c) => c.testAccuracy))} | ${pct(cs.map((c) => c.valAccuracy))} | ${med(cs.flatMap((c) => c.epochSeconds)).toFixed(1)} | ${wall.toFixed(1)} |`);
    summary.push({ budget, row: row.id, seeds: cs.map((c) => c.seed), test: meanStd(cs.map((c) => c.testAccuracy)), params: cs[0]!.params });
  }
// The goal: at each budget the best distilled row beats the best scratch row by more than the seed spread.
console.log('');
for (const budget of budgets) {
  const rowsAt = summary.filter((s) => s.budget === budget) as { row: string; seeds: number[]; test: { mean: number; std: number } }[];
  const best = (ids: string[]) => rowsAt.filter((s) => ids.includes(s.row)).sort((a, b) => b.test.mean - a.test.mean)[0];
  const s = best(['scratch', 'scratch-aug', 'tuned-scratch']);
  const d = best(ROWS.filter((r) => r.teacher).map((r) => r.id));
  if (!s || !d) continue;
  const gap = d.test.mean - s.test.mean;
  const spread = Math.max(s.test.std, d.test.std);
  const verdict = s.seeds.length < 2 || d.seeds.length < 2 ? 'too few seeds to judge' : gap > spread ? 'met' : 'not met';
  console.log(`${budget / 1000} KB: best distilled ${d.row} ${(100 * d.test.mean).toFixed(2)} vs best scratch ${s.row} ${(100 * s.test.mean).toFixed(2)}: gap ${(100 * gap).toFixed(2)} points, seed sd ≤ ${(100 * spread).toFixed(2)}: goal ${verdict}`);
}
writeFileSync(join(out, 'table.json'), JSON.stringify({ epochs, trainLimit, teacherJsonAccuracy: teacherJson.test_acc, teacherAccuracy: teacherAcc, rows: summary }, null, 2));
