/** What a bench reads before it measures anything: the run's config and export, the targets, the teacher, the test split. */
import { join, resolve } from 'node:path';
import { UserError, listOf } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import { builtinTargetsDir, type Target } from '../config/target.js';
import { loadBenchTargets } from './targets.js';
import { loadTf } from '../runtime/backend.js';
import { loadTestData, resizedTestData } from './data.js';
import { readRunExports, type ExportManifest } from '../run-dir/manifest.js';
import { readRunConfigWithTeacher, resolveTeacherPath, type RunConfigWithTeacher } from '../run-dir/run-config.js';
import { teacherKindOf, teacherTfjs } from './teacher.js';
import type { TeacherKind } from '../teachers/index.js';
import type { ModelRef, TestData } from './types.js';
import type { BenchResults } from './results.js';

/** Options of `runBench` (src/bench/run.ts); the CLI flags map onto them. */
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
  /**
   * Writes files made from the results (the reports: `writeReports` in src/report/write.ts) into `dir`, the bench
   * folder's staging copy, so they are swapped in with results.json or not at all.
   */
  report?: (results: BenchResults, dir: string) => Promise<unknown>;
  /** Catch SIGINT/SIGTERM/SIGHUP while benchmarking and stop cleanly (default true; src/core/interrupt.ts). */
  handleSignals?: boolean;
}

/** A loaded target and the file it came from. */
export interface LoadedTarget {
  path: string;
  target: Target;
}

/** Everything a bench measures, loaded and checked. */
export interface BenchInputs {
  /** Absolute run directory. */
  runDir: string;
  config: RunConfigWithTeacher;
  manifest: ExportManifest;
  exportDir: string;
  targets: LoadedTarget[];
  /** One per exported artifact, in the manifest's order. */
  students: ModelRef[];
  teacherPath: string;
  teacherKind: TeacherKind['name'];
  /** The teacher as a tfjs model (undefined for an ONNX teacher). */
  teacherTf: ModelRef | undefined;
  /** The test images as the student takes them (resized to its own input size when the run gave one). */
  data: TestData & { spec: string; name: string };
  /** The same images at the teacher's input size (the data's own): what the teacher's rows are fed. */
  teacherData: TestData & { spec: string; name: string };
  quick: boolean;
}

/** Selects targets by `--only`; an unknown id is a {@link UserError} listing the known ones. */
export function selectTargets(loaded: LoadedTarget[], only: string[] | undefined): LoadedTarget[] {
  if (!only?.length) return loaded;
  const ids = new Set(loaded.map((l) => l.target.id));
  const unknown = only.filter((id) => !ids.has(id));
  if (unknown.length) throw new UserError(`--only ${unknown.join(',')}: no such target. Must be among ${listOf(ids)}`);
  return loaded.filter((l) => only.includes(l.target.id));
}

/**
 * Reads the run (config.json, export/manifest.json), loads and selects the targets, finds the teacher and loads the
 * test split. A missing export or an unknown target id is a `UserError`, raised before anything is measured.
 */
export async function loadBenchInputs(opts: BenchOptions, log: Logger): Promise<BenchInputs> {
  const runDir = resolve(opts.runDir);
  const config = await readRunConfigWithTeacher(runDir, '--run');
  const { manifest, exportDir } = await readRunExports(runDir);
  const targets = selectTargets(await loadBenchTargets(opts.targets?.length ? opts.targets : [join(builtinTargetsDir(), '*.json')]), opts.only);
  const teacherPath = resolveTeacherPath(runDir, config.teacher.path);
  const teacherKind = await teacherKindOf(teacherPath);
  const teacherTf = teacherKind === 'onnx' ? undefined : await teacherTfjs(teacherPath);
  const quick = Boolean(opts.quick);
  // Warnings off (tfjs 4.22's prod mode does nothing else), so the log is not led by the "install tfjs-node" banner.
  (await loadTf()).enableProdMode();
  const limit = opts.testLimit ?? (quick ? 256 : undefined);
  const teacherData = await loadTestData(config.data, { ...(limit !== undefined ? { limit } : {}), log });
  const data = config.student.inputShape ? await resizedTestData(teacherData, config.student.inputShape) : teacherData;
  const students: ModelRef[] = manifest.artifacts.map((a) => ({ role: 'student', artifact: a, dir: join(exportDir, a.dir) }));
  return { runDir, config, manifest, exportDir, targets, students, teacherPath, teacherKind, teacherTf, data, teacherData, quick };
}
