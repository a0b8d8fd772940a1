/** The tfjs layer classes the ONNX writer supports: adding one is a converter file, a line here and a parity test. */
import { createRegistry } from '../../../core/registry.js';
import type { LayerConverter } from '../context.js';
import { activationLayer, reluLayer, softmaxLayer } from './activation.js';
import { batchNormalization } from './batch-normalization.js';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import { depthwiseConv2d } from './depthwise-conv2d.js';
import { alphaDropout, dropout, gaussianDropout, gaussianNoise } from './dropout.js';
import { flatten } from './flatten.js';
import { add, concatenate } from './merge.js';
import { averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, maxPooling2d } from './pooling.js';
import { separableConv2d } from './separable-conv2d.js';

/** Converters by tfjs class name. */
export const onnxLayers = createRegistry<LayerConverter>('ONNX layer');

for (const c of [
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  batchNormalization,
  activationLayer,
  reluLayer,
  softmaxLayer,
  maxPooling2d,
  averagePooling2d,
  globalAveragePooling2d,
  globalMaxPooling2d,
  flatten,
  dense,
  dropout,
  gaussianNoise,
  gaussianDropout,
  alphaDropout,
  add,
  concatenate,
]) {
  onnxLayers.register(c);
}
