/**
 * The bench stage: every selected target × the student's exported artifacts and the teacher, measured by the
 * target's runtime, then RUN/bench/results.json. The reports on top of it are the report layer's (src/report/write.ts).
 */
import { cpus, platform, arch, totalmem } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, listOf } from '../core/errors.js';
import { createProgress, silentLogger, type Logger } from '../core/progress.js';
import { builtinTargetsDir, loadTargets, targetPrecisions, type Target } from '../config/target.js';
import { loadTf } from '../runtime/backend.js';
import { loadTestData } from './data.js';
import { describeSource, readExportManifest, readRunConfig, resolveTeacherPath } from './run-dir.js';
import { preprocessImages, teacherKindOf, teacherOnnx, teacherOnnxFile, teacherPreprocessOf, teacherSkipReason, teacherTfjs, type TeacherOnnx, type TeacherOnnxFile } from './teacher.js';
import { createResources } from './resources.js';
import { runnerFor } from './runners/registry.js';
import { artifactSummary, benchModel, type Measured } from './bench-one.js';
import { agreement, checkBudget, RESULTS_SCHEMA_VERSION, type BenchResults, type BenchRow, type TargetSummary } from './results.js';
import { STATS_DEFINITIONS } from './stats.js';
import { replaceDirAtomic } from './output.js';
import type { ModelRef, RunnerContext } from './types.js';

/** Options of {@link runBench}; the CLI flags map onto them. */
export interface BenchOptions {
  runDir: string;
  /** Target files, folders or `dir/*.json` globs (default: the shipped targets/). */
  targets?: string[];
  /** Only these target ids. */
  only?: string[];
  /** Few iterations and at most 256 test images: a smoke test, not a measurement. */
  quick?: boolean;
  /** Cap on test images (default: all; 256 with quick). */
  testLimit?: number;
  log?: Logger;
  /** No progress bar (tests, library use). */
  quiet?: boolean;
}

async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Selects targets by `--only`; an unknown id is a {@link UserError} listing the known ones. */
function selectTargets(loaded: { path: string; target: Target }[], only: string[] | undefined) {
  if (!only?.length) return loaded;
  const ids = new Set(loaded.map((l) => l.target.id));
  const unknown = only.filter((id) => !ids.has(id));
  if (unknown.length) throw new UserError(`--only ${unknown.join(',')}: no such target. Must be among ${listOf(ids)}`);
  return loaded.filter((l) => only.includes(l.target.id));
}

/**
 * Runs the bench stage and writes RUN/bench/results.json, replacing an earlier bench's folder whole. Returns the
 * results; the caller writes the reports from them (`writeReports` in src/report/write.ts).
 */
