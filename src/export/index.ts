/**
 * The export stage's API: write a LayersModel as tfjs and ONNX files at the requested precisions, prove each file
 * computes what the model computes (parity.json next to each), and list them in manifest.json.
 *
 *   exportModel({ model: 'teacher/model.json', out: 'exports/teacher', data: { spec: 'mnist' } })
 *   exportRun({ run: 'runs/r1', formats: ['tfjs', 'onnx'], precisions: ['fp32', 'uint8', 'int8'] })
 *
 * The folder is written atomically: every artifact is built, written to a staging folder and checked first; if an
 * fp32 artifact misses the tolerance (or a quantized one falls below the agreement floor) the call fails with a
 * UserError and nothing is left at `out`. See docs/export.md.
 */
export { exportModel } from './export-model.js';
export { exportRun, type ExportRunOptions } from './export-run.js';
export { EXPORT_DEFAULTS, type ExportModelOptions } from './options.js';
export { summaryLine } from './artifact.js';
export { readExportManifest, ExportManifestSchema, MANIFEST_VERSION, type ExportManifest, type ManifestArtifact } from '../run-dir/manifest.js';
export type { ParityReport, RuntimeParity, SizeComparison, ParityPolicy } from './parity/report.js';
export type { DataSpec, ExportData } from './data.js';
export { QUANTIZE_CHOICES } from './plan.js';
export { supportedOnnxLayers } from './onnx/convert.js';
