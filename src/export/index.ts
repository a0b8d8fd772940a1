/**
 * The export stage's API: write a LayersModel as tfjs and ONNX files at the requested precisions, prove each file
 * computes what the model computes (parity.json next to each), and list them in manifest.json.
 *
 *   exportModel({ model: 'teacher/model.json', out: 'exports/teacher', data: { spec: 'mnist' } })
 *   exportRun({ run: 'runs/r1', formats: ['tfjs', 'onnx'], precisions: ['fp32', 'uint8', 'int8'] })
 *
 * The folder is written atomically: every artifact is built, written to a staging folder and checked first; if an
 * fp32 artifact misses the tolerance (or a quantized one falls below the agreement floor) the command fails with a
 * UserError and nothing is left at `out`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { Artifact, ArtifactFormat, Precision } from '../core/types.js';
import { silentLogger, type Logger } from '../core/progress.js';
import { writeJsonAtomic } from '../core/files.js';
import { initBackend, loadTf, type BackendChoice } from '../runtime/backend.js';
import { loadLayersModelFromFile } from '../runtime/model-io.js';
import { readJsonFile, validate } from '../config/load.js';
import { DataConfig } from '../config/schema.js';
import { z } from 'zod';
import { calibrationImages, isOpenDataset, openExportData, parityBatch, randomBatch, type ExportData, type LabelledBatch } from './data.js';
import { describe, measure } from './files.js';
import { MANIFEST_VERSION, type ExportManifest, type ManifestArtifact } from './manifest.js';
import { checkOutDir, replaceDirAtomic } from './out-dir.js';
import { judgeParity, type ParityReport } from './parity/report.js';
import { predictTfjs, runArtifact } from './parity/runners.js';
import { planExports } from './plan.js';
import { exporters } from './registry.js';
import type { BuiltArtifact } from './types.js';
import { PACKAGE_VERSION } from './version.js';
import { writeFileAtomic } from '../core/files.js';

export type { ExportManifest, ManifestArtifact } from './manifest.js';
export { readExportManifest, ExportManifestSchema } from './manifest.js';
export type { ParityReport, RuntimeParity, SizeComparison } from './parity/report.js';
export type { DataSpec, ExportData } from './data.js';
export { QUANTIZE_CHOICES } from './plan.js';
export { supportedOnnxLayers } from './onnx/convert.js';

/** Defaults, also shown by `edge-distill export --help`. */
export const EXPORT_DEFAULTS = {
  formats: ['tfjs', 'onnx'] as ArtifactFormat[],
  precisions: ['fp32'] as Precision[],
  tolerance: 1e-4,
  minAgreement: 0.8,
  paritySamples: 512,
  calibration: 128,
  onnxLayout: 'nhwc' as const,
};

/** Options of {@link exportModel}; every field but `model` and `out` has a default (see EXPORT_DEFAULTS). */
export interface ExportModelOptions {
  /** A LayersModel, or the path of its model.json. */
  model: tfType.LayersModel | string;
  /** The export folder (one sub-folder per format × precision, plus manifest.json). */
  out: string;
  /** Default ['tfjs', 'onnx']. */
  formats?: string[];
  /** Precisions: fp32 (alias none), float16, uint16, uint8 (tfjs), int8 (onnx). Default ['fp32']. */
  precisions?: string[];
  /** Data for parity/accuracy and int8 calibration; without it parity runs on seeded random inputs. */
  data?: ExportData;
  /** Replace `out` if it exists and holds files. */
  force?: boolean;
  /** ONNX: fixed batch size instead of a dynamic batch dimension. */
  onnxBatch?: number;
  /** ONNX: input layout, default nhwc (same preprocessing as tfjs). */
  onnxLayout?: 'nhwc' | 'nchw';
  /** int8 calibration images from the training split (default 128). */
  calibration?: number;
  /** fp32 parity tolerance on max abs diff (default 1e-4). */
  tolerance?: number;
  /** Quantized artifacts: minimum top-1 agreement with the source model (default 0.8). */
  minAgreement?: number;
  /** Held-out images in the parity batch (default 512; the whole split if smaller). */
  paritySamples?: number;
  /** tfjs backend to compute on; default: the active one (the CLI passes auto). */
  backend?: BackendChoice;
  log?: Logger;
  /** Recorded in the manifest (exportRun sets it). */
  run?: string;
}

function positive(name: string, v: number | undefined, integer: boolean): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < (integer ? 1 : 0) || (integer && !Number.isInteger(v))) {
    throw new UserError(`${name} ${v}: expected ${integer ? 'an integer ≥ 1' : 'a number ≥ 0'}`);
  }
}

/**
 * Exports `opts.model` to `opts.out` and returns the manifest (also written as `out/manifest.json`).
 * Throws a {@link UserError} (and writes nothing) for bad options, unsupported layers, or failed parity.
 */
