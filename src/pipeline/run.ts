import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkOutPath } from '../run-dir/out-path.js';
import { UserError } from '../core/errors.js';
import { stderrLogger, type Logger } from '../core/progress.js';
import { writeJsonAtomic } from '../core/files.js';
import { validate, readJsonFile } from '../config/load.js';
import { firstDifference } from '../run-dir/prepare.js';
import { RUN_FILES, runPaths } from '../run-dir/layout.js';
import { PipelineConfig, type StageName } from './config.js';
import { readState, recordStage, type PipelineState } from './state.js';

export interface RunPipelineOptions {
  /** A (partial) {@link PipelineConfig}. */
  config: unknown;
  /** Run directory. */
  out: string;
  source?: string;
  log?: Logger;
  quiet?: boolean;
}

export interface RunPipelineResult {
  out: string;
  state: PipelineState;
  /** RUN/bench/report.md and report.html. */
  report: { md: string; html: string };
}

/**
 * distill → export → bench (→ report) in one run directory. Each finished stage is recorded in RUN/pipeline.json
 * and not redone when the command runs again; a stage that fails is recorded with its error, and the next run
 * resumes after the last good stage (a distill stage that crashed mid-way continues from its checkpoint). A second
 * run with a different config is refused.
 */
export async function runPipeline(opts: RunPipelineOptions): Promise<RunPipelineResult> {
  const log = opts.log ?? stderrLogger;
  const source = opts.source ?? 'config';
  const c = validate(PipelineConfig, opts.config, source);
  const out = resolve(opts.out);
  const { resolveDistillConfig } = await import('../distill/index.js');
  const { export: exportCfg, bench: benchCfg, trainTeacher: teacherCfg, ...distillPart } = c;
  resolveDistillConfig(distillPart, source);

  await checkOutPath(opts.out, '--out');
  const savedPath = join(out, RUN_FILES.pipelineConfig);
  const state = readState(out);
  if (existsSync(savedPath)) {
    // Settings of finished stages are fixed; those of stages still to run may change (e.g. to fix a failed bench).
    const saved = (await readJsonFile(savedPath, 'pipeline config')) as Record<string, unknown>;
    const now = JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
    const done = (s: StageName) => state.stages[s]?.status === 'done' || state.stages[s]?.status === 'skipped';
    const sections: [StageName, string[]][] = [
      ['distill', ['data', 'teacher', 'student', 'loss', 'train', 'tune', 'trainTeacher']],
      ['export', ['export']],
      ['bench', ['bench']],
    ];
    for (const [s, keys] of sections) {
      if (!done(s)) continue;
      const pick = (o: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, o[k]]));
      const diff = firstDifference(pick(saved), pick(now));
      if (diff) throw new UserError(`${opts.out}: its ${s} stage already ran with different settings (${diff}); use the same settings to resume, or another output directory`);
    }
  }
  await writeJsonAtomic(savedPath, c);

  const stage = async (name: StageName, fn: () => Promise<'done' | 'skipped'>) => {
    if (state.stages[name]?.status === 'done' || state.stages[name]?.status === 'skipped') {
      log.info(`== ${name}: already done, not redone`);
      return;
    }
    log.info(`== ${name}`);
    const t0 = performance.now();
    try {
      const status = await fn();
      await recordStage(out, state, name, { status, at: new Date().toISOString(), seconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      await recordStage(out, state, name, { status: 'failed', at: new Date().toISOString(), error: (e as Error).message.split('\n')[0]! });
      throw e;
    }
  };

  await stage('teacher', async () => {
    const path = c.teacher?.path;
    if (!teacherCfg || !path || existsSync(path)) {
      if (path && existsSync(path)) log.info(`using the teacher at ${path}`);
      return 'skipped';
    }
    const { trainTeacher } = await import('../distill/train-teacher.js');
    // The teacher sees the run's data as the student will (shape, normalisation), but all of it: a trainLimit is the student's.
    const { trainLimit: _limit, ...data } = c.data;
    const r = await trainTeacher({ data, arch: teacherCfg.arch, epochs: teacherCfg.epochs, out: teacherCfg.out, backend: c.train.backend, workers: c.train.workers, force: true, log, quiet: opts.quiet ?? false });
    if (resolve(r.modelPath) !== resolve(path)) throw new UserError(`${source}: trainTeacher.out writes ${r.modelPath} but teacher.path is ${path}; set teacher.path to OUT/student/model.json`);
    return 'done';
  });

  await stage('distill', async () => {
    const { distill } = await import('../distill/index.js');
    const resume = existsSync(join(out, RUN_FILES.config)) && existsSync(join(out, RUN_FILES.checkpoint)) && !existsSync(join(out, RUN_FILES.metrics));
    // A config without a loss gets the default recipe, which depends on the teacher (see distill); pass it unset.
    const { loss: _loss, ...withoutLoss } = distillPart;
    const config = (opts.config as { loss?: unknown } | null)?.loss === undefined ? withoutLoss : distillPart;
    await distill({ config, out, resume, force: !resume, preserve: [RUN_FILES.pipeline, RUN_FILES.pipelineConfig], log, quiet: opts.quiet ?? false, source });
    return 'done';
  });

  await stage('export', async () => {
    const { exportRun } = await import('../export/index.js');
    await exportRun({
      run: out, formats: exportCfg.formats, precisions: exportCfg.precisions, force: true, log, backend: c.train.backend,
      ...(exportCfg.onnxBatch ? { onnxBatch: exportCfg.onnxBatch } : {}),
      ...(exportCfg.calibration ? { calibration: exportCfg.calibration } : {}),
      ...(exportCfg.tolerance ? { tolerance: exportCfg.tolerance } : {}),
    });
    return 'done';
  });

  await stage('bench', async () => {
    const { runBench } = await import('../bench/run.js');
    const { writeReports } = await import('../report/write.js');
    await runBench({
      runDir: out, quick: benchCfg.quick, log, quiet: opts.quiet ?? false, report: writeReports,
      ...(benchCfg.targets ? { targets: benchCfg.targets } : {}),
      ...(benchCfg.only ? { only: benchCfg.only } : {}),
      ...(benchCfg.testLimit ? { testLimit: benchCfg.testLimit } : {}),
    });
    return 'done';
  });

  return { out, state, report: { md: runPaths(out).reportMd, html: runPaths(out).reportHtml } };
}

/** The first Markdown table of a report (its headline), for printing at the end of a run. */
export async function headlineTable(reportMd: string): Promise<string> {
  if (!existsSync(reportMd)) return '';
  const lines = (await readFile(reportMd, 'utf8')).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
