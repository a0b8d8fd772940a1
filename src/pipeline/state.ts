import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/files.js';
import type { StageName } from './config.js';

/** RUN/pipeline.json: which stages finished, which failed and why. */
export interface PipelineState {
  stages: Partial<Record<StageName, { status: 'done' | 'failed' | 'skipped'; at: string; seconds?: number; error?: string }>>;
}

export const STATE_FILE = 'pipeline.json';

/** Reads RUN/pipeline.json (an empty state when there is none). */
export function readState(run: string): PipelineState {
  const p = join(run, STATE_FILE);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as PipelineState) : { stages: {} };
}

/** Records a stage's outcome atomically. */
export async function recordStage(run: string, state: PipelineState, stage: StageName, entry: NonNullable<PipelineState['stages'][StageName]>): Promise<void> {
  state.stages[stage] = entry;
  await writeJsonAtomic(join(run, STATE_FILE), state);
}
