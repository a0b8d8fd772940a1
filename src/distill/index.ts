import * as tf from '@tensorflow/tfjs';
import { rm, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Dataset, IOSpec, StudentFamily, Teacher } from '../core/types.js';
import { stderrLogger, type Logger } from '../core/progress.js';
import { writeDirAtomic, writeJsonAtomic } from '../core/files.js';
import { DEFAULT_FEATURE_TERM, DEFAULT_RECIPE, DistillConfig } from '../config/schema.js';
import { validate } from '../config/load.js';
import { openDataset } from '../data/index.js';
import { initBackend, type BackendInfo } from '../runtime/backend.js';
import { saveLayersModelToDir } from '../runtime/model-io.js';
import { studentFamilies } from '../students/index.js';
import { countParams } from '../students/layers.js';
import { chooseStudent, BYTES_PER_WEIGHT, type SizedCandidate } from '../students/sizing.js';
import { parseLossTerms } from '../losses/index.js';
import { loadTeacher, type ModelTeacher } from '../teachers/index.js';
import { trainStudent, type EpochRecord } from '../train/trainer.js';
import type { TeacherOutputs } from '../teachers/outputs.js';
import { checkLossShapes, teacherTapsOf } from '../train/loss-check.js';
import type { TuneReport } from '../tune/index.js';
import type { Recipe } from '../tune/space.js';
import { prepareRunDir, RUN_FILES } from './run-dir.js';
import { cacheDecision, cacheDirFor, openRunCache, precheckCache } from '../teachers/cache/index.js';
import { agreementOf, predictSplit, predictTeacherSplit } from '../train/evaluate.js';
import { applyTargetBudget } from '../sizing/target-budget.js';
import { latencySizedParams, SIZING_FILE } from '../sizing/distill-step.js';
import type { SizingReport } from '../sizing/report.js';
import { CANDIDATES_DIR, topCandidates, trainCandidates, type CandidateChoice, type TrainedCandidate } from './candidates.js';

/** Options of {@link distill}. `config` is a (partial) DistillConfig; defaults fill the rest. */
export interface DistillOptions {
  config: unknown;
  /** Run directory. */
  out: string;
  /** Continue the run in `out` from its last checkpoint. */
  resume?: boolean;
  /** Overwrite a non-empty `out`. */
  force?: boolean;
  log?: Logger;
  /** No progress bars. */
  quiet?: boolean;
  /** Where `config` came from, for error messages. */
  source?: string;
  /** Recompute the teacher cache even when one that fits exists (or when one built for something else is there). */
  rebuildCache?: boolean;
  /** Entries of `out` that `force` keeps (a pipeline's own state files). */
  preserve?: string[];
}

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
  test: { accuracy: number; teacherAccuracy?: number; agreement?: number; n: number };
  seconds: number;
  /** Summary of the recipe search when --tune ran (the full table is in tune/trials.json). */
  tune?: { chosen: 'distill' | 'scratch'; verdict: string; flags?: string; trials: number; searchSeconds: number };
}

/**
 * The search's first candidate: the configured soft-kl/hard-ce mix (and its feature term between the penultimate
 * layers, if any), or the default recipe's mix when the loss has no soft term.
 */
export function baseRecipe(c: DistillConfig): Recipe {
  const soft = c.loss.terms.find((t) => t.kind === 'soft-kl');
  const hard = c.loss.terms.find((t) => t.kind === 'hard-ce');
  const feat = c.loss.terms.find((t) => t.kind === 'feature-mse' && t.student === 'penultimate' && t.teacher === 'penultimate');
  const featureWeight = feat?.weight ?? 0;
  if (!soft) return { softWeight: DEFAULT_RECIPE.softWeight, temperature: DEFAULT_RECIPE.temperature, featureWeight, learningRate: c.train.learningRate };
  const sw = soft.weight / (soft.weight + (hard?.weight ?? 0));
  return { softWeight: Number(sw.toFixed(4)), temperature: Number(soft.temperature), featureWeight, learningRate: c.train.learningRate };
}

export interface DistillResult {
  out: string;
  metrics: RunMetrics;
}

