/** edge-distill's programmatic API. The CLI (src/cli) is a thin layer over these functions. */
export * from './core/errors.js';
export { InterruptedError, signalExitCode, type InterruptSignal } from './core/interrupt.js';
export * from './core/registry.js';
export type * from './core/types.js';
export { initBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from './runtime/backend.js';
export { loadLayersModelFromFile, saveLayersModelToDir, readModelArtifacts } from './runtime/model-io.js';
export { distill, resolveDistillConfig, type DistillOptions, type DistillResult, type RunMetrics, type ArchitectureRecord } from './distill/index.js';
export { trainTeacher, type TrainTeacherOptions } from './distill/train-teacher.js';
export { trainStudent, type TrainInput, type TrainResult, type EpochRecord } from './train/trainer.js';
export { studentFamilies } from './students/index.js';
export { lossTerms, buildLoss } from './losses/index.js';
export { chooseStudent } from './students/sizing.js';
export { openDataset, openDataConfig, openUnlabeled, type OpenDatasetOptions } from './data/index.js';
export { withUnlabeled, teacherLabelled } from './data/with-unlabeled.js';
export { resizeImages, studentView } from './data/student-view.js';
export { loadTeacher, teacherKinds, ModelTeacher, type TeacherKind } from './teachers/index.js';
export { inspectTeacher, formatReport, type TeacherReport } from './teachers/inspect.js';
export { buildCache, mergeCaches, CacheReader, type BuildCacheOptions } from './teachers/cache/index.js';
export { liveTeacherOutputs, type TeacherOutputs } from './teachers/outputs.js';
export * from './config/schema.js';
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
export type { Target, TargetInput, Budget } from './config/target.js';
// Targets as the bench loads them: the schema plus "a runner offers this runtime, host and backend".
export { loadBenchTarget as loadTarget, loadBenchTargets as loadTargets, parseBenchTarget as parseTarget, benchTargetJsonSchema as targetJsonSchema } from './bench/targets.js';
export { runBench, type BenchOptions } from './bench/run.js';
export { writeReports } from './report/write.js';
export type { BenchResults, BenchRow, TargetSummary, LatencyStats, ThroughputEntry, BudgetCheck } from './bench/results.js';
