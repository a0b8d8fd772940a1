/**
 * A tfjs model behind {@link PortableModel}. Portable: it runs in Node with the project's tfjs and, serialised, in
 * the page with the page's tfjs, so it uses only its parameters.
 */
import type * as tfType from '@tensorflow/tfjs';
import type { PortableModel } from '../types.js';

/**
 * Builds a LayersModel or GraphModel (by `artifacts.format`) on the active backend. Quantized weights are decoded to
 * float32 here, so they change the download, not the latency.
 */
export async function openTfjsModel(
  tf: typeof tfType,
  artifacts: tfType.io.ModelArtifacts,
  sampleShape: number[],
): Promise<PortableModel<tfType.Tensor>> {
  const before = tf.memory() as tfType.MemoryInfo & { numBytesInGPU?: number };
  const handler = { load: async () => artifacts };
  const model: tfType.LayersModel | tfType.GraphModel =
    artifacts.format === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  return {
    makeInput: (x, batch) => tf.tensor(x, [batch, ...sampleShape], 'float32'),
    async run(input) {
      const y = model.predict(input) as tfType.Tensor | tfType.Tensor[];
      const first = Array.isArray(y) ? y[0]! : y;
      try {
        // data() waits for the GPU backends to finish and read back, so the timing covers the whole inference.
        return (await first.data()) as Float32Array;
      } finally {
        tf.dispose(y);
      }
    },
    disposeInput: (input) => input.dispose(),
    memory() {
      // Called after the first inference, so GPU backends have uploaded the weights by then.
      const now = tf.memory() as tfType.MemoryInfo & { numBytesInGPU?: number };
      const gpu = now.numBytesInGPU !== undefined ? now.numBytesInGPU - (before.numBytesInGPU ?? 0) : undefined;
      return {
        bytes: now.numBytes - before.numBytes,
        ...(gpu !== undefined ? { gpuBytes: gpu } : {}),
        tensors: now.numTensors - before.numTensors,
        source: 'tf.memory() after the first inference minus before loading',
      };
    },
    dispose: () => void model.dispose(),
  };
}
