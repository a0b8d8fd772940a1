/**
 * exportModel: everything an export does, in order — check the options and the output folder (no tfjs yet), load
 * the model and refuse what a format cannot write, open the data, run the source model on the parity batch, then
 * build/write/check each artifact in a staging folder that replaces `out` only when all of them passed.
 */
import { replaceDirSafely } from '../core/dir-swap.js';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { silentLogger } from '../core/progress.js';
import { writeJsonAtomic } from '../core/files.js';
import { initBackend, loadTf } from '../runtime/backend.js';
import { loadLayersModelFromFile } from '../runtime/model-io.js';
import { exportArtifact, summaryLine, type ArtifactContext } from './artifact.js';
import { calibrationImages, openExportData, parityBatch, randomBatch } from './data.js';
import { MANIFEST_VERSION, type ExportManifest, type ManifestArtifact } from '../run-dir/manifest.js';
import { resolveSettings, type ExportModelOptions } from './options.js';
import { checkOutDir } from './out-dir.js';
import type { ParityReport } from './parity/report.js';
import { predictTfjs } from './parity/runners.js';
import { exporters } from './registry.js';
import { PACKAGE_VERSION } from './version.js';
import { DATA_DEFAULTS } from '../config/schema.js';
import { RUN_FILES } from '../run-dir/layout.js';

/**
 * Exports `opts.model` to `opts.out` and returns the manifest (also written as `out/manifest.json`).
 * Throws a {@link UserError} (and writes nothing) for bad options, unsupported layers, or failed parity.
 */
export async function exportModel(opts: ExportModelOptions): Promise<ExportManifest> {
  const log = opts.log ?? silentLogger;
  const s = resolveSettings(opts);
  const out = resolve(opts.out);
  const modelPath = typeof opts.model === 'string' ? opts.model : null;
  await checkOutDir(out, { force: opts.force ?? false, protect: [modelPath, opts.run].filter((p): p is string => Boolean(p)) });

  const tf = await loadTf();
  if (opts.backend) await initBackend(opts.backend, log);
  await tf.ready();
  const backend = tf.getBackend();
  const model = typeof opts.model === 'string' ? await loadLayersModelFromFile(tf, opts.model) : opts.model;
  let calibration: Awaited<ReturnType<typeof calibrationImages>> | undefined;
  try {
    // Refuse what a format cannot write before anything is computed or written.
    for (const format of new Set(s.plan.items.map((i) => i.format))) exporters.get(format).check(model, { precision: 'fp32', layout: s.layout });
    const inputShape = model.inputs[0]!.shape.slice(1) as number[];
    const outputShape = model.outputs[0]!.shape.slice(1) as number[];

    const data = opts.data ? await openExportData(opts.data, inputShape, log) : undefined;
    const batch = data ? await parityBatch(data.dataset, s.paritySamples, data.spec.seed) : randomBatch(inputShape, s.paritySamples, DATA_DEFAULTS.seed);
    if (batch.dims[0]! < 256) log.warn(`parity batch has only ${batch.dims[0]} images (fewer than 256): the figures are coarse`);
    if (s.wantsInt8 && data) calibration = await calibrationImages(tf, data.dataset, s.calibration, data.spec.seed);
    const reference = { runtime: `tfjs-${backend}`, output: await predictTfjs(tf, model, batch) };
    log.info(`export: ${s.plan.items.map((i) => `${i.format}-${i.precision}`).join(', ')} → ${out} (parity on ${batch.dims[0]} images, tfjs backend ${backend})`);

    const manifest = await replaceDirSafely(out, async (staging) => {
      const ctx: ArtifactContext = {
        tf,
        model,
        staging,
        backend,
        batch,
        reference,
        outputShape,
        policy: s.policy,
        build: { layout: s.layout, ...(s.onnxBatch ? { batch: s.onnxBatch } : {}), ...(calibration ? { calibration } : {}) },
        fp32Sizes: new Map(),
      };
      const listed: ManifestArtifact[] = [];
      const failed: ParityReport[] = [];
      for (const item of s.plan.items) {
        const { entry, report } = await exportArtifact(ctx, item.format, item.precision);
        log.info(summaryLine(report));
        listed.push(entry);
        if (report.status === 'fail') failed.push(report);
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
        policy: s.policy,
        artifacts: listed,
        skipped: s.plan.skipped,
      };
      await writeJsonAtomic(join(staging, RUN_FILES.manifest), manifest);
      return manifest;
    });
    for (const k of s.plan.skipped) log.info(`skipped ${k.format}-${k.precision}: ${k.reason}`);
    return manifest;
  } finally {
    calibration?.dispose();
    if (typeof opts.model === 'string') model.dispose();
  }
}
