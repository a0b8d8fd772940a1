import { runPaths } from '../../run-dir/layout.js';
import { parseStudentInput } from '../../data/student-view.js';
import { augmentOps, parseAugmentSpec } from '../../data/augment/index.js';
import { applyRecipe, RECIPES } from '../../config/recipes.js';
import type { Command } from '../command.js';
import { numberFlag } from '../command.js';
import { readJsonFile } from '../../config/load.js';
import { parseFeatureFlag, parseLossFlag, parseParamsFlag, setPath } from '../flags.js';
import { UserError } from '../../core/errors.js';
import { STUDENT_WEIGHT_MODES, CACHE_DEFAULTS, DATA_DEFAULTS, DECODE_CACHE_MODES, DEFAULT_DECODE_CACHE_DIR, DEFAULT_DECODE_MEMORY_BUDGET, RESIZE_MODES, DEFAULT_LOSS, DEFAULT_RECIPE, DEFAULT_TUNE_SEEDS, DEFAULT_TUNE_TRIALS, STUDENT_DEFAULTS, TRAIN_DEFAULTS } from '../../config/schema.js';
import { BACKEND_CHOICES } from '../../runtime/backend.js';
import { describeLossTerms } from '../../losses/index.js';
import { resolveWorkers } from '../../config/workers.js';
import { applyTeacherFlags, TEACHER_FLAGS, TEACHER_OPTIONS } from '../teacher-flags.js';
import { WORKERS_OPTION } from '../flags.js';

/** Flags that shape the config (as opposed to where the run goes). */
export const CONFIG_FLAGS = ['config', ...TEACHER_FLAGS, 'no-teacher', 'data', 'strict', 'resize', 'decode-cache', 'train-limit', 'student', 'student-input', 'student-weights', 'params', 'max-bytes', 'weights', 'target', 'size-by', 'candidates', 'loss', 'temperature', 'feature', 'recipe', 'augment', 'unlabeled', 'epochs', 'batch-size', 'lr', 'warmup', 'clip-grad', 'seed', 'backend', 'workers', 'teacher-views', 'tune', 'tune-budget', 'tune-seeds'];

/** Sets `c.cache` from --cache DIR / --no-cache / --cache-dtype (also on --resume: where outputs come from may change). */
export function applyCacheFlags(c: Record<string, unknown>, v: Record<string, unknown>): Record<string, unknown> {
  if (v['no-cache'] && v.cache !== undefined) throw new UserError('--cache and --no-cache disagree; give one');
  if (v['no-cache']) setPath(c, ['cache', 'use'], 'off');
  if (v.cache !== undefined) {
    setPath(c, ['cache', 'dir'], String(v.cache));
    setPath(c, ['cache', 'use'], 'on');
  }
  if (v['cache-dtype'] !== undefined) setPath(c, ['cache', 'dtype'], String(v['cache-dtype']));
  return c;
}

/**
 * Builds a distill config from `-c FILE` (or `base`, e.g. a run's own config.json on --resume), `--recipe` over it,
 * and the other flags (flags win).
 */
