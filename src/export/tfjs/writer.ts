/**
 * The tfjs format: a LayersModel model.json plus `group1-shardKofN.bin` weight files of at most 4 MB, which stock
 * `tf.loadLayersModel` loads. fp32, or weights quantized to float16/uint16/uint8 in the official weightsManifest
 * form (tfjs decodes them to float32 at load, so quantization shrinks the download, not the latency).
 * The training configuration is dropped: an exported model is for inference.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import type { ExportOptions, Precision } from '../../core/types.js';
import { shardWeights, weightBytes, type ModelJson } from '../../runtime/model-io.js';
import { writeBuilt } from '../files.js';
import type { BuiltArtifact, ExportWriter } from '../types.js';
import { PACKAGE_VERSION } from '../version.js';
import { quantizeWeights } from './weights.js';

const PRECISIONS: Precision[] = ['fp32', 'float16', 'uint16', 'uint8'];

/** Captures what `model.save` would write, without touching the disk. */
export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  try {
    await model.save({
      save: async (a) => {
        captured = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
  } catch (e) {
    throw new UserError(`tfjs export: the model cannot be serialised (${(e as Error).message.split('\n')[0]})`);
  }
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

/** Builds model.json and shards for `model` at `precision` in memory. */
export async function buildTfjs(model: tf.LayersModel, precision: Precision): Promise<BuiltArtifact> {
  if (!PRECISIONS.includes(precision)) throw new Error(`tfjs has no ${precision} export`);
  const a = await captureArtifacts(model);
  const { specs, bytes } = quantizeWeights(a.weightSpecs ?? [], weightBytes(a), precision === 'fp32' ? undefined : (precision as 'float16' | 'uint16' | 'uint8'));
  const shards = shardWeights(bytes);
  const json: ModelJson = {
    format: 'layers-model',
    generatedBy: a.generatedBy ?? 'edge-distill',
    convertedBy: `edge-distill v${PACKAGE_VERSION}`,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: specs }],
  };
  return {
    format: 'tfjs',
    precision,
    entry: 'model.json',
    files: [{ name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) }, ...shards.map((s) => ({ name: s.name, bytes: s.bytes }))],
    layout: 'nhwc',
  };
}

/** The `tfjs` format: fp32, float16, uint16, uint8. */
export const tfjsWriter: ExportWriter = {
  name: 'tfjs',
  precisions: PRECISIONS,
  check(model) {
    // A layer that cannot serialise its config (e.g. a custom layer without getConfig) fails here, before writing.
    try {
      model.toJSON(null, false);
    } catch (e) {
      throw new UserError(`tfjs export: the model cannot be serialised (${(e as Error).message.split('\n')[0]})`);
    }
  },
  build: (model, opts: ExportOptions) => buildTfjs(model, opts.precision),
  async export(model, dir, opts) {
    return writeBuilt(await buildTfjs(model, opts.precision), dir);
  },
};
