/**
 * Small trained models for export tests. Training conv layers needs gradient kernels the wasm backend lacks in this
 * branch (and the cpu backend's are slow), so the conv layers are frozen at seeded random values and only the dense
 * head trains: a few seconds, ~85% on MNIST, and the conv weights still exercise every export path.
 */
import type * as tfType from '@tensorflow/tfjs';
import type { Dataset } from '../../src/core/types.js';

/** MobileNet-style: conv(s2)-BN-relu6, depthwise(mult 2)-BN-relu6, 1x1 conv-relu, maxpool, flatten, dropout, dense. */
export function tinyCnn(tf: typeof tfType, seed = 1): tfType.Sequential {
  const init = (s: number) => tf.initializers.heNormal({ seed: seed * 10 + s });
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, trainable: false, kernelInitializer: init(1) }));
  m.add(tf.layers.batchNormalization({ trainable: false }));
  m.add(tf.layers.reLU({ maxValue: 6 }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', trainable: false, depthwiseInitializer: init(2) }));
  m.add(tf.layers.batchNormalization({ trainable: false }));
  m.add(tf.layers.reLU({ maxValue: 6 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu', trainable: false, kernelInitializer: init(3) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  // Seeded: an unseeded dropout made the trained model, and so the int8 accuracy margins tested on it, vary run to run.
  m.add(tf.layers.dropout({ rate: 0.1, seed }));
  m.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  return m;
}

/** Trains the trainable layers of `model` on up to `limit` training images for one epoch. */
export async function trainBriefly(tf: typeof tfType, model: tfType.LayersModel, data: Dataset, limit = 3000): Promise<void> {
  model.compile({ optimizer: tf.train.adam(0.005), loss: tf.losses.softmaxCrossEntropy });
  for await (const b of data.batches('train', 64, { shuffleSeed: 1, limit })) {
    const y = tf.oneHot(b.y, data.numClasses);
    await model.trainOnBatch(b.x, y);
    tf.dispose([b.x, b.y, y]);
  }
}