export async function configFromFlags(v: Record<string, unknown>, base?: unknown): Promise<Record<string, unknown>> {
  const c = (v.config ? structuredClone(await readJsonFile(String(v.config), 'pipeline config')) : structuredClone(base ?? {})) as Record<string, unknown>;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new UserError(`${String(v.config)}: expected a JSON object`);
  if (v.recipe !== undefined) applyRecipe(c, String(v.recipe));
  applyTeacherFlags(c, v);
  if (v.data !== undefined) setPath(c, ['data', 'spec'], String(v.data));
  if (v.unlabeled !== undefined) {
    // Alone (no labelled data given), the unlabeled images are the data; next to --data they join its train split.
    const given = v.data !== undefined || (c.data as { spec?: unknown } | undefined)?.spec !== undefined;
    if (given) setPath(c, ['data', 'unlabeled'], String(v.unlabeled));
    else setPath(c, ['data', 'spec'], `unlabeled:${String(v.unlabeled)}`);
  }
  if (v.strict) setPath(c, ['data', 'strict'], true);
  if (v.resize !== undefined) setPath(c, ['data', 'resize'], String(v.resize));
  if (v['decode-cache'] !== undefined) setPath(c, ['data', 'decodeCache'], String(v['decode-cache']));
  const limit = numberFlag(v, 'train-limit', { min: 1, integer: true });
  if (limit !== undefined) setPath(c, ['data', 'trainLimit'], limit);
  if (v.student !== undefined) {
    // A path (a model.json you bring) rather than a family name.
    const s = String(v.student);
    if (/\.json$/i.test(s) || s.includes('/')) setPath(c, ['student', 'model'], s);
    else setPath(c, ['student', 'family'], s);
  }
  if (v['student-input'] !== undefined) setPath(c, ['student', 'inputShape'], parseStudentInput(String(v['student-input'])));
  if (v['student-weights'] !== undefined) {
    const w = String(v['student-weights']);
    if (!(STUDENT_WEIGHT_MODES as readonly string[]).includes(w)) throw new UserError(`--student-weights ${w}: must be one of [${STUDENT_WEIGHT_MODES.join(', ')}] (init: weights drawn from --seed; keep: the file's own)`);
    if ((c.student as { model?: unknown } | undefined)?.model === undefined) throw new UserError('--student-weights applies to a model you bring (--student PATH/model.json); a family student always starts from the seed');
    setPath(c, ['student', 'modelWeights'], w);
  }
  if (v.params !== undefined) setPath(c, ['student', 'params'], parseParamsFlag('--params', String(v.params)));
  const maxBytes = numberFlag(v, 'max-bytes', { min: 1, integer: true });
  if (maxBytes !== undefined) setPath(c, ['student', 'maxBytes'], maxBytes);
  if (v.weights !== undefined) setPath(c, ['student', 'weights'], String(v.weights));
  if (v.target !== undefined) setPath(c, ['student', 'target'], String(v.target));
  if (v['size-by'] !== undefined) setPath(c, ['student', 'sizeBy'], String(v['size-by']));
  const k = numberFlag(v, 'candidates', { min: 1, integer: true });
  if (k !== undefined) setPath(c, ['student', 'candidates'], k);
  if (v.loss !== undefined || v.feature !== undefined || v.temperature !== undefined) {
    const existing = ((c.loss as { terms?: Record<string, unknown>[] } | undefined)?.terms ?? undefined) as Record<string, unknown>[] | undefined;
    let terms: Record<string, unknown>[] = v.loss !== undefined ? parseLossFlag(String(v.loss)) : (existing ?? structuredClone(DEFAULT_LOSS.terms));
    const temp = numberFlag(v, 'temperature', { min: 0 });
    if (temp !== undefined) terms = terms.map((t) => (t.kind === 'soft-kl' ? { ...t, temperature: temp } : t));
    for (const f of (v.feature as string[] | undefined) ?? []) terms.push(parseFeatureFlag(f));
    setPath(c, ['loss', 'terms'], terms);
  }
  const num = (flag: string, path: string[], o: { min?: number; integer?: boolean }) => {
    const n = numberFlag(v, flag, o);
    if (n !== undefined) setPath(c, path, n);
  };
  if (v.augment !== undefined) setPath(c, ['train', 'augment'], parseAugmentSpec(String(v.augment)));
  num('teacher-views', ['cache', 'views'], { min: 0, integer: true });
  num('epochs', ['train', 'epochs'], { min: 1, integer: true });
  num('batch-size', ['train', 'batchSize'], { min: 1, integer: true });
  num('lr', ['train', 'learningRate'], { min: 0 });
  num('warmup', ['train', 'warmupEpochs'], { min: 0 });
  const clip = numberFlag(v, 'clip-grad');
  if (clip !== undefined) {
    if (!(clip > 0)) throw new UserError(`--clip-grad ${String(v['clip-grad'])}: expected a number > 0, the largest global gradient norm (e.g. 1)`);
    setPath(c, ['train', 'clipGrad'], clip);
  }
  num('seed', ['train', 'seed'], { integer: true });
  if (v.backend !== undefined) setPath(c, ['train', 'backend'], String(v.backend));
  if (v.workers !== undefined) setPath(c, ['train', 'workers'], resolveWorkers(String(v.workers), '--workers'));
  if (v['tune-budget'] !== undefined) {
    const { trials: _t, minutes: _m, ...rest } = (c.tune ?? {}) as Record<string, unknown>;
    setPath(c, ['tune'], { ...rest, ...parseTuneBudget(String(v['tune-budget'])) });
  } else if (v.tune && c.tune === undefined) setPath(c, ['tune'], { trials: DEFAULT_TUNE_TRIALS });
  const seeds = numberFlag(v, 'tune-seeds', { min: 1, integer: true });
  if (seeds !== undefined) setPath(c, ['tune', 'seeds'], seeds);
  return c;
}

