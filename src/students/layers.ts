import * as tf from '@tensorflow/tfjs';

/** A tfjs weight initialiser. */
export type Init = ReturnType<typeof tf.initializers.heNormal>;

/** Seeded initialisers: each call gets its own seed so layers differ but the whole model is reproducible. */
export function seededInit(seed: number): { kernel: () => Init } {
  let k = 0;
  return { kernel: () => tf.initializers.heNormal({ seed: seed * 1000 + k++ }) };
}

/** conv → batch-norm → relu (or relu6), the block all CNN students are made of; the last layer gets `name`. */
export function convBnRelu(
  x: tf.SymbolicTensor,
  o: { filters: number; kernel?: number; strides?: number; relu6?: boolean; name: string; init: () => Init },
): tf.SymbolicTensor {
  let y = tf.layers
    .conv2d({ filters: o.filters, kernelSize: o.kernel ?? 3, strides: o.strides ?? 1, padding: 'same', useBias: false, kernelInitializer: o.init(), name: `${o.name}_conv` })
    .apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: `${o.name}_bn` }).apply(y) as tf.SymbolicTensor;
  return (o.relu6 ? tf.layers.reLU({ maxValue: 6, name: o.name }) : tf.layers.reLU({ name: o.name })).apply(y) as tf.SymbolicTensor;
}

/** Dense logits head (no softmax: every model in this project outputs logits). */
export function logitsHead(x: tf.SymbolicTensor, numClasses: number, init: () => Init): tf.SymbolicTensor {
  return tf.layers.dense({ units: numClasses, kernelInitializer: init(), name: 'logits' }).apply(x) as tf.SymbolicTensor;
}

/** Number of weights (trainable and not) a model holds. */
export function countParams(model: tf.LayersModel): number {
  return model.weights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * (d ?? 1), 1), 0);
}
