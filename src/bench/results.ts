/**
 * The format of RUN/bench/results.json. Times are milliseconds, sizes bytes, rates samples per second, fractions in
 * [0, 1]. A row that could not run says why (`status: 'skipped' | 'error'` with `reason`) and carries no numbers.
 */
import type { Budget, Target } from '../config/target.js';
import type { ArtifactFormat, Precision } from '../core/types.js';
import type { LatencySummary, STATS_DEFINITIONS } from './stats.js';
import type { DeviceInfo, FirstPrediction, MemoryInfo, ModelRole } from './types.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** RUN/bench/results.json. */
export interface BenchResults {
  /** Version of this format; bumped on incompatible changes. */
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: 'edge-distill'; version: string };
  /** ISO 8601 time the bench finished. */
  createdAt: string;
  runDir: string;
  /** True for `--quick`: few iterations, a capped test split; numbers are indicative only. */
  quick: boolean;
  machine: { platform: string; arch: string; cpu: string; cores: number; memoryBytes: number; node: string };
  dataset: { spec: string; name: string; split: 'test'; samples: number; classNames: string[] };
  /** How the statistics are defined (percentile method, interval, CV). */
  statistics: typeof STATS_DEFINITIONS & { sample: string };
  models: { student: { source: string; exportDir: string }; teacher: { path: string; onnx: string } };
  targets: TargetSummary[];
  rows: BenchRow[];
  /** Devices that ran the served bench page (`bench --serve`), in the order they first posted; their rows name them. */
  devices?: ServedDevice[];
}

/** A device that opened the page of `bench --serve`, as its browser describes itself. */
export interface ServedDevice {
  /** "device-1", "device-2", ...: the prefix of its rows' target ("device-1/chromium-tfjs-wasm"). */
  label: string;
  /** Random id the page drew when it opened (one per page load). */
  id: string;
  /** ISO 8601 time of its first post. */
  firstSeen: string;
  /** True once the page posted that it ran every job. */
  finished: boolean;
  userAgent: string;
  platform?: string;
  hardwareConcurrency?: number;
  /** navigator.deviceMemory in GB (Chromium only; the browser rounds it and caps it at 8). */
  deviceMemoryGb?: number;
  webgpuAdapter?: string;
  webglRenderer?: string;
  /** A page over plain http from another address is not a secure context: no WebGPU, no wasm threads. */
  secureContext: boolean;
  crossOriginIsolated: boolean;
  screen?: string;
}

/** A target as benchmarked (from its JSON file). */
export interface TargetSummary {
  id: string;
  description: string;
  file: string;
  runtime: Target['runtime'];
  host: Target['host'];
  backend: Target['backend'];
  threads: number;
  cpuThrottling: number;
  batchSizes: number[];
  budget: Budget;
  /** skipped: why this machine cannot run it (then every row of the target is skipped). */
  status: 'ok' | 'skipped';
  reason?: string;
  device?: DeviceInfo;
}

export interface ArtifactSummary {
  format: ArtifactFormat;
  precision: Precision;
  /** Folder relative to the export folder (the teacher's: relative to its model.json's folder). */
  dir: string;
  entry: string;
  bytes: number;
  gzipBytes: number;
  layout: 'nhwc' | 'nchw';
}

/** Latency at one batch size: the summary of per-call samples plus how they were taken. */
export interface LatencyStats extends LatencySummary {
  batch: number;
  /** Each sample is the mean of this many back-to-back calls (more when one call is short against the clock). */
  callsPerSample: number;
  clockResolutionMs: number;
  calls: number;
}

export interface ThroughputEntry {
  batch: number;
  status: 'ok' | 'skipped' | 'error';
  reason?: string;
  /** batch / mean ms per call · 1000. */
  samplesPerSec?: number;
  latency?: LatencyStats;
}

export interface BudgetCheck {
  metric: 'bytes' | 'gzipBytes' | 'p50Ms' | 'p95Ms' | 'firstPredictionMs';
  limit: number;
  /** Undefined when the value could not be measured (then the check fails). */
  value?: number;
  pass: boolean;
}

/** One (model, artifact, target) measurement. */
export interface BenchRow {
  target: string;
  model: ModelRole;
  artifact?: ArtifactSummary;
  status: 'ok' | 'skipped' | 'error';
  reason?: string;
  /** e.g. "onnxruntime-web 1.30.0 (wasm) in Chromium 156.0.8078.108". */
  runtime?: string;
  device?: DeviceInfo;
  /** runtimeInitMs: starting the runtime; coldLoadMs: read + build/compile + first inference of this model. */
  load?: { runtimeInitMs: number; coldLoadMs: number };
  /** Browser rows: time to first prediction (runtime start, model download, model load, first inference). */
  firstPrediction?: FirstPrediction;
  /** Warm latency at batch 1. */
  latency?: LatencyStats;
  throughput?: ThroughputEntry[];
  memory?: MemoryInfo;
  /** Top-1 accuracy on the test split, computed by this runtime; perClass[i] counts class i. */
  accuracy?: { value: number; correct: number; total: number; perClass: { correct: number; total: number }[] };
  /** Fraction of test images where this row's top-1 equals the teacher's (the teacher row named by `reference`). */
  agreement?: { value: number; total: number; reference: string };
  /** Teacher's p50 / this p50 on the same target (student rows). */
  speedup?: number;
  budget?: { pass: boolean; checks: BudgetCheck[] };
  /** Rows measured on a served device: its label in `devices`. */
  servedDevice?: string;
  notes: string[];
}

/** Checks a row's size, batch-1 latency and time to first prediction against a target budget (only the limits it sets). */
export function checkBudget(budget: Budget, artifact: ArtifactSummary | undefined, latency: LatencyStats | undefined, firstPrediction?: FirstPrediction): BenchRow['budget'] {
  const checks: BudgetCheck[] = [];
  const add = (metric: BudgetCheck['metric'], limit: number | undefined, value: number | undefined) => {
    if (limit === undefined) return;
    checks.push({ metric, limit, ...(value !== undefined ? { value } : {}), pass: value !== undefined && value <= limit });
  };
  add('bytes', budget.maxBytes, artifact?.bytes);
  add('gzipBytes', budget.maxGzipBytes, artifact?.gzipBytes);
  add('p50Ms', budget.maxP50Ms, latency?.p50);
  add('p95Ms', budget.maxP95Ms, latency?.p95);
  add('firstPredictionMs', budget.maxFirstPredictionMs, firstPrediction?.totalMs);
  return checks.length ? { pass: checks.every((c) => c.pass), checks } : undefined;
}

/** Fraction of positions where two prediction arrays agree (over the shorter length). */
export function agreement(a: Int32Array, b: Int32Array): { value: number; total: number } {
  const n = Math.min(a.length, b.length);
  let same = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
  return { value: n ? same / n : NaN, total: n };
}

/** Top-1 accuracy, overall and per class. */
export function accuracy(pred: Int32Array, labels: Int32Array, numClasses: number): NonNullable<BenchRow['accuracy']> {
  const perClass = Array.from({ length: numClasses }, () => ({ correct: 0, total: 0 }));
  let correct = 0;
  for (let i = 0; i < pred.length; i++) {
    const c = perClass[labels[i]!];
    if (c) c.total++;
    if (pred[i] === labels[i]) {
      correct++;
      if (c) c.correct++;
    }
  }
  return { value: pred.length ? correct / pred.length : NaN, correct, total: pred.length, perClass };
}
