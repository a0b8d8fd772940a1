/**
 * One artifact of an export, start to finish: build it in memory, write it into the staging folder, run it on the
 * parity batch in its runtimes, judge the result, and write its parity.json.
 */
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import type { ArtifactFormat, ExportOptions, Precision } from '../core/types.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.js';
import type { LabelledBatch } from './data.js';
import { describe, measure } from './files.js';
import type { ManifestArtifact } from '../run-dir/manifest.js';
import { judgeParity, type ParityPolicy, type ParityReport } from './parity/report.js';
import { runArtifact } from './parity/runners.js';
import { exporters } from './registry.js';

/** What every artifact of one export shares. */
export interface ArtifactContext {
  tf: typeof tfType;
  model: tfType.LayersModel;
  staging: string;
  backend: string;
  batch: LabelledBatch;
  reference: { runtime: string; output: Float32Array };
  outputShape: number[];
  policy: ParityPolicy;
  /** Build options shared by all artifacts (layout, ONNX batch, calibration images). */
  build: Omit<ExportOptions, 'precision'>;
  /** The fp32 size of each format, for the size reduction; built in memory when fp32 is not exported. */
  fp32Sizes: Map<ArtifactFormat, { bytes: number; gzipBytes: number }>;
}

async function fp32Size(ctx: ArtifactContext, format: ArtifactFormat): Promise<{ bytes: number; gzipBytes: number }> {
  let size = ctx.fp32Sizes.get(format);
  if (!size) {
    const { calibration: _c, ...build } = ctx.build;
    size = measure((await exporters.get(format).build(ctx.model, { ...build, precision: 'fp32' })).files);
    ctx.fp32Sizes.set(format, size);
  }
  return size;
}

/** Exports `format` at `precision` into `<staging>/<format>-<precision>/` and returns its manifest entry and report. */
export async function exportArtifact(ctx: ArtifactContext, format: ArtifactFormat, precision: Precision): Promise<{ entry: ManifestArtifact; report: ParityReport }> {
  const name = `${format}-${precision}`;
  const { calibration, ...build } = ctx.build;
  const built = await exporters.get(format).build(ctx.model, { ...build, precision, ...(precision === 'int8' && calibration ? { calibration } : {}) });
  for (const f of built.files) await writeFileAtomic(join(ctx.staging, name, f.name), f.bytes);
  const artifact = describe(built, name);
  if (precision === 'fp32') ctx.fp32Sizes.set(format, measure(built.files));
  const fp32 = await fp32Size(ctx, format);
  const outputs = await runArtifact(ctx.tf, ctx.staging, artifact, ctx.batch, {
    backend: ctx.backend,
    outputShape: ctx.outputShape,
    ...(format === 'onnx' && build.batch ? { onnxBatch: build.batch } : {}),
  });
  const report = judgeParity({
    artifact: name,
    format,
    precision,
    reference: ctx.reference,
    outputs,
    classes: ctx.outputShape[ctx.outputShape.length - 1] ?? 1,
    labels: ctx.batch.labels,
    inputs: ctx.batch.origin,
    samples: ctx.batch.dims[0]!,
    size: {
      bytes: artifact.bytes,
      gzipBytes: artifact.gzipBytes,
      fp32Bytes: fp32.bytes,
      fp32GzipBytes: fp32.gzipBytes,
      reduction: 1 - artifact.bytes / fp32.bytes,
      gzipReduction: 1 - artifact.gzipBytes / fp32.gzipBytes,
    },
    policy: ctx.policy,
    ...(built.notes ? { notes: built.notes } : {}),
  });
  await writeJsonAtomic(join(ctx.staging, name, 'parity.json'), report);
  const { status, rule, inputs, samples, reference, runtimes, size } = report;
  return { entry: { ...artifact, parity: { file: `${name}/parity.json`, status, rule, inputs, samples, reference, runtimes, size } }, report };
}

/** One line per artifact for the log: size, reduction and parity per runtime. */
export function summaryLine(r: ParityReport): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} kB`;
  const size = `${kb(r.size.bytes)} (gzip ${kb(r.size.gzipBytes)}${r.precision === 'fp32' ? '' : `, ${(100 * r.size.reduction).toFixed(0)}% smaller than fp32`})`;
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);
  const rts = r.runtimes.map((x) => `${x.runtime} max|Δ| ${x.maxAbsDiff.toExponential(1)} agree ${pct(x.top1Agreement)}${x.accuracy === null ? '' : ` acc ${pct(x.accuracy)}`}`).join('; ');
  return `  ${r.artifact.padEnd(13)} ${r.status.toUpperCase()} ${size}; ${rts}${r.reference.accuracy === null ? '' : ` (source acc ${pct(r.reference.accuracy)})`}`;
}
