// The three reference models of benchmarks/train-step.ts (also used by the wasm gradient tests at smaller sizes).
import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;
type S = tfType.SymbolicTensor;

/** conv16-pool-conv32-pool-dense10, the DESIGN.md §3 reference (28x28x1 input). */
export function tinyCnn(tf: Tf, inputShape: number[] = [28, 28, 1], classes = 10): tfType.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as S;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as S;
  x = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as S;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as S;
  x = tf.layers.flatten().apply(x) as S;
  const out = tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'tiny-cnn' });
}

function convBnRelu6(tf: Tf, x: S, filters: number, kernelSize: number, strides: number, seed: number): S {
  x = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed }) }).apply(x) as S;
  x = tf.layers.batchNormalization().apply(x) as S;
  return tf.layers.reLU({ maxValue: 6 }).apply(x) as S;
}

/**
 * MobileNet-style student: conv3x3-BN-ReLU6 stem, depthwise-separable blocks (depthwise 3x3-BN-ReLU6, pointwise
 * 1x1-BN-ReLU6; stride 2 where the channels double), global average pooling, dense.
 */
export function dsconvStudent(tf: Tf, inputShape: number[] = [32, 32, 3], classes = 10, widths: [number, number][] = [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1]]): tfType.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x = convBnRelu6(tf, input, 16, 3, 1, 10);
  let seed = 20;
  for (const [filters, stride] of widths) {
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.heNormal({ seed: seed++ }) }).apply(x) as S;
    x = tf.layers.batchNormalization().apply(x) as S;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as S;
    x = convBnRelu6(tf, x, filters, 1, 1, seed++);
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as S;
  const out = tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'dsconv-student' });
}

/** Teacher-sized CNN (about 1.8M parameters on 28x28x1): VGG-like conv pairs, pools, a wide dense layer. */
export function teacherCnn(tf: Tf, inputShape: number[] = [28, 28, 1], classes = 10): tfType.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x: S = input;
  let seed = 40;
  for (const [filters, pool] of [
    [32, false],
    [32, true],
    [64, false],
    [64, true],
    [128, false],
  ] as [number, boolean][]) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed++ }) }).apply(x) as S;
    if (pool) x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as S;
  }
  x = tf.layers.flatten().apply(x) as S;
  x = tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed++ }) }).apply(x) as S;
  const out = tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'teacher-cnn' });
}
