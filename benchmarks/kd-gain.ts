/**
 * Does distillation help? On the embedded MNIST: a teacher from train-teacher, one student size, several seeds;
 * test accuracy of the student trained with hard-ce only vs with the default combined loss (soft-kl 0.9 at T=4 +
 * hard-ce 0.1), same epochs. Prints a table and JSON lines.
 *
 *   npx tsx benchmarks/kd-gain.ts [--seeds 3] [--epochs 6] [--teacher-epochs 6] [--tune-trials N] [--out benchmarks/results/kd-gain]
 *
 * With --tune-trials N it also runs `distill --tune` (N trials per search, the same seeds): a from-scratch student
 * with a searched learning rate against a distilled one with a searched recipe, and prints the recipes that won.
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainTeacher } from '../src/distill/train-teacher.js';
import { distill } from '../src/distill/index.js';
import { stderrLogger } from '../src/core/progress.js';
import { meanStd, pctPm } from './stats.js';
import type { TuneReport } from '../src/tune/index.js';
import { describeRecipe } from '../src/tune/space.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '6' },
    'teacher-epochs': { type: 'string', default: '6' },
    student: { type: 'string', default: 'cnn:width=0.25,depth=2' },
    'tune-trials': { type: 'string' },
    out: { type: 'string', default: 'benchmarks/results/kd-gain' },
  },
});
const seeds = Number(values.seeds);
const epochs = Number(values.epochs);
const out = values.out!;
const [family, paramStr] = values.student!.split(':') as [string, string];
const params = Object.fromEntries(paramStr.split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
const quiet = !process.stderr.isTTY;
const t0 = performance.now();

const teacherPath = join(out, 'teacher', 'student', 'model.json');
if (!existsSync(teacherPath)) {
  const t = await trainTeacher({ data: 'mnist', arch: 'cnn:width=2,depth=2', epochs: Number(values['teacher-epochs']), out: join(out, 'teacher'), force: true, quiet });
  stderrLogger.info(`teacher test accuracy ${(100 * t.metrics.test.accuracy).toFixed(2)}%`);
}

const recipes = {
  'hard-ce only': { terms: [{ kind: 'hard-ce', weight: 1 }] },
  'soft-kl 0.9 (T=4) + hard-ce 0.1': { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }] },
} as const;
const results: Record<string, number[]> = {};
let teacherAcc = 0;
let paramCount = 0;
for (const [name, loss] of Object.entries(recipes)) {
  results[name] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await distill({
      config: { teacher: { path: teacherPath }, data: { spec: 'mnist' }, student: { family, params }, loss, train: { epochs, seed, learningRate: 0.002 } },
      out: join(out, `${name.startsWith('hard') ? 'scratch' : 'kd'}-seed${seed}`),
      force: true,
      quiet,
    });
    results[name].push(r.metrics.test.accuracy);
    teacherAcc = r.metrics.test.teacherAccuracy ?? 0;
    paramCount = r.metrics.architecture.paramCount;
    console.log(JSON.stringify({ bench: 'kd-gain', recipe: name, seed, testAccuracy: r.metrics.test.accuracy, teacherAccuracy: teacherAcc, params: paramCount, epochs }));
  }
}
console.log(`\nkd-gain on embedded MNIST (1000 test images), student ${values.student} (${paramCount} params), ${epochs} epochs, ${seeds} seeds; teacher ${(100 * teacherAcc).toFixed(2)}%`);
console.log('| recipe | test accuracy (mean ± std) |');
console.log('|---|---|');
for (const [name, accs] of Object.entries(results)) console.log(`| ${name} | ${pctPm(accs)} |`);
const names = Object.keys(results);
const gain = meanStd(results[names[1]!]!).mean - meanStd(results[names[0]!]!).mean;
console.log(`\ndistillation gain: ${(100 * gain).toFixed(2)} pp; run time ${((performance.now() - t0) / 60000).toFixed(1)} min`);
if (values['tune-trials']) {
  const run = join(out, 'tuned');
  const r = await distill({
    config: { teacher: { path: teacherPath }, data: { spec: 'mnist' }, student: { family, params }, loss: recipes['soft-kl 0.9 (T=4) + hard-ce 0.1'], train: { epochs, seed: 1, learningRate: 0.002 }, tune: { trials: Number(values['tune-trials']), eta: 3, seeds } },
    out: run, force: true, quiet,
  });
  const rep = JSON.parse(readFileSync(join(run, 'tune', 'trials.json'), 'utf8')) as TuneReport;
  console.log(`\ntuned (${values['tune-trials']} trials per search, search ${(rep.searchSeconds / 60).toFixed(1)} min, whole run ${(r.metrics.seconds / 60).toFixed(1)} min):`);
  console.log('| recipe | test accuracy (mean ± std) |');
  console.log('|---|---|');
  console.log(`| tuned scratch (${describeRecipe(rep.best.scratch)}) | ${pctPm(rep.final.scratch.test)} |`);
  if (rep.best.distill) console.log(`| tuned distill (${describeRecipe(rep.best.distill)}) | ${pctPm(rep.final.distill.test)} |`);
  console.log(`verdict: ${rep.verdict}`);
  console.log(JSON.stringify({ bench: 'kd-gain-tuned', best: rep.best, final: rep.final, searchSeconds: rep.searchSeconds, seconds: r.metrics.seconds }));
}
console.log(JSON.stringify({ bench: 'kd-gain', summary: true, gainPp: 100 * gain, ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, meanStd(v)])) }));
