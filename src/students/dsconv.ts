import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { convBnRelu, logitsHead, seededInit } from './layers.js';

const Params = z.object({ width: z.number().positive().max(16), depth: z.number().int().min(1).max(6) }).strict();
type Params = z.infer<typeof Params>;

/**
 * `dsconv`: MobileNet-style. A conv3x3-BN-ReLU6 stem (8·width filters), then `depth` depthwise-separable blocks
 * (depthwise 3x3 - BN - ReLU6 - pointwise 1x1 - BN - ReLU6; odd blocks stride 2 and double the channels), taps
 * `block1`..`blockN`, global average pooling (tap `penultimate`) and a Dense logits layer.
 */
export const dsconvFamily: StudentFamily<Params> = {
  name: 'dsconv',
  description: 'MobileNet-style depthwise-separable blocks with ReLU6, global average pooling, dense; knobs: width, depth',
  params: Params,
  defaultParams: { width: 1, depth: 3 },
  grid(_io: IOSpec) {
    const out: Params[] = [];
    for (let depth = 1; depth <= 5; depth++) for (const width of [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6]) out.push({ width, depth });
    return out;
  },
  build(p, io, seed = 1) {
    const init = seededInit(seed).kernel;
    const input = tf.input({ shape: io.inputShape, name: 'input' });
    let channels = Math.max(2, Math.round(8 * p.width));
    let x = convBnRelu(input, { filters: channels, relu6: true, name: 'stem', init });
    for (let i = 0; i < p.depth; i++) {
      const down = i % 2 === 0;
      if (down) channels *= 2;
      const b = `block${i + 1}`;
      x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: down ? 2 : 1, padding: 'same', useBias: false, depthwiseInitializer: init(), name: `${b}_dw` }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.batchNormalization({ name: `${b}_dw_bn` }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ maxValue: 6, name: `${b}_dw_relu` }).apply(x) as tf.SymbolicTensor;
      x = convBnRelu(x, { filters: channels, kernel: 1, relu6: true, name: b, init });
    }
    const pooled = tf.layers.globalAveragePooling2d({ name: 'penultimate' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: logitsHead(pooled, io.numClasses, init), name: `dsconv_w${p.width}_d${p.depth}` });
  },
  describe: (p) => `width ${p.width}, depth ${p.depth}`,
};
