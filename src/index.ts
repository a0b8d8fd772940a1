/** edge-distill's programmatic API. The CLI (src/cli) is a thin layer over these functions. */
export * from './core/errors.js';
export * from './core/registry.js';
export type * from './core/types.js';
export { initBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from './runtime/backend.js';
export { loadLayersModelFromFile, saveLayersModelToDir, readModelArtifacts } from './runtime/model-io.js';
export {
  exportModel,
  exportRun,
  readExportManifest,
  ExportManifestSchema,
  EXPORT_DEFAULTS,
  QUANTIZE_CHOICES,
  supportedOnnxLayers,
  type ExportModelOptions,
  type ExportRunOptions,
  type ExportManifest,
  type ManifestArtifact,
  type ParityReport,
  type RuntimeParity,
  type SizeComparison,
  type DataSpec,
  type ExportData,
} from './export/index.js';
