/**
 * The run directory: every file and folder a stage writes into RUN/, named once. Stages never spell a run-directory
 * name themselves; they ask {@link runPaths} (or, for a folder handed to them, {@link RUN_FILES}). docs/ARCHITECTURE.md
 * lists which stage writes each entry and which reads it.
 */
import { join } from 'node:path';

/** Names of the entries of a run directory, by what they hold. */
export const RUN_FILES = {
  /** The distill stage's fully resolved config (src/config/schema.ts DistillConfig); read by export, bench, cache. */
  config: 'config.json',
  /** The distill stage's metrics (src/distill/metrics.ts RunMetrics); its presence marks a finished distill. */
  metrics: 'metrics.json',
  /** The trained student as a tfjs LayersModel folder. */
  student: 'student',
  /** The entry file of a tfjs model folder. */
  model: 'model.json',
  /** Training state of an unfinished run (src/train/checkpoint.ts), removed when it finishes. */
  checkpoint: 'checkpoint',
  /** Latency sizing's measured candidate table (src/sizing/report.ts SizingReport). */
  sizing: 'sizing.json',
  /** --candidates K: the trained candidates' table, and their working folders while they train. */
  candidates: 'candidates.json',
  candidatesDir: 'candidates',
  /** --tune: the recipe search's folder, holding the trials table as JSON and Markdown. */
  tune: 'tune',
  trialsJson: 'trials.json',
  trialsMd: 'trials.md',
  /** A run-local teacher cache (src/teachers/cache), removed when the run finishes. */
  teacherCache: 'teacher-cache',
  /** The export stage's folder: one sub-folder per artifact, a parity.json in each, and manifest.json. */
  export: 'export',
  manifest: 'manifest.json',
  parity: 'parity.json',
  /** The bench stage's folder: results.json (src/bench/results.ts BenchResults) and the reports made from it. */
  bench: 'bench',
  results: 'results.json',
  reportMd: 'report.md',
  reportHtml: 'report.html',
  /** Held by the process writing the run (src/run-dir/lock.ts): its PID, host and start time. */
  lock: '.lock',
  /** `edge-distill run`: the stages' state and the pipeline config the run was started with. */
  pipeline: 'pipeline.json',
  pipelineConfig: 'pipeline-config.json',
} as const;

/** Absolute (or as given) paths of a run directory's entries. */
export function runPaths(run: string) {
  const exportDir = join(run, RUN_FILES.export);
  const benchDir = join(run, RUN_FILES.bench);
  const tuneDir = join(run, RUN_FILES.tune);
  return {
    dir: run,
    config: join(run, RUN_FILES.config),
    metrics: join(run, RUN_FILES.metrics),
    student: join(run, RUN_FILES.student),
    studentModel: join(run, RUN_FILES.student, RUN_FILES.model),
    checkpoint: join(run, RUN_FILES.checkpoint),
    sizing: join(run, RUN_FILES.sizing),
    candidates: join(run, RUN_FILES.candidates),
    candidatesDir: join(run, RUN_FILES.candidatesDir),
    tuneDir,
    teacherCache: join(run, RUN_FILES.teacherCache),
    exportDir,
    manifest: join(exportDir, RUN_FILES.manifest),
    benchDir,
    results: join(benchDir, RUN_FILES.results),
    reportMd: join(benchDir, RUN_FILES.reportMd),
    reportHtml: join(benchDir, RUN_FILES.reportHtml),
    pipeline: join(run, RUN_FILES.pipeline),
    pipelineConfig: join(run, RUN_FILES.pipelineConfig),
    lock: join(run, RUN_FILES.lock),
  };
}

/** The paths {@link runPaths} gives. */
export type RunPaths = ReturnType<typeof runPaths>;

/** Paths of the trials table inside a tune folder. */
export function trialsPaths(tuneDir: string): { json: string; md: string } {
  return { json: join(tuneDir, RUN_FILES.trialsJson), md: join(tuneDir, RUN_FILES.trialsMd) };
}