/**
 * A run with no teacher trains from labels alone, the baseline every distillation is compared with: allowed when
 * `--no-teacher` is given (the loss defaults to hard-ce=1) or when every weighted loss term needs no teacher.
 * Anything else without a teacher is refused before anything loads.
 */
export async function settleTeacher(config: Record<string, unknown>, v: Record<string, unknown>): Promise<void> {
  const loss = config.loss as { terms?: { kind: string; weight: number }[] } | undefined;
  if (v['no-teacher']) {
    if (v.teacher !== undefined) throw new UserError('--teacher and --no-teacher disagree; give one');
    config.teacher = null;
    if (!loss) config.loss = { terms: [{ kind: 'hard-ce', weight: 1 }] };
  }
  if (config.teacher !== undefined) return;
  const spec = (config.data as { spec?: unknown } | undefined)?.spec;
  if (typeof spec === 'string' && spec.startsWith('unlabeled:')) throw new UserError(`--teacher: missing; ${spec.slice('unlabeled:'.length)}: images without labels learn from a teacher's outputs alone; give --teacher`);
  const terms = loss?.terms;
  if (terms) {
    const { lossTerms } = await import('../../losses/index.js');
    const needing = terms.filter((t) => t.weight > 0 && lossTerms.get(t.kind).needsTeacher).map((t) => t.kind);
    if (needing.length === 0) {
      config.teacher = null;
      return;
    }
    throw new UserError(`--teacher: missing; the loss term${needing.length > 1 ? 's' : ''} ${needing.join(', ')} need${needing.length > 1 ? '' : 's'} a teacher: give a tfjs model.json or an .onnx file, or train from labels alone with --loss hard-ce=1 (or --no-teacher)`);
  }
  throw new UserError('--teacher: missing; give a tfjs model.json or an .onnx file (no teacher yet? train one with edge-distill train-teacher), or train from labels alone with --no-teacher');
}

/** Parses `--tune-budget`: `12t` / `12 trials` (trials per search) or `20m` / `20` (minutes for both searches). */
export function parseTuneBudget(value: string): { trials: number } | { minutes: number } {
  const m = /^\s*([0-9.]+)\s*(t|trials?|m|min|minutes?)?\s*$/i.exec(value);
  const n = Number(m?.[1]);
  if (!m || !Number.isFinite(n) || n <= 0) throw new UserError(`--tune-budget ${value}: expected TRIALS (e.g. 12t) or MINUTES (e.g. 20m)`);
  return m[2] && m[2].toLowerCase().startsWith('t') ? { trials: Math.round(n) } : { minutes: n };
}

/** A run's config.json for --resume; a run without one cannot be resumed. */
async function readSavedConfig(run: string): Promise<unknown> {
  const { existsSync } = await import('node:fs');
  const path = runPaths(run).config;
  if (!existsSync(run)) throw new UserError(`--resume ${run}: no run there to resume (the directory is missing); start one with --out ${run}`);
  if (!existsSync(path)) throw new UserError(`--resume ${run}: no config.json there, so no run to resume; start one with --out ${run} (add --force if the directory holds other files)`);
  return readJsonFile(path, 'run config.json');
}

