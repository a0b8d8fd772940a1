/**
 * The distill stage: trains a student of the configured family, sized to the byte budget, with the combined loss
 * against the teacher, and writes the run directory (src/run-dir/layout.ts). Its steps, one file each: resolve the
 * config (./config.ts), check teacher against data (./checks.ts), choose the architecture (./architecture.ts),
 * plan the teacher's outputs (./teacher-outputs.ts), train (./train-step.ts), write (./write-run.ts).
 */
import { existsSync } from 'node:fs';
import { rm, rmdir, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { IOSpec } from '../core/types.js';
import { stderrLogger, type Logger } from '../core/progress.js';
import { writeJsonAtomic } from '../core/files.js';
import type { DistillConfig } from '../config/schema.js';
import { initBackend, loadTf } from '../runtime/backend.js';
import { studentInputShape, studentView } from '../data/student-view.js';
import { RUN_FILES, runPaths } from '../run-dir/layout.js';
import { acquireRunLock, type RunLock } from '../run-dir/lock.js';
import { checkOutPath } from '../run-dir/out-path.js';
import { prepareRunDir } from '../run-dir/prepare.js';
import { writeRunConfig } from '../run-dir/run-config.js';
import { studentFamilies } from '../students/index.js';
import { loadFileStudent } from '../students/file-student.js';
import { loadTeacher } from '../teachers/index.js';
import type { TeacherOutputs } from '../teachers/outputs.js';
import { checkLossShapes, teacherTapsOf } from '../train/loss-check.js';
import { checkMixedLabels } from '../train/augment-check.js';
import { applyTargetBudget } from '../sizing/target-budget.js';
import { latencySizedParams } from '../sizing/distill-step.js';
import { checkUnlabeledSettings, labelByTeacher, resolveDistillConfig, openConfiguredData, withDefaultFeatureTerm } from './config.js';
import { checkExportable, checkFileStudentFlags, checkTeacherData, probeOnData } from './checks.js';
import { candidateChoices, checkCandidatesFlag, pickArchitecture } from './architecture.js';
import { checkViewSettings, openTeacherOutputs, planTeacherOutputs } from './teacher-outputs.js';
import { trainChosen } from './train-step.js';
import { heldOutAgreement, testMetrics, type RunMetrics } from './metrics.js';
import type { WithUnlabeled } from '../data/with-unlabeled.js';
import { writeFinishedRun } from './write-run.js';

export { resolveDistillConfig, baseRecipe, openConfiguredData } from './config.js';
export { checkTeacherData, probeOnData } from './checks.js';
export { pickArchitecture, checkCandidatesFlag } from './architecture.js';
export { architectureRecord, testMetrics, type ArchitectureRecord, type RunMetrics } from './metrics.js';

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

export interface DistillResult {
  out: string;
  metrics: RunMetrics;
}

/** Fails before anything loads when the settings cannot work together. */
function checkSettings(c: DistillConfig): void {
  checkFileStudentFlags(c);
  checkUnlabeledSettings(c);
  checkCandidatesFlag(c);
  if (c.cache.views > 0) checkViewSettings(c);
  if (c.tune && !c.teacher) throw new UserError('--tune compares distillation with training from scratch; it needs --teacher');
}

/**
 * The distill stage: trains a student of the configured family, sized to the byte budget, with the combined loss
 * against the teacher, and writes `out/student/` (tfjs model.json + shards), `out/metrics.json` and
 * `out/config.json`. Every input is checked before `out` is touched.
 */
export async function distill(opts: DistillOptions): Promise<DistillResult> {
  const log = opts.log ?? stderrLogger;
  const quiet = opts.quiet ?? false;
  const rebuild = opts.rebuildCache ?? false;
  const t0 = performance.now();
  // --target fills the byte budget (and its precision) before validation, so explicit values still win.
  const { config, target } = await applyTargetBudget(opts.config);
  const c = resolveDistillConfig(config, opts.source);
  checkSettings(c);
  // A file in the way of --out, or a folder this user cannot write, is found before anything loads.
  await checkOutPath(opts.out, opts.resume ? '--resume' : '--out');
  const backend = await initBackend(c.train.backend, log);
  const teacher = c.teacher ? await loadTeacher(c.teacher) : undefined;
  let teacherOutputs: TeacherOutputs | undefined;
  let lock: RunLock | undefined;
  let made: { out: string; existed: boolean; fresh: boolean; remove?: boolean } | undefined;
  try {
    if (teacher) {
      log.info(`teacher: ${teacher.model.summary}; ${teacher.layout.toUpperCase()} (${teacher.layoutHow}); output ${teacher.output} holds ${teacher.outputKind.kind} (${teacher.outputKind.how})${teacher.outputKind.kind === 'probs' ? ', turned into logits as log p' : ''}`);
      const { loss, note } = withDefaultFeatureTerm(c, teacher.tapNames(), (opts.config as { loss?: unknown } | null)?.loss !== undefined, opts.source);
      c.loss = loss;
      if (note) log.info(note);
    }
    const opened = await openConfiguredData(c, log, teacher?.inputShape);
    const data = teacher && opened.labeled === false ? await labelByTeacher(opened, teacher, log) : opened;
    // Recorded so every later stage (export, bench) reopens the data at the size the run trained on.
    c.data.inputShape ??= data.inputShape;
    if (teacher) {
      checkTeacherData(teacher, data);
      await probeOnData(teacher, data);
    }
    checkMixedLabels(c.train.augment, data, c.loss);
    const family = c.student.model ? await loadFileStudent(c.student.model, c.student.modelWeights) : studentFamilies.get(c.student.family);
    // The student's own input size (--student-input): recorded as [h, w, c]; it sees the teacher's images resized.
    const studentShape = studentInputShape(data.inputShape, c.student.inputShape);
    if (c.student.inputShape) c.student.inputShape = studentShape;
    const studentInput = studentShape.join() === data.inputShape.join() ? undefined : studentShape;
    const studentData = studentInput ? studentView(await loadTf(), data, studentInput) : data;
    const io: IOSpec = { inputShape: studentShape, numClasses: data.numClasses };
    const out = resolve(opts.out);
    const normalize = (saved: unknown) => {
      try {
        const r = resolveDistillConfig(saved);
        // A config.json from before the input shape was recorded took it from the same teacher and data.
        r.data.inputShape ??= c.data.inputShape;
        return r;
      } catch {
        return saved;
      }
    };
    const mode = await prepareRunDir(out, { resume: opts.resume ?? false, force: opts.force ?? false, config: c, flag: '--out', normalize, ...(opts.preserve ? { preserve: opts.preserve } : {}) });

    // Choose the architecture. Measuring takes a while, so it runs after the cheap checks of the run directory.
    const sized = c.student.sizeBy === 'latency' ? await latencySizedParams({ family, c, io, data: studentData, target, out, resume: mode === 'resume', log }) : undefined;
    const arch = pickArchitecture(family, sized ? { ...c, student: { ...c.student, params: sized.params as Record<string, unknown> } } : c, io, log);
    if (sized) arch.record.sizing = sized.report;
    const choices = candidateChoices(c, arch.fitting, sized?.report, family.name, log);

    // Taps, adapter shapes and an existing cache are checked before anything is written to the run directory.
    const lossTaps = teacherTapsOf(c.loss);
    if (teacher) teacher.checkTaps(lossTaps);
    const built = family.build(arch.params, io, c.train.seed);
    if (c.student.model) checkExportable(built, `--student ${c.student.model}`);
    const needsTeacher = await checkLossShapes(built, teacher, c.loss, data.numClasses);
    const plan = teacher ? await planTeacherOutputs({ c, teacher, data, out, lossTaps, needsTeacher, resume: mode === 'resume', rebuild }) : undefined;

    // The lock is taken before a fresh run clears the directory, so a second writer never deletes a live run's files.
    const existed = existsSync(out);
    await mkdir(out, { recursive: true });
    made = { out, existed, fresh: mode === 'fresh' };
    lock = await acquireRunLock(out, mode === 'resume' ? '--resume' : '--out');
    if (mode === 'fresh') {
      for (const entry of await readdir(out)) if (entry !== RUN_FILES.lock && !opts.preserve?.includes(entry)) await rm(join(out, entry), { recursive: true, force: true });
      await writeRunConfig(out, c);
      if (arch.record.sizing) await writeJsonAtomic(runPaths(out).sizing, arch.record.sizing);
    }
    log.info(`student: ${family.name} (${arch.record.description}), ${arch.record.paramCount} params; teacher ${teacher?.id ?? 'none (labels only)'}; data ${data.name} (${data.size('train')}/${data.size('val')}/${data.size('test')})`);
    if (teacher && plan) teacherOutputs = await openTeacherOutputs(plan, { c, teacher, data, rebuild, log, quiet });

    const trained = await trainChosen({ c, built, family, io, arch, choices, sized, target, teacher, teacherOutputs, data, studentInput, studentData, out, log, quiet });
    const metrics: RunMetrics = { architecture: trained.record, backend: backend.name, epochs: trained.history, test: await testMetrics(trained.student, studentData, teacher, data), seconds: (performance.now() - t0) / 1000 };
    if (data.labeled === false) metrics.test.against = 'teacher';
    if (teacher && 'heldOut' in data) {
      const held = (data as WithUnlabeled).heldOut;
      metrics.test.unlabeledAgreement = await heldOutAgreement(trained.student, held, studentInput ? studentView(await loadTf(), held, studentInput) : held, teacher);
    }
    if (trained.tune) metrics.tune = { chosen: trained.tune.chosen, verdict: trained.tune.verdict, ...(trained.tune.flags ? { flags: trained.tune.flags } : {}), trials: trained.tune.trials.length, searchSeconds: trained.tune.searchSeconds };
    teacherOutputs?.dispose();
    teacherOutputs = undefined;
    await writeFinishedRun(out, trained.student, metrics, plan && !plan.shared ? { teacherCacheDir: plan.dir } : {});
    trained.student.dispose();
    return { out, metrics };
  } catch (e) {
    // A fresh run that failed before its first checkpoint leaves nothing worth resuming: what it wrote (config.json,
    // sizing.json, a run-local cache) is removed, so the same command can run again once the cause is fixed.
    if (made?.fresh && lock && !resumable(made.out)) {
      for (const entry of await readdir(made.out)) if (entry !== RUN_FILES.lock && !opts.preserve?.includes(entry)) await rm(join(made.out, entry), { recursive: true, force: true });
      made.remove = !made.existed;
    }
    throw e;
  } finally {
    teacherOutputs?.dispose();
    teacher?.dispose();
    await lock?.release();
    if (made?.remove) await rmdir(made.out).catch(() => {}); // only when it is empty: nothing else was there
  }
}

/** True when a run directory holds training state a --resume would continue from. */
function resumable(out: string): boolean {
  const p = runPaths(out);
  return [p.checkpoint, `${p.checkpoint}.next`, `${p.checkpoint}.old`, p.candidates, p.candidatesDir, p.tuneDir].some((f) => existsSync(f));
}