export async function exportModel(opts: ExportModelOptions): Promise<ExportManifest> {
  const log = opts.log ?? silentLogger;
  const policy = { tolerance: opts.tolerance ?? EXPORT_DEFAULTS.tolerance, minAgreement: opts.minAgreement ?? EXPORT_DEFAULTS.minAgreement };
  positive('--tolerance', opts.tolerance, false);
  positive('--onnx-batch', opts.onnxBatch, true);
  positive('--calibration', opts.calibration, true);
  positive('--parity-samples', opts.paritySamples, true);
  if (opts.minAgreement !== undefined && !(opts.minAgreement >= 0 && opts.minAgreement <= 1)) throw new UserError(`--min-agreement ${opts.minAgreement}: expected a fraction in [0, 1]`);
  const layout = opts.onnxLayout ?? EXPORT_DEFAULTS.onnxLayout;
  if (layout !== 'nhwc' && layout !== 'nchw') throw new UserError(`--onnx-layout ${String(layout)}: must be one of [nhwc, nchw]`);
  const plan = planExports(opts.formats ?? EXPORT_DEFAULTS.formats, opts.precisions ?? EXPORT_DEFAULTS.precisions);
  const wantsInt8 = plan.items.some((i) => i.precision === 'int8');
  if (wantsInt8 && !opts.data) throw new UserError('int8 export needs calibration data: pass --data SPEC (or export a run, whose config.json names its data)');
  const out = resolve(opts.out);
  const modelPath = typeof opts.model === 'string' ? opts.model : null;
  await checkOutDir(out, { force: opts.force ?? false, protect: [modelPath, opts.run].filter((p): p is string => Boolean(p)) });

  const tf = await loadTf();
  if (opts.backend) await initBackend(opts.backend, log);
  await tf.ready();
  const backend = tf.getBackend();
  const model = typeof opts.model === 'string' ? await loadLayersModelFromFile(tf, opts.model) : opts.model;
  try {
    // Refuse what a format cannot write before anything is computed or written.
    for (const format of new Set(plan.items.map((i) => i.format))) exporters.get(format).check(model, { precision: 'fp32', layout });
    const inputShape = model.inputs[0]!.shape.slice(1) as number[];
    const outputShape = model.outputs[0]!.shape.slice(1) as number[];
    const classes = outputShape[outputShape.length - 1] ?? 1;

    const samples = opts.paritySamples ?? EXPORT_DEFAULTS.paritySamples;
    const data = opts.data ? await openExportData(opts.data, inputShape, log) : undefined;
    const batch: LabelledBatch = data ? await parityBatch(data.dataset, samples, data.spec.seed) : randomBatch(inputShape, samples, 1234);
    if (batch.dims[0]! < 256) log.warn(`parity batch has only ${batch.dims[0]} images (fewer than 256): the figures are coarse`);
    const nCal = opts.calibration ?? EXPORT_DEFAULTS.calibration;
    const calibration = wantsInt8 && data ? await calibrationImages(tf, data.dataset, nCal, data.spec.seed) : undefined;

    const reference = { runtime: `tfjs-${backend}`, output: await predictTfjs(tf, model, batch) };
    log.info(`export: ${plan.items.map((i) => `${i.format}-${i.precision}`).join(', ')} → ${out} (parity on ${batch.dims[0]} images, tfjs backend ${backend})`);

    try {
      const artifacts = await replaceDirAtomic(out, async (staging) => {
        const fp32Sizes = new Map<ArtifactFormat, { bytes: number; gzipBytes: number }>();
        const fp32Size = async (format: ArtifactFormat, built?: BuiltArtifact) => {
          if (!fp32Sizes.has(format)) {
            const b = built ?? (await exporters.get(format).build(model, { precision: 'fp32', layout, ...(opts.onnxBatch ? { batch: opts.onnxBatch } : {}) }));
            fp32Sizes.set(format, measure(b.files));
          }
          return fp32Sizes.get(format)!;
        };
        const listed: ManifestArtifact[] = [];
        const failed: ParityReport[] = [];
        for (const item of plan.items) {
          const name = `${item.format}-${item.precision}`;
          const built = await exporters.get(item.format).build(model, {
            precision: item.precision,
            layout,
            ...(opts.onnxBatch ? { batch: opts.onnxBatch } : {}),
            ...(calibration && item.precision === 'int8' ? { calibration } : {}),
          });
          for (const f of built.files) await writeFileAtomic(join(staging, name, f.name), f.bytes);
          const artifact: Artifact = describe(built, name);
          const fp32 = await fp32Size(item.format, item.precision === 'fp32' ? built : undefined);
          const outputs = await runArtifact(tf, staging, artifact, batch, { backend, outputShape, ...(item.format === 'onnx' && opts.onnxBatch ? { onnxBatch: opts.onnxBatch } : {}) });
          const report = judgeParity({
            artifact: name,
            format: item.format,
            precision: item.precision,
            reference,
            outputs,
            classes,
            labels: batch.labels,
            inputs: batch.origin,
            samples: batch.dims[0]!,
            size: {
              bytes: artifact.bytes,
              gzipBytes: artifact.gzipBytes,
              fp32Bytes: fp32.bytes,
              fp32GzipBytes: fp32.gzipBytes,
              reduction: 1 - artifact.bytes / fp32.bytes,
              gzipReduction: 1 - artifact.gzipBytes / fp32.gzipBytes,
            },
            policy,
            ...(built.notes ? { notes: built.notes } : {}),
          });
          await writeJsonAtomic(join(staging, name, 'parity.json'), report);
          log.info(summaryLine(report));
          if (report.status === 'fail') failed.push(report);
          const { status, rule, inputs, samples: n, reference: ref, runtimes, size } = report;
          listed.push({ ...artifact, parity: { file: `${name}/parity.json`, status, rule, inputs, samples: n, reference: ref, runtimes, size } });
        }
        if (failed.length) {
          throw new UserError(`export failed its parity check, nothing was written: ${failed.map((r) => `${r.artifact}: ${r.failures.join('; ')}`).join(' | ')}`);
        }
        const manifest: ExportManifest = {
          version: MANIFEST_VERSION,
          createdBy: `edge-distill ${PACKAGE_VERSION}`,
          createdAt: new Date().toISOString(),
          source: { model: modelPath, run: opts.run ?? null, inputShape, outputShape, params: model.countParams() },
          data:
            data && batch.split
              ? {
                  spec: data.spec.spec,
                  seed: data.spec.seed,
                  split: batch.split,
                  samples: batch.dims[0]!,
                  calibration: calibration ? calibration.shape[0] : null,
                  ...(data.spec.mean ? { mean: data.spec.mean } : {}),
                  ...(data.spec.std ? { std: data.spec.std } : {}),
                }
              : null,
          backend,
          policy,
          artifacts: listed,
          skipped: plan.skipped,
        };
        await writeJsonAtomic(join(staging, 'manifest.json'), manifest);
        return manifest;
      });
      for (const s of plan.skipped) log.info(`skipped ${s.format}-${s.precision}: ${s.reason}`);
      return artifacts;
    } finally {
      calibration?.dispose();
    }
  } finally {
    if (typeof opts.model === 'string') model.dispose();
  }
}