/** Resolves a config (defaults, validation with `path.to.field` errors). */
export function resolveDistillConfig(config: unknown, source = 'config'): DistillConfig {
  const c = validate(DistillConfig, config, source);
  // Unknown terms / bad params fail here, before anything runs; each term is recorded with its params' defaults
  // filled in, so config.json holds the temperature (and every other term setting) the trainer uses.
  c.loss = { terms: parseLossTerms(c.loss, `${source}: loss`).map((p) => ({ kind: p.term.name, weight: p.weight, ...(p.params as object) })) };
  studentFamilies.get(c.student.family);
  return c;
}

/** The record of one family member: description, parameter count and weight bytes at each precision. */
export function architectureRecord(family: StudentFamily<any>, params: unknown, io: IOSpec): ArchitectureRecord {
  const m = family.build(params, io, 1);
  const n = countParams(m);
  m.dispose();
  return { family: family.name, params, description: family.describe(params), paramCount: n, bytes: { float32: 4 * n, float16: 2 * n, uint8: n } };
}

/** Picks the student's family member: explicit params, else the largest that fits the byte budget, else the default. */
export function pickArchitecture(family: StudentFamily<any>, c: DistillConfig, io: IOSpec, log: Logger): { params: unknown; record: ArchitectureRecord; fitting?: CandidateChoice[] } {
  const record = (params: unknown, candidates?: SizedCandidate<unknown>[]): ArchitectureRecord => {
    const r = architectureRecord(family, params, io);
    if (candidates) r.candidates = candidates.map(({ description, paramCount, bytes, fits }) => ({ description, paramCount, bytes, fits }));
    return r;
  };
  if (c.student.params) {
    const params = validate(family.params, c.student.params, `student.params (${family.name})`);
    const r = record(params);
    if (c.student.maxBytes !== undefined && r.bytes[c.student.weights] > c.student.maxBytes) {
      throw new UserError(`student.params (${r.description}) need ${r.bytes[c.student.weights]} bytes at ${c.student.weights}, over --max-bytes ${c.student.maxBytes}; drop the explicit params to size automatically`);
    }
    return { params, record: r };
  }
  if (c.student.maxBytes !== undefined) {
    const { chosen, candidates } = chooseStudent(family, io, c.student.maxBytes, c.student.weights);
    log.info(`sizing ${family.name} to ${c.student.maxBytes} bytes of ${c.student.weights} weights:`);
    for (const cand of candidates) {
      log.info(`  ${cand === chosen ? '*' : cand.fits ? ' ' : 'x'} ${cand.description.padEnd(22)} ${String(cand.paramCount).padStart(9)} params ${String(cand.bytes).padStart(10)} bytes`);
    }
    log.info(`chose ${chosen.description}: ${chosen.paramCount} params, ${chosen.bytes} bytes (* chosen, x over budget)`);
    const fitting = candidates.filter((x) => x.fits).map(({ params, description, paramCount, bytes }) => ({ params, description, paramCount, bytes }));
    return { params: chosen.params, record: record(chosen.params, candidates), fitting };
  }
  return { params: family.defaultParams, record: record(family.defaultParams) };
}

/** Refuses `--candidates K` (K > 1) where there is nothing to choose among; before anything runs. */
export function checkCandidatesFlag(c: DistillConfig): void {
  const k = c.student.candidates ?? 1;
  if (k <= 1) return;
  if (c.student.params) throw new UserError(`--candidates ${k}: explicit --params leave nothing to choose; drop --params, or drop --candidates`);
  if (c.student.maxBytes === undefined && c.student.sizeBy !== 'latency') throw new UserError(`--candidates ${k} trains the ${k} largest students that fit a budget; give one with --max-bytes N or --target FILE`);
  if (c.tune) throw new UserError(`--candidates ${k} with --tune: the recipe search tunes one student; size first (--candidates), then tune the kept student's family params (--params) with --tune`);
}

/**
 * The K largest candidates that fit the budget before training (latency sizing: the measured table; bytes: the
 * weight-byte table), or undefined when `--candidates` is 1 or absent.
 */
