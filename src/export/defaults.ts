/** The export stage's defaults, one source for exportModel and the CLI's help (imports nothing heavy). */
import type { ArtifactFormat, Precision } from '../core/types.js';

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
