/** edge-distill's programmatic API. The CLI (src/cli) is a thin layer over these functions. */
export * from './core/errors.js';
export * from './core/registry.js';
export type * from './core/types.js';
export { initBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from './runtime/backend.js';
export { loadLayersModelFromFile, saveLayersModelToDir, readModelArtifacts } from './runtime/model-io.js';
export { loadTarget, loadTargets, parseTarget, targetJsonSchema, type Target, type TargetInput, type Budget } from './config/target.js';
export { runBench, type BenchOptions } from './bench/run.js';
export type { BenchResults, BenchRow, TargetSummary, LatencyStats, ThroughputEntry, BudgetCheck } from './bench/results.js';
