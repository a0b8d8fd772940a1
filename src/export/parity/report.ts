/**
 * What parity means, as data. Each artifact is run on the same held-out batch as the source model (tfjs) and
 * compared output by output:
 * - fp32 artifacts must match: max |Δ| ≤ tolerance (default 1e-4) in every runtime, or the export fails;
 * - quantized artifacts (float16, uint16, uint8, int8) are expected to differ, so the difference is recorded, not
 *   enforced; what is enforced is a floor on top-1 agreement with the source (default 0.8). A sane quantization of a
 *   trained classifier agrees on ≥ 97% of images; a layout or permutation bug agrees on about 1/classes, so the floor
 *   catches broken files without failing on honest quantization error. Accuracy on the labelled batch is recorded
 *   next to the source's, with the size reduction against fp32.
 */
import type { ArtifactFormat, Precision } from '../../core/types.js';
import { accuracy, compareOutputs } from './compare.js';
import type { RuntimeOutputs } from './runners.js';

/** One runtime's figures on the parity batch. */
export interface RuntimeParity {
  runtime: string;
  maxAbsDiff: number;
  meanAbsDiff: number;
  top1Agreement: number;
  /** Accuracy on the batch's labels (null without labelled data). */
  accuracy: number | null;
}

/** An artifact's size next to the same model's fp32 artifact in the same format. */
export interface SizeComparison {
  bytes: number;
  gzipBytes: number;
  /** The same model in the same format at fp32. */
  fp32Bytes: number;
  fp32GzipBytes: number;
  /** 1 − bytes / fp32Bytes (0.75 = a quarter of the fp32 size). */
  reduction: number;
  gzipReduction: number;
}

/** parity.json, written next to each artifact. */
export interface ParityReport {
  artifact: string;
  format: ArtifactFormat;
  precision: Precision;
  status: 'pass' | 'fail';
  /** The rule applied, in words. */
  rule: string;
  /** Why it failed (empty on pass). */
  failures: string[];
  /** Where the batch came from, e.g. "mnist test split (seed 1234)". */
  inputs: string;
  samples: number;
  reference: { runtime: string; accuracy: number | null };
  runtimes: RuntimeParity[];
  size: SizeComparison;
  notes?: Record<string, unknown>;
}

/** The thresholds: fp32 max abs diff, quantized top-1 agreement floor. */
export interface ParityPolicy {
  tolerance: number;
  minAgreement: number;
}

/** Compares each runtime's outputs to the reference and applies the policy for `precision`. */
export function judgeParity(args: {
  artifact: string;
  format: ArtifactFormat;
  precision: Precision;
  reference: { runtime: string; output: Float32Array };
  outputs: RuntimeOutputs[];
  classes: number;
  labels: Int32Array | undefined;
  inputs: string;
  samples: number;
  size: SizeComparison;
  policy: ParityPolicy;
  notes?: Record<string, unknown>;
}): ParityReport {
  const acc = (o: Float32Array) => (args.labels ? accuracy(o, args.classes, args.labels) : null);
  const runtimes = args.outputs.map((o) => ({ runtime: o.runtime, ...compareOutputs(args.reference.output, o.output, args.classes), accuracy: acc(o.output) }));
  const exact = args.precision === 'fp32';
  const { tolerance, minAgreement } = args.policy;
  const failures = runtimes.flatMap((r) =>
    exact
      ? r.maxAbsDiff <= tolerance
        ? []
        : [`${r.runtime}: max abs diff ${r.maxAbsDiff.toExponential(2)} > tolerance ${tolerance}`]
      : r.top1Agreement >= minAgreement
        ? []
        : [`${r.runtime}: top-1 agreement ${(100 * r.top1Agreement).toFixed(1)}% < ${(100 * minAgreement).toFixed(1)}%`],
  );
  const report: ParityReport = {
    artifact: args.artifact,
    format: args.format,
    precision: args.precision,
    status: failures.length ? 'fail' : 'pass',
    rule: exact ? `max abs diff ≤ ${tolerance} in every runtime` : `top-1 agreement ≥ ${minAgreement} in every runtime (differences recorded, not enforced)`,
    failures,
    inputs: args.inputs,
    samples: args.samples,
    reference: { runtime: args.reference.runtime, accuracy: acc(args.reference.output) },
    runtimes,
    size: args.size,
  };
  if (args.notes) report.notes = args.notes;
  return report;
}
