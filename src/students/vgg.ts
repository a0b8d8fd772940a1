import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { convBnRelu, logitsHead, seededInit } from './layers.js';

const Params = z.object({ width: z.number().positive().max(8), dense: z.number().int().min(8).max(4096) }).strict();
type Params = z.infer<typeof Params>;

/**
 * `vgg`: a teacher-sized VGG-style network: two stages of (conv3x3-BN-ReLU ×2, 2x2 max-pool) with 32·width and
 * 64·width filters (taps `block1`, `block2`), Flatten, Dense-ReLU of `dense` units (tap `penultimate`), seeded
 * Dropout 0.3, Dense logits. `train-teacher --arch vgg` gives ≈1.7M parameters on 28x28 inputs.
 */
export const vggFamily: StudentFamily<Params> = {
  name: 'vgg',
  description: 'VGG-style conv-conv-pool stages, dense hidden layer, dropout; knobs: width, dense (units)',
  params: Params,
  defaultParams: { width: 1, dense: 512 },
  grid(_io: IOSpec) {
    const out: Params[] = [];
    for (const dense of [32, 64, 128, 256, 512]) for (const width of [0.25, 0.5, 1, 2]) out.push({ width, dense });
    return out;
  },
  build(p, io, seed = 1) {
    const init = seededInit(seed).kernel;
    const input = tf.input({ shape: io.inputShape, name: 'input' });
    let x = input;
    [32, 64].forEach((f, i) => {
      const filters = Math.max(2, Math.round(f * p.width));
      x = convBnRelu(x, { filters, name: `block${i + 1}_a`, init });
      x = convBnRelu(x, { filters, name: `block${i + 1}_b`, init });
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `block${i + 1}` }).apply(x) as tf.SymbolicTensor;
    });
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: p.dense, activation: 'relu', kernelInitializer: init(), name: 'penultimate' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ rate: 0.3, seed, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: logitsHead(x, io.numClasses, init), name: `vgg_w${p.width}_d${p.dense}` });
  },
  describe: (p) => `width ${p.width}, dense ${p.dense}`,
};
