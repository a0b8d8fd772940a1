import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../core/files.js';
import type { StageName } from './config.js';
import { runPaths } from '../run-dir/layout.js';

/** RUN/pipeline.json: which stages finished, which failed and why. */
export interface PipelineState {
  stages: Partial<Record<StageName, { status: 'done' | 'failed' | 'skipped'; at: string; seconds?: number; error?: string }>>;
}


/** Reads RUN/pipeline.json (an empty state when there is none). */
export function readState(run: string): PipelineState {
  const p = runPaths(run).pipeline;
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as PipelineState) : { stages: {} };
}

/** Records a stage's outcome atomically. */
export async function recordStage(run: string, state: PipelineState, stage: StageName, entry: NonNullable<PipelineState['stages'][StageName]>): Promise<void> {
  state.stages[stage] = entry;
  await writeJsonAtomic(runPaths(run).pipeline, state);
}