function candidateChoices(c: DistillConfig, fitting: CandidateChoice[] | undefined, sizing: SizingReport | undefined, familyName: string, log: Logger): CandidateChoice[] | undefined {
  const k = c.student.candidates ?? 1;
  if (k <= 1) return undefined;
  const all: CandidateChoice[] = sizing
    ? sizing.candidates.filter((r) => r.fits).map((r) => ({ params: r.params, description: r.description, paramCount: r.paramCount, bytes: r.measurement?.bytes ?? r.estBytes, ...(r.measurement ? { p50Ms: r.measurement.p50Ms } : {}) }))
    : fitting ?? [];
  const top = topCandidates(all, k);
  if (top.length < k) log.warn(`--candidates ${k}: only ${top.length} ${familyName} student${top.length === 1 ? '' : 's'} fit${top.length === 1 ? 's' : ''} the budget; training ${top.length === 1 ? 'it' : 'all of them'}`);
  log.info(`training ${top.length} candidates, largest first: ${top.map((x) => `${x.description} (${x.paramCount} params)`).join(', ')}; the most accurate on val is kept`);
  return top.length > 1 ? top : undefined;
}

/** Checks that teacher and data agree on input shape (NHWC; -1 takes any size) and classes. */
export function checkTeacherData(teacher: Teacher, data: Dataset): void {
  const fits = teacher.inputShape.length === data.inputShape.length && teacher.inputShape.every((d, i) => d === -1 || d === data.inputShape[i]);
  if (!fits) {
    const layout = (teacher as Partial<ModelTeacher>).layout;
    const [h, w, c] = teacher.inputShape;
    // An NCHW file read as NHWC (or the reverse) shows up as the data's shape with the axes rotated.
    const swapped = layout === 'nhwc' ? [w, c, h] : layout === 'nchw' ? [c, h, w] : undefined;
    const hint = swapped && swapped.join('x') === data.inputShape.join('x') ? `; the file may be ${layout === 'nhwc' ? 'NCHW' : 'NHWC'}: try --teacher-layout ${layout === 'nhwc' ? 'nchw' : 'nhwc'}` : '';
    throw new UserError(`teacher ${teacher.id} takes inputs [${teacher.inputShape.join(', ')}] but ${data.name} has [${data.inputShape.join(', ')}] (h, w, c); use data of the teacher's shape (image folders are resized to it)${hint}`);
  }
  if (teacher.numClasses !== data.numClasses) {
    throw new UserError(`teacher ${teacher.id} predicts ${teacher.numClasses} classes but ${data.name} has ${data.numClasses}; the teacher must be trained on the same classes`);
  }
}

/**
 * Runs the teacher on a few real training images, so a data shape the model cannot take (an error inside the
 * model, not just a declared-shape mismatch) stops the run before anything is written or trained.
 */
