import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** test/fixtures/teachers/, holding the torch-exported ONNX teachers and their tfjs forms. */
export const TEACHERS = fileURLToPath(new URL('../fixtures/teachers/', import.meta.url));

/** The three forms of one network (same weights) and the names of the same tensors in each. */
export const FORMS = {
  onnx: { path: join(TEACHERS, 'tiny.onnx'), taps: ['/act1/Relu_output_0', '/pool1/MaxPool_output_0', '/act2/Relu_output_0'] },
  layers: { path: join(TEACHERS, 'tiny-layers', 'model.json'), taps: ['conv1', 'pool1', 'conv2'] },
  graph: { path: join(TEACHERS, 'tiny-graph', 'model.json'), taps: ['conv1/Relu', 'pool1/MaxPool', 'conv2/Relu'] },
} as const;
