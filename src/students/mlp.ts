import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { logitsHead, seededInit } from './layers.js';

const Params = z.object({ hidden: z.number().int().min(2).max(8192), depth: z.number().int().min(1).max(4) }).strict();
type Params = z.infer<typeof Params>;

/** `mlp`: Flatten, `depth` Dense-ReLU layers of `hidden` units (taps `block1`..; the last is also `penultimate`), Dense logits. */
export const mlpFamily: StudentFamily<Params> = {
  name: 'mlp',
  description: 'flatten, dense-relu layers, dense; knobs: hidden (units), depth (layers)',
  params: Params,
  defaultParams: { hidden: 64, depth: 1 },
  grid(_io: IOSpec) {
    const out: Params[] = [];
    for (let depth = 1; depth <= 3; depth++) for (const hidden of [8, 16, 32, 64, 128, 256, 512, 1024]) out.push({ hidden, depth });
    return out;
  },
  build(p, io, seed = 1) {
    const init = seededInit(seed).kernel;
    const input = tf.input({ shape: io.inputShape, name: 'input' });
    let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
    for (let i = 0; i < p.depth; i++) {
      const last = i === p.depth - 1;
      x = tf.layers.dense({ units: p.hidden, activation: 'relu', kernelInitializer: init(), name: last ? 'penultimate' : `block${i + 1}` }).apply(x) as tf.SymbolicTensor;
    }
    return tf.model({ inputs: input, outputs: logitsHead(x, io.numClasses, init), name: `mlp_h${p.hidden}_d${p.depth}` });
  },
  describe: (p) => `hidden ${p.hidden}, depth ${p.depth}`,
};
