/**
 * The ONNX format: `model.onnx`, fp32 or int8 QDQ. int8 needs calibration images (ExportOptions.calibration, NHWC
 * as the dataset gives them); they are run through the fp32 graph to pick the activation ranges.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import type { ExportOptions, Precision } from '../../core/types.js';
import { writeBuilt } from '../files.js';
import type { BuiltArtifact, ExportWriter } from '../types.js';
import { calibrateRanges } from './calibrate.js';
import { assertOnnxSupported, convertToOnnx, ONNX_INPUT, ONNX_OUTPUT } from './convert.js';
import { encodeModel } from './proto.js';
import { quantizeQdq } from './qdq.js';
import { transpose } from './weights.js';

const PRECISIONS: Precision[] = ['fp32', 'int8'];

/** Builds model.onnx for `model` in memory. */
export async function buildOnnx(model: tf.LayersModel, opts: ExportOptions): Promise<BuiltArtifact> {
  if (!PRECISIONS.includes(opts.precision)) throw new Error(`onnx has no ${opts.precision} export`);
  const layout = opts.layout ?? 'nhwc';
  const fp32 = convertToOnnx(model, { batch: opts.batch, layout });
  let onnx = fp32;
  const notes: Record<string, unknown> = {};
  if (opts.precision === 'int8') {
    const cal = opts.calibration;
    if (!cal || cal.shape[0] === 0) throw new UserError('ONNX int8 export needs calibration images (--data, --calibration N ≥ 1)');
    let images = cal.dataSync() as Float32Array;
    let dims = [...cal.shape];
    if (layout === 'nchw' && dims.length === 4) ({ data: images, dims } = transpose(images, dims, [0, 3, 1, 2]));
    onnx = quantizeQdq(fp32, await calibrateRanges(fp32, images, dims));
    notes.calibrationImages = dims[0];
    notes.calibration = 'min/max over the calibration images; activations uint8 asymmetric, weights int8 symmetric per output channel';
  }
  return {
    format: 'onnx',
    precision: opts.precision,
    entry: 'model.onnx',
    files: [{ name: 'model.onnx', bytes: encodeModel(onnx) }],
    layout,
    inputName: ONNX_INPUT,
    outputName: ONNX_OUTPUT,
    notes: { ...notes, batch: opts.batch ?? 'dynamic', nodes: onnx.graph.nodes.length, ops: [...new Set(onnx.graph.nodes.map((n) => n.opType))] },
  };
}

/** The `onnx` format: fp32 and int8. */
export const onnxWriter: ExportWriter = {
  name: 'onnx',
  precisions: PRECISIONS,
  check(model) {
    assertOnnxSupported(model);
  },
  build: buildOnnx,
  async export(model, dir, opts) {
    return writeBuilt(await buildOnnx(model, opts), dir);
  },
};
