import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { convBnRelu, logitsHead, seededInit } from './layers.js';

const Params = z.object({ width: z.number().positive().max(16), depth: z.number().int().min(1).max(5) }).strict();
type Params = z.infer<typeof Params>;

/** Filters of block i (0-based): 16·width, doubling per block, at least 2. */
const filtersOf = (p: Params, i: number) => Math.max(2, Math.round(16 * p.width * 2 ** i));

/**
 * `cnn`: `depth` blocks of conv3x3-BN-ReLU followed by 2x2 max-pooling (taps `block1`..`blockN`, after pooling),
 * then Flatten (tap `penultimate`) and a Dense logits layer. `width` scales every block's filters (16 at width 1).
 */
export const cnnFamily: StudentFamily<Params> = {
  name: 'cnn',
  description: 'conv3x3-BN-ReLU-maxpool blocks, flatten, dense; knobs: width (filters = 16·width·2^i), depth (blocks)',
  params: Params,
  defaultParams: { width: 0.5, depth: 2 },
  grid(io: IOSpec) {
    const maxDepth = Math.max(1, Math.min(4, Math.floor(Math.log2(Math.min(io.inputShape[0]!, io.inputShape[1]!)))));
    const out: Params[] = [];
    for (let depth = 1; depth <= maxDepth; depth++) for (const width of [0.125, 0.25, 0.375, 0.5, 0.75, 1, 1.5, 2, 3, 4]) out.push({ width, depth });
    return out;
  },
  build(p, io, seed = 1) {
    const init = seededInit(seed).kernel;
    const input = tf.input({ shape: io.inputShape, name: 'input' });
    let x = input;
    for (let i = 0; i < p.depth; i++) {
      x = convBnRelu(x, { filters: filtersOf(p, i), name: `block${i + 1}_act`, init });
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `block${i + 1}` }).apply(x) as tf.SymbolicTensor;
    }
    const flat = tf.layers.flatten({ name: 'penultimate' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: logitsHead(flat, io.numClasses, init), name: `cnn_w${p.width}_d${p.depth}` });
  },
  describe: (p) => `width ${p.width}, depth ${p.depth}`,
};
