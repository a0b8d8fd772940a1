/** Turns a bench's measured rows into RUN/bench/results.json's content. */
import { cpus, platform, arch, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Target } from '../config/target.js';
import type { BenchInputs } from './inputs.js';
import type { MeasuredBench } from './measure.js';
import { agreement, checkBudget, RESULTS_SCHEMA_VERSION, type BenchResults, type BenchRow } from './results.js';
import { describeSource } from '../run-dir/manifest.js';
import { STATS_DEFINITIONS } from './stats.js';

/** This package's version (package.json), recorded in results.json. */
export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Cross-row numbers, set on the rows in place: budget checks; for students, speedup over the teacher on the same
 * target (teacher p50 / student p50) and top-1 agreement with the teacher (on the same target when the teacher ran
 * there, else with the first teacher row that ran).
 */
export function deriveCrossRow(rows: BenchRow[], predictions: Map<BenchRow, Int32Array>, targets: Target[]): void {
  const okTeacher = rows.filter((r) => r.model === 'teacher' && r.status === 'ok' && predictions.has(r));
  for (const row of rows) {
    if (row.status !== 'ok') continue;
    const target = targets.find((t) => t.id === row.target)!;
    row.budget = checkBudget(target.budget, row.artifact, row.latency, row.firstPrediction);
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
 * The results of a bench: the measured rows with their cross-row numbers, the targets as benchmarked, and what ran
 * where (machine, data, models). `teacherOnnx` says which ONNX form of the teacher ran, or why none did.
 */
export function assembleResults(inputs: BenchInputs, measured: MeasuredBench, teacherOnnx: string, version: string): BenchResults {
  const { rows, predictions, summaries } = measured;
  const { data, manifest, exportDir } = inputs;
  deriveCrossRow(rows, predictions, inputs.targets.map((t) => t.target));
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'edge-distill', version },
    createdAt: new Date().toISOString(),
    runDir: inputs.runDir,
    quick: inputs.quick,
    machine: { platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), node: process.version },
    dataset: { spec: data.spec, name: data.name, split: 'test', samples: data.n, classNames: data.classNames },
    statistics: { ...STATS_DEFINITIONS, sample: 'per-call milliseconds; one sample is the mean of callsPerSample back-to-back calls' },
    models: {
      student: { source: describeSource(manifest.source), exportDir },
      teacher: { path: inputs.teacherPath, onnx: teacherOnnx },
    },
    targets: summaries,
    rows,
  };
}