/** One line per artifact for the log: size, reduction and parity per runtime. */
export function summaryLine(r: ParityReport): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} kB`;
  const size = `${kb(r.size.bytes)} (gzip ${kb(r.size.gzipBytes)}${r.precision === 'fp32' ? '' : `, ${(100 * r.size.reduction).toFixed(0)}% smaller than fp32`})`;
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);
  const rts = r.runtimes.map((x) => `${x.runtime} max|Δ| ${x.maxAbsDiff.toExponential(1)} agree ${pct(x.top1Agreement)}${x.accuracy === null ? '' : ` acc ${pct(x.accuracy)}`}`).join('; ');
  return `  ${r.artifact.padEnd(13)} ${r.status.toUpperCase()} ${size}; ${rts}${r.reference.accuracy === null ? '' : ` (source acc ${pct(r.reference.accuracy)})`}`;
}

/** Options of {@link exportRun}: as {@link ExportModelOptions}, with the model and data taken from a run directory. */
export interface ExportRunOptions extends Omit<ExportModelOptions, 'model' | 'out' | 'data' | 'run'> {
  /** A distill run directory: RUN/student/model.json and RUN/config.json. */
  run: string;
  /** Default RUN/export. */
  out?: string;
  /** Overrides the data named by RUN/config.json. */
  data?: ExportData;
}

/** Exports a distill run's student (RUN/student/model.json) with the data of RUN/config.json. */
export async function exportRun(opts: ExportRunOptions): Promise<ExportManifest> {
  const run = opts.run;
  if (!existsSync(run) || !statSync(run).isDirectory()) throw new UserError(`--run ${run}: not a directory (expected a distill run directory)`);
  const student = join(run, 'student', 'model.json');
  if (!existsSync(student)) {
    throw new UserError(`--run ${run}: no student model at ${student}; is this a distill run whose training finished? (or export any model with --model PATH --data SPEC)`);
  }
  const configPath = join(run, 'config.json');
  let data = opts.data;
  if (!data || (!isOpenDataset(data) && data.seed === undefined)) {
    if (!existsSync(configPath)) {
      if (!data) throw new UserError(`--run ${run}: no config.json to say which data the student was trained on; pass --data SPEC`);
    } else {
      const config = validate(z.object({ data: DataConfig }).loose(), await readJsonFile(configPath, 'run config.json'), configPath);
      const d = config.data;
      // An explicit --data keeps its own spec but takes the run's split seed, so the parity images stay held out.
      data = data
        ? { ...data, seed: d.seed }
        : { spec: d.spec, seed: d.seed, ...(d.inputShape ? { inputShape: d.inputShape } : {}), ...(d.mean ? { mean: d.mean } : {}), ...(d.std ? { std: d.std } : {}) };
    }
  }
  const { run: _r, out, data: _d, ...rest } = opts;
  return exportModel({ ...rest, model: student, out: out ?? join(run, 'export'), data, run });
}
