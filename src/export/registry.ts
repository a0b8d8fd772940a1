/** Export formats by name. Adding a format is a writer file, a line here and a test. */
import { createRegistry } from '../core/registry.js';
import { onnxWriter } from './onnx/writer.js';
import { tfjsWriter } from './tfjs/writer.js';
import type { ExportWriter } from './types.js';

/** All export formats (tfjs, onnx). */
export const exporters = createRegistry<ExportWriter>('export format');
exporters.register(tfjsWriter);
exporters.register(onnxWriter);