export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const log = opts.log ?? silentLogger;
  const runDir = resolve(opts.runDir);
  const config = await readRunConfig(runDir);
  const { manifest, exportDir } = await readExportManifest(runDir);
  const targets = selectTargets(await loadTargets(opts.targets?.length ? opts.targets : [join(builtinTargetsDir(), '*.json')]), opts.only);
  const teacherPath = resolveTeacherPath(runDir, config.teacher.path);
  const teacherKind = await teacherKindOf(teacherPath);
  const teacherTf = teacherKind === 'onnx' ? undefined : await teacherTfjs(teacherPath);
  const quick = Boolean(opts.quick);
  // Warnings off (tfjs 4.22's prod mode does nothing else), so the log is not led by the "install tfjs-node" banner.
  (await loadTf()).enableProdMode();
  const limit = opts.testLimit ?? (quick ? 256 : undefined);
  const data = await loadTestData(config.data, { ...(limit !== undefined ? { limit } : {}), log });
  log.info(`bench: ${targets.length} target(s), ${manifest.artifacts.length} student artifact(s) + teacher, ${data.n} test images${quick ? ' (quick)' : ''}`);

  const students: ModelRef[] = manifest.artifacts.map((a) => ({ role: 'student', artifact: a, dir: join(exportDir, a.dir) }));
  const ctx: RunnerContext = { data, log, resources: createResources() };
  let onnxTeacher: TeacherOnnx | undefined;
  let onnxFileTeacher: TeacherOnnxFile | undefined;
  const teacherPre = teacherPreprocessOf(config.teacher);
  let teacherCtx: RunnerContext | undefined;
  const rows: BenchRow[] = [];
  const predictions = new Map<BenchRow, Int32Array>();
  const summaries: TargetSummary[] = [];
  const plannedUnits = targets.reduce((n, { target }) => n + 1 + students.filter((s) => matches(s, target)).length, 0);
  const progress = createProgress({ label: 'bench', total: plannedUnits, unit: 'models', quiet: opts.quiet ?? false });

  const push = (m: Measured) => {
    rows.push(m.row);
    if (m.predictions) predictions.set(m.row, m.predictions);
    progress.tick(1, `${m.row.target} ${m.row.model}${m.row.latency ? ` p50 ${m.row.latency.p50.toFixed(3)} ms` : ` ${m.row.status}`}`);
  };

  try {
    for (const { path, target } of targets) {
      const summary: TargetSummary = {
        id: target.id, description: target.description, file: path, runtime: target.runtime, host: target.host, backend: target.backend,
        threads: target.threads, cpuThrottling: target.cpuThrottling, batchSizes: target.batchSizes, budget: target.budget, status: 'ok',
      };
      summaries.push(summary);
      const mine = students.filter((s) => matches(s, target));
      const runner = runnerFor(target);
      const probe = runner ? await runner.probe(target, ctx) : { ok: false as const, reason: `no runner for ${target.runtime} on ${target.host} with ${target.backend}` };
      if (!probe.ok) {
        summary.status = 'skipped';
        summary.reason = probe.reason;
        log.info(`${target.id}: skipped: ${probe.reason}`);
        for (const s of mine) push({ row: { target: target.id, model: 'student', artifact: artifactSummary(s), status: 'skipped', reason: probe.reason, notes: [] } });
        if (!mine.length) push({ row: noArtifactRow(target, students) });
        push({ row: { target: target.id, model: 'teacher', status: 'skipped', reason: probe.reason, notes: [] } });
        continue;
      }
      if (probe.device) summary.device = probe.device;
      if (!mine.length) push({ row: noArtifactRow(target, students) });
      for (const s of mine) push(await benchModel(runner!, s, target, ctx, quick));

      let teacher: ModelRef | undefined;
      let skip = teacherSkipReason(teacherKind, target.runtime);
      if (!skip && target.runtime === 'tfjs') teacher = teacherTf;
      else if (!skip && teacherKind === 'onnx') {
        onnxFileTeacher ??= await teacherOnnxFile({ ...config.teacher, path: teacherPath });
        if (onnxFileTeacher.ok) teacher = onnxFileTeacher.ref;
        else skip = onnxFileTeacher.reason;
      } else if (!skip && target.runtime === 'onnxruntime') {
        onnxTeacher ??= await teacherOnnx(teacherPath, config.data, log);
        if (onnxTeacher.ok) teacher = onnxTeacher.ref;
        else skip = onnxTeacher.reason;
      }
      if (skip) push({ row: { target: target.id, model: 'teacher', status: 'skipped', reason: skip, notes: [] } });
      // The teacher sees what the distill stage fed it: the test images through its preprocessing.
      if (teacherPre && !teacherCtx) teacherCtx = { ...ctx, data: { ...ctx.data, x: preprocessImages(ctx.data.x, ctx.data.shape[2], teacherPre) } };
      if (teacher) push(await benchModel(runner!, teacher, target, teacherCtx ?? ctx, quick));
    }
  } finally {
    progress.done();
    await ctx.resources.closeAll().catch((e: unknown) => log.warn(`closing the browser/server failed: ${(e as Error).message}`));
    if (onnxTeacher?.ok) await onnxTeacher.cleanup();
  }

  derive(rows, predictions, targets.map((t) => t.target));
  const results: BenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'edge-distill', version: await toolVersion() },
    createdAt: new Date().toISOString(),
    runDir,
    quick,
    machine: { platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), node: process.version },
    dataset: { spec: data.spec, name: data.name, split: 'test', samples: data.n, classNames: data.classNames },
    statistics: { ...STATS_DEFINITIONS, sample: 'per-call milliseconds; one sample is the mean of callsPerSample back-to-back calls' },
    models: {
      student: { source: describeSource(manifest.source), exportDir },
      teacher: {
        path: teacherPath,
        onnx: teacherKind === 'onnx'
          ? (onnxFileTeacher === undefined ? 'not needed' : onnxFileTeacher.ok ? 'the teacher file itself' : onnxFileTeacher.reason)
          : teacherKind === 'graph-model' ? teacherSkipReason(teacherKind, 'onnxruntime')! : onnxTeacher === undefined ? 'not needed' : onnxTeacher.ok ? 'exported for this bench' : onnxTeacher.reason,
      },
    },
    targets: summaries,
    rows,
  };
  await writeResults(join(runDir, 'bench'), results);
  return results;
}

/** Whether a student artifact is one the target takes (format and one of its precisions). */
function matches(s: ModelRef, t: Target): boolean {
  return s.artifact.format === t.artifact.format && targetPrecisions(t).includes(s.artifact.precision);
}

function noArtifactRow(target: Target, students: ModelRef[]): BenchRow {
  const have = [...new Set(students.map((s) => `${s.artifact.format}/${s.artifact.precision}`))].join(', ');
  return {
    target: target.id,
    model: 'student',
    status: 'skipped',
    reason: `the export has no ${target.artifact.format} artifact at ${targetPrecisions(target).join(' or ')} (it has ${have})`,
    notes: [],
  };
}

/**
 * Cross-row numbers: speedup over the teacher on the same target, top-1 agreement with the teacher (on the same
 * target when the teacher ran there, else with the first teacher row that ran), and budget checks.
 */
function derive(rows: BenchRow[], predictions: Map<BenchRow, Int32Array>, targets: Target[]): void {
  const okTeacher = rows.filter((r) => r.model === 'teacher' && r.status === 'ok' && predictions.has(r));
  for (const row of rows) {
    if (row.status !== 'ok') continue;
    const target = targets.find((t) => t.id === row.target)!;
    row.budget = checkBudget(target.budget, row.artifact, row.latency);
    if (!row.budget) delete row.budget;
    if (row.model !== 'student') continue;
    const sameTarget = okTeacher.find((t) => t.target === row.target);
    if (sameTarget?.latency && row.latency) row.speedup = sameTarget.latency.p50 / row.latency.p50;
    const ref = sameTarget ?? okTeacher[0];
    const mine = predictions.get(row);
    if (ref && mine) row.agreement = { ...agreement(mine, predictions.get(ref)!), reference: `teacher on ${ref.target}` };
  }
}

/**
 * Writes results.json into RUN/bench, replacing an earlier bench's folder atomically (its reports go with it: the
 * caller writes new ones from these results).
 */
export async function writeResults(dir: string, results: BenchResults): Promise<void> {
  await replaceDirAtomic(dir, async (staging) => {
    await writeFile(join(staging, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  });
}