export async function probeOnData(teacher: Teacher, data: Dataset): Promise<void> {
  for await (const b of data.batches('train', 2, { limit: 2 })) {
    try {
      const out = await teacher.forward(b.x, []);
      tf.dispose([out.logits, ...Object.values(out.features)]);
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }
}

/** Test-split accuracy of `model` (and of the teacher, and their agreement). */
export async function testMetrics(model: tf.LayersModel, data: Dataset, teacher?: Teacher): Promise<RunMetrics['test']> {
  const s = await predictSplit(model, data, 'test');
  const test: RunMetrics['test'] = { accuracy: agreementOf(s.preds, s.labels), n: s.labels.length };
  if (teacher) {
    const t = await predictTeacherSplit(teacher, data, 'test');
    test.teacherAccuracy = agreementOf(t, s.labels);
    test.agreement = agreementOf(s.preds, t);
  }
  return test;
}

/** Opens the dataset a config names, sized to the teacher's input where the data can be resized. */
export async function openConfiguredData(c: DistillConfig, log: Logger, inputShape?: number[]): Promise<Dataset> {
  const shape = c.data.inputShape ?? (inputShape?.every((d) => d > 0) ? inputShape : undefined);
  return openDataset(c.data.spec, {
    seed: c.data.seed,
    strict: c.data.strict,
    log,
    ...(shape ? { inputShape: shape } : {}),
    ...(c.data.mean ? { mean: c.data.mean } : {}),
    ...(c.data.std ? { std: c.data.std } : {}),
  });
}

/**
 * The distill stage: trains a student of the configured family, sized to the byte budget, with the combined loss
 * against the teacher, and writes `out/student/` (tfjs model.json + shards), `out/metrics.json` and
 * `out/config.json`. Every input is checked before `out` is touched.
 */
export async function distill(opts: DistillOptions): Promise<DistillResult> {
  const log = opts.log ?? stderrLogger;
  const t0 = performance.now();
  // --target fills the byte budget (and its precision) before validation, so explicit values still win.
  const { config, target } = await applyTargetBudget(opts.config);
  const c = resolveDistillConfig(config, opts.source);
  checkCandidatesFlag(c);
  const backend: BackendInfo = await initBackend(c.train.backend, log);
  const teacher = c.teacher ? await loadTeacher(c.teacher) : undefined;
  let teacherOutputs: TeacherOutputs | undefined;
  try {
    if (teacher) log.info(`teacher: ${teacher.model.summary}; ${teacher.layout.toUpperCase()} (${teacher.layoutHow}); output ${teacher.output} holds ${teacher.outputKind.kind} (${teacher.outputKind.how})${teacher.outputKind.kind === 'probs' ? ', turned into logits as log p' : ''}`);
    if (teacher && (opts.config as { loss?: unknown } | null)?.loss === undefined) {
      // The default recipe matches penultimate features too, where the teacher has that layer (students always do).
      const feature = teacher.tapNames().includes('penultimate');
      // A new object: zod hands out the DEFAULT_LOSS constant itself as the default, which must stay untouched.
      if (feature) c.loss = resolveDistillConfig({ ...c, loss: { terms: [...c.loss.terms, { ...DEFAULT_FEATURE_TERM }] } }, opts.source).loss;
      log.info(`loss: the default recipe (soft-kl ${DEFAULT_RECIPE.softWeight} at T=${DEFAULT_RECIPE.temperature} + hard-ce ${Number((1 - DEFAULT_RECIPE.softWeight).toFixed(4))}${feature ? ` + feature-mse ${DEFAULT_RECIPE.featureWeight} between the penultimate layers` : `; no feature term: the teacher has no penultimate layer`}; README "Defaults")`);
    }
    const data = await openConfiguredData(c, log, teacher?.inputShape);
    if (teacher) {
      checkTeacherData(teacher, data);
      await probeOnData(teacher, data);
    }
    const family = studentFamilies.get(c.student.family);
    const io: IOSpec = { inputShape: data.inputShape, numClasses: data.numClasses };
    const out = resolve(opts.out);
    const normalize = (saved: unknown) => {
      try {
        return resolveDistillConfig(saved);
      } catch {
        return saved;
      }
    };
    const mode = await prepareRunDir(out, { resume: opts.resume ?? false, force: opts.force ?? false, config: c, flag: '--out', normalize, ...(opts.preserve ? { preserve: opts.preserve } : {}) });
    // Measuring takes a while, so it runs after the cheap checks of the run directory (which write nothing).
    const sized = c.student.sizeBy === 'latency' ? await latencySizedParams({ family, c, io, data, target, out, resume: mode === 'resume', log }) : undefined;
    const arch = pickArchitecture(family, sized ? { ...c, student: { ...c.student, params: sized.params as Record<string, unknown> } } : c, io, log);
    if (sized) arch.record.sizing = sized.report;
    const choices = candidateChoices(c, arch.fitting, sized?.report, family.name, log);
    const built = family.build(arch.params, io, c.train.seed);
    // Taps, adapter shapes and an existing cache are checked before anything is written to the run directory.
    const lossTaps = teacherTapsOf(c.loss);
    if (teacher) teacher.checkTaps(lossTaps);
    const needsTeacher = await checkLossShapes(built, teacher, c.loss, data.numClasses);
    // Tuning tries recipes whose feature term taps the teacher's `penultimate` (when it has one): cache that too.
    const taps = c.tune && teacher?.tapNames().includes('penultimate') ? [...new Set([...lossTaps, 'penultimate'])] : lossTaps;
    const cache = teacher ? cacheDecision(c, data, needsTeacher || Boolean(c.tune)) : undefined;
    const { dir: cacheDir, shared } = cacheDirFor(c, out);
    if (teacher && cache?.use) {
      // A fresh run starts from an empty directory, so only a shared cache or a resumed run's can be there already.
      if (shared || mode === 'resume') await precheckCache(cacheDir, teacher, data, taps, c, opts.rebuildCache ?? false);
    }
    if (mode === 'fresh') {
      await mkdir(out, { recursive: true });
      for (const entry of await readdir(out)) if (!opts.preserve?.includes(entry)) await rm(join(out, entry), { recursive: true, force: true });
      await writeJsonAtomic(join(out, RUN_FILES.config), c);
      if (arch.record.sizing) await writeJsonAtomic(join(out, SIZING_FILE), arch.record.sizing);
    }
    log.info(`student: ${family.name} (${arch.record.description}), ${arch.record.paramCount} params; teacher ${teacher?.id ?? 'none (labels only)'}; data ${data.name} (${data.size('train')}/${data.size('val')}/${data.size('test')})`);
    if (teacher && cache) {
      if (cache.use) teacherOutputs = await openRunCache({ config: c, teacher, data, taps, dir: cacheDir, rebuild: opts.rebuildCache ?? false, log, quiet: opts.quiet ?? false });
      else log.info(`teacher outputs: live (cache ${cache.why})`);
    }
    let student: tf.LayersModel;
    let history: EpochRecord[];
    let tune: TuneReport | undefined;
    if (c.tune) {
      built.dispose();
      if (!teacher) throw new UserError('--tune compares distillation with training from scratch; it needs --teacher');
      const { tuneAndTrain } = await import('../tune/index.js');
      const r = await tuneAndTrain({
        family, params: arch.params, io, teacher, teacherOutputs, data, train: c.train, trainLimit: c.data.trainLimit, tune: c.tune,
        base: baseRecipe(c), dir: join(out, 'tune'), log, quiet: opts.quiet ?? false,
      });
      ({ student, history } = r);
      tune = r.report;
    } else if (choices) {
      built.dispose();
      const train = (s: tf.LayersModel, checkpointDir: string) =>
        trainStudent({ student: s, teacher, teacherOutputs, data, loss: c.loss, train: c.train, trainLimit: c.data.trainLimit, checkpointDir, log, quiet: opts.quiet ?? false });
      const recheck = sized && target
        ? async (s: tf.LayersModel) => (await import('../sizing/recheck.js')).trainedBudgetMisses(s, { target, budget: sized.report.budget, data })
        : undefined;
      const r = await trainCandidates({ family, io, candidates: choices, seed: c.train.seed, train, ...(recheck ? { recheck } : {}), out, log });
      ({ student, history } = r);
      arch.params = r.params;
      arch.record = { ...architectureRecord(family, r.params, io), ...(arch.record.candidates ? { candidates: arch.record.candidates } : {}), ...(arch.record.sizing ? { sizing: arch.record.sizing } : {}), trained: r.rows };
    } else {
      student = built;
      ({ history } = await trainStudent({
        student,
        teacher,
        teacherOutputs,
        data,
        loss: c.loss,
        train: c.train,
        trainLimit: c.data.trainLimit,
        checkpointDir: join(out, RUN_FILES.checkpoint),
        log,
        quiet: opts.quiet ?? false,
      }));
    }
    const test = await testMetrics(student, data, teacher);
    const metrics: RunMetrics = { architecture: arch.record, backend: backend.name, epochs: history, test, seconds: (performance.now() - t0) / 1000 };
    if (tune) metrics.tune = { chosen: tune.chosen, verdict: tune.verdict, ...(tune.flags ? { flags: tune.flags } : {}), trials: tune.trials.length, searchSeconds: tune.searchSeconds };
    await rm(join(out, RUN_FILES.student), { recursive: true, force: true });
    await writeDirAtomic(join(out, RUN_FILES.student), (dir) => saveLayersModelToDir(student, dir));
    await writeJsonAtomic(join(out, RUN_FILES.metrics), metrics);
    // The checkpoint holds training-only state (optimizer moments, adapters); a finished run no longer needs it.
    await rm(join(out, RUN_FILES.checkpoint), { recursive: true, force: true });
    await rm(join(out, CANDIDATES_DIR), { recursive: true, force: true });
    teacherOutputs?.dispose();
    teacherOutputs = undefined;
    // So is a run-local teacher cache (a --cache DIR is kept: other runs share it).
    if (!shared) await rm(cacheDir, { recursive: true, force: true });
    student.dispose();
    return { out, metrics };
  } finally {
    teacherOutputs?.dispose();
    teacher?.dispose();
  }
}
