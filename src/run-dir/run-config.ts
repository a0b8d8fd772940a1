/** RUN/config.json: written by the distill stage, read back by export, bench and `cache` through this module. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { readJsonFile, validate } from '../config/load.js';
import { DistillConfig } from '../config/schema.js';
import { writeJsonAtomic } from '../core/files.js';
import { runPaths } from './layout.js';

/** Reads and validates RUN/config.json (defaults filled in); a missing file says which command makes one. */
export async function readRunConfig(runDir: string): Promise<DistillConfig> {
  const path = runPaths(runDir).config;
  if (!existsSync(path)) throw new UserError(`${path}: not found; --run must name a run directory made by edge-distill distill`);
  return validate(DistillConfig, await readJsonFile(path, 'run config.json'), path);
}

/** A run's config whose teacher is set (bench compares the student with its teacher). */
export type RunConfigWithTeacher = DistillConfig & { teacher: NonNullable<DistillConfig['teacher']> };

/** {@link readRunConfig} for stages that need the run's teacher: a labels-only run is a {@link UserError}. */
export async function readRunConfigWithTeacher(runDir: string, flag: string): Promise<RunConfigWithTeacher> {
  const c = await readRunConfig(runDir);
  if (!c.teacher) throw new UserError(`${flag} ${runDir}: config.json has no teacher (the run trained from labels alone); this stage compares the student with its teacher: run it on a run distilled with --teacher`);
  return c as RunConfigWithTeacher;
}

/** Writes RUN/config.json atomically. */
export async function writeRunConfig(runDir: string, config: DistillConfig): Promise<void> {
  await writeJsonAtomic(runPaths(runDir).config, config);
}

/**
 * The teacher's model file named in a run's config: absolute paths as they are; relative ones against the run
 * directory first, then the current directory (where the distill command was run).
 */
export function resolveTeacherPath(runDir: string, path: string): string {
  if (isAbsolute(path)) return path;
  const inRun = resolve(runDir, path);
  return existsSync(inRun) ? inRun : resolve(path);
}
