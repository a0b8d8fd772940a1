/** `edge-distill cache plan`: job files that compute a teacher cache as N slices on a scheduler, then merge them. */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../core/files.js';
import { UserError } from '../../../core/errors.js';
import { k8s } from './k8s.js';
import { slurm } from './slurm.js';
import type { CachePlan, Scheduler } from './types.js';

export { PLAN_DEFAULTS, shardArgv, type CachePlan, type JobFile, type Scheduler } from './types.js';
export { indexedJob, mergeJob } from './k8s.js';

/** The schedulers `--scheduler` accepts. */
export const SCHEDULERS: Record<string, Scheduler> = { slurm, k8s };

/** Writes the plan's job files into `plan.jobsDir`; returns their paths and the command that submits them. */
export async function writePlan(scheduler: string, plan: CachePlan): Promise<{ paths: string[]; submit: string }> {
  const s = SCHEDULERS[scheduler];
  if (!s) throw new UserError(`--scheduler ${scheduler}: expected one of ${Object.keys(SCHEDULERS).join(' | ')}`);
  const { files, submit } = s.files(plan);
  await mkdir(plan.jobsDir, { recursive: true });
  const paths: string[] = [];
  for (const f of files) {
    const path = join(plan.jobsDir, f.name);
    await writeFileAtomic(path, f.text);
    if (f.executable) await chmod(path, 0o755);
    paths.push(path);
  }
  return { paths, submit };
}