export const command: Command = {
  name: 'distill',
  summary: 'Train a student sized to a byte budget from a teacher and data, with the combined distillation loss. Writes OUT/student/ (tfjs), OUT/metrics.json and OUT/config.json.',
  options: {
    config: { type: 'string', short: 'c', description: 'pipeline config JSON (flags override it)', valueName: 'FILE' },
    ...TEACHER_OPTIONS,
    'no-teacher': { type: 'boolean', description: 'train from labels alone (the baseline distillation is compared with); the loss defaults to hard-ce=1' },
    cache: { type: 'string', description: 'teacher cache directory to use, build, or share between runs (default: OUT/teacher-cache when it pays off)', valueName: 'DIR' },
    'no-cache': { type: 'boolean', description: 'run the teacher on every batch instead of caching its outputs' },
    'rebuild-cache': { type: 'boolean', description: 'recompute the teacher cache even if one is there' },
    'cache-dtype': { type: 'string', description: `dtype of cached features: float32 | float16 (default ${CACHE_DEFAULTS.dtype}; logits stay float32)`, valueName: 'D' },
    data: { type: 'string', description: `mnist | idx:DIR | image folder (one sub-folder per class, or train/ and test/ [val/] folders of them) | train=DIR,test=DIR[,val=DIR] (default ${DATA_DEFAULTS.spec})`, valueName: 'SPEC' },
    unlabeled: { type: 'string', description: 'a folder of images without classes: alone, the student learns the teacher\'s outputs on them (agreement measured on a held-out part); next to --data, they join its training images (hard-ce skips them)', valueName: 'DIR' },
    strict: { type: 'boolean', description: 'refuse unreadable, CMYK and 16-bit images instead of skipping or converting them' },
    resize: { type: 'string', description: `image folders: ${RESIZE_MODES.join(' | ')} (crop: keep the aspect ratio and cut the centre; stretch: ignore it) (default ${DATA_DEFAULTS.resize})`, valueName: 'MODE' },
    'decode-cache': { type: 'string', description: `image folders: where decoded pixels are kept: ${DECODE_CACHE_MODES.join(' | ')} (auto: memory up to ${DEFAULT_DECODE_MEMORY_BUDGET / 1024 ** 3} GiB, else a file under ${DEFAULT_DECODE_CACHE_DIR}; file: kept for later runs; off: decode every epoch) (default ${DATA_DEFAULTS.decodeCache})`, valueName: 'WHERE' },
    'train-limit': { type: 'string', description: 'use at most N training samples', valueName: 'N' },
    student: { type: 'string', description: `student family: cnn | dsconv | mlp | vgg (default ${STUDENT_DEFAULTS.family}), or PATH/model.json: your own tfjs LayersModel`, valueName: 'FAMILY|PATH' },
    'student-input': { type: 'string', description: "the student's own input size HxW (or HxWxC): it sees each image resized from the teacher's size; export and bench use it (default: the teacher's)", valueName: 'HxW' },
    'student-weights': { type: 'string', description: `with --student PATH: init (weights drawn from --seed) | keep (the file's own) (default ${STUDENT_DEFAULTS.modelWeights})`, valueName: 'W' },
    params: { type: 'string', description: 'explicit family params, e.g. width=0.5,depth=2 (default: sized to --max-bytes)', valueName: 'K=V,...' },
    'max-bytes': { type: 'string', description: 'weight byte budget: the largest student that fits is chosen', valueName: 'N' },
    weights: { type: 'string', description: `precision the budget counts: float32 | float16 | uint8 (default ${STUDENT_DEFAULTS.weights})`, valueName: 'P' },
    target: { type: 'string', description: "deployment target JSON: its byte budget (at its precision) is the default --max-bytes", valueName: 'FILE' },
    'size-by': { type: 'string', description: 'bytes | latency: with latency, candidates are measured on --target and must meet its latency budget too (default bytes)', valueName: 'S' },
    candidates: { type: 'string', description: 'train the K largest students that fit the budget and keep the most accurate on val (default 1)', valueName: 'K' },
    loss: { type: 'string', description: `weighted loss terms TERM=W[:KEY=V...], e.g. dkd=1:beta=8,hard-ce=1; the terms (parameter defaults): ${describeLossTerms()} (default ${DEFAULT_LOSS.terms.map((t) => `${t.kind}=${t.weight}`).join(',')}, plus feature-mse ${DEFAULT_RECIPE.featureWeight} between penultimate layers when the teacher has one)`, valueName: 'TERM=W,...' },
    temperature: { type: 'string', description: `soft-kl temperature (default ${DEFAULT_RECIPE.temperature})`, valueName: 'T' },
    feature: { type: 'string', multiple: true, description: 'feature-mse term student:LAYER=teacher:LAYER[@WEIGHT] (repeatable)', valueName: 'MAP' },
    recipe: { type: 'string', description: `a published recipe's settings, under the other flags: ${RECIPES.map((r) => `${r.name}: ${r.description}`).join('; ')}`, valueName: 'NAME' },
    augment: { type: 'string', description: `augment each training batch, ops in order: ${augmentOps.names().join(' | ')}; NAME=V sets its main parameter, NAME:KEY=V others (e.g. crop,flip,mixup=0.2); teacher and student see the same images, so the teacher runs live (default none)`, valueName: 'OPS' },
    'teacher-views': { type: 'string', description: `with --augment: cache the teacher's outputs on K augmented views of every image, built once (FKD), and train epoch e on view e mod K instead of running the teacher on every batch; not with mixup/cutmix (their pairs are per batch); benchmarks/teacher-views.ts measures when it pays (default ${CACHE_DEFAULTS.views}: none)`, valueName: 'K' },
    epochs: { type: 'string', description: `training epochs (default ${TRAIN_DEFAULTS.epochs})`, valueName: 'N' },
    'batch-size': { type: 'string', description: `batch size (default ${TRAIN_DEFAULTS.batchSize})`, valueName: 'N' },
    lr: { type: 'string', description: `peak learning rate of Adam (default ${TRAIN_DEFAULTS.learningRate})`, valueName: 'LR' },
    warmup: { type: 'string', description: `warm-up epochs before cosine decay (default ${TRAIN_DEFAULTS.warmupEpochs})`, valueName: 'E' },
    'clip-grad': { type: 'string', description: 'clip the global L2 norm of the gradients to N before each update (default: no clipping)', valueName: 'N' },
    seed: { type: 'string', description: `seed for init and shuffling (default ${TRAIN_DEFAULTS.seed})`, valueName: 'N' },
    backend: { type: 'string', description: `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (default ${TRAIN_DEFAULTS.backend})`, valueName: 'B' },
    workers: WORKERS_OPTION,
    tune: { type: 'boolean', description: 'search the recipe (T, weights, feature term, lr) on the val split first, and compare with a tuned from-scratch baseline' },
    'tune-budget': { type: 'string', description: `search budget per search: 12t (trials) or 20m (minutes for both) (default ${DEFAULT_TUNE_TRIALS}t)`, valueName: 'B' },
    'tune-seeds': { type: 'string', description: `seeds of the final distilled-vs-scratch comparison (default ${DEFAULT_TUNE_SEEDS})`, valueName: 'N' },
    out: { type: 'string', short: 'o', description: 'run directory to write', valueName: 'DIR' },
    resume: { type: 'string', description: 'continue the run in DIR from its last checkpoint', valueName: 'DIR' },
    force: { type: 'boolean', description: 'overwrite a non-empty --out' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
  },
  async run(v) {
    const resume = v.resume !== undefined ? String(v.resume) : undefined;
    const out = resume ?? (v.out !== undefined ? String(v.out) : undefined);
    if (!out) throw new UserError('--out: missing; give the run directory to write (e.g. --out runs/mnist)');
    if (resume && v.out !== undefined && String(v.out) !== resume) throw new UserError(`--out ${String(v.out)} and --resume ${resume} disagree; give only --resume DIR`);
    const hasConfigFlags = CONFIG_FLAGS.some((f) => v[f] !== undefined);
    // On --resume the run's own config.json is the base the flags apply over, so a flag that changes a setting is
    // reported as the difference it makes (rather than as the other settings it leaves out).
    const saved = resume && !v.config ? await readSavedConfig(resume) : undefined;
    const config = applyCacheFlags((saved && !hasConfigFlags ? saved : await configFromFlags(v, saved)) as Record<string, unknown>, v);
    if (!resume) await settleTeacher(config, v);
    const { distill } = await import('../../distill/index.js');
    const r = await distill({ config, out, resume: Boolean(resume), force: Boolean(v.force), quiet: Boolean(v.quiet), source: v.config ? String(v.config) : 'flags', rebuildCache: Boolean(v['rebuild-cache']) });
    const m = r.metrics;
    const pct = (x?: number) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`);
    console.log(`student ${m.architecture.family} (${m.architecture.description}): ${m.architecture.paramCount} params, ${m.architecture.bytes.float32} bytes float32`);
    console.log(`test accuracy ${pct(m.test.accuracy)} (teacher ${pct(m.test.teacherAccuracy)}, agreement ${pct(m.test.agreement)}) on ${m.test.n} images; ${m.seconds.toFixed(1)}s on ${m.backend}`);
    if (m.tune) console.log(`tune: ${m.tune.verdict}${m.tune.flags ? `\nchosen recipe: ${m.tune.flags}` : ''} (trials table: ${r.out}/tune/trials.md)`);
    console.log(`wrote ${r.out}/student/model.json, metrics.json, config.json${m.architecture.sizing ? ', sizing.json' : ''}${m.architecture.trained ? ', candidates.json' : ''}`);
  },
};
