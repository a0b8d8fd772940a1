/**
 * `--shard auto`: the slice a job computes, read from the scheduler that started it. Each scheduler names its array
 * index differently, and only Slurm tells a task how many tasks the array has; for the others the count is given
 * (`--shard auto/N`).
 */
import { UserError } from '../../core/errors.js';

export interface ShardPart {
  index: number;
  of: number;
}

/** The environment variables read, per scheduler, in the order they are looked for. */
export const SHARD_INDEX_VARS = {
  slurm: 'SLURM_ARRAY_TASK_ID',
  kubernetes: 'JOB_COMPLETION_INDEX',
  'aws-batch': 'AWS_BATCH_JOB_ARRAY_INDEX',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function intVar(env: Env, name: string, flag: string): number {
  const raw = env[name]!;
  if (!/^\d+$/.test(raw.trim())) throw new UserError(`${flag}: ${name}=${raw} is not a non-negative integer; run inside the scheduler's array job, or give --shard i/N`);
  return Number(raw);
}

/**
 * The slice of a job from its scheduler's environment, for `--shard auto` (count from the scheduler: Slurm only) or
 * `--shard auto/N` (count given; with Slurm it must equal SLURM_ARRAY_TASK_COUNT).
 *
 * Slurm, whole array (SLURM_ARRAY_TASK_COUNT = N, one even range): index = (SLURM_ARRAY_TASK_ID −
 * SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP, so `--array=1-8` and `--array=0-14:2` give 0…7 like
 * `--array=0-7`. Fewer tasks than N (a re-run, `sbatch --array=2,5`): index = SLURM_ARRAY_TASK_ID, which is why
 * re-runs need N given and a 0-based array.
 * Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0…completions−1). AWS Batch array job: AWS_BATCH_JOB_ARRAY_INDEX.
 */
export function shardFromEnv(spec: string, env: Env): ShardPart {
  const flag = `--shard ${spec}`;
  const m = /^auto(?:\/(\d+))?$/.exec(spec.trim());
  if (!m) throw new UserError(`${flag}: expected auto or auto/N (N the number of slices)`);
  const given = m[1] === undefined ? undefined : Number(m[1]);
  if (given !== undefined && given < 1) throw new UserError(`${flag}: N must be at least 1`);
  const set = Object.entries(SHARD_INDEX_VARS).filter(([, v]) => env[v] !== undefined && env[v] !== '');
  if (set.length === 0) {
    throw new UserError(`${flag}: no scheduler array index in the environment (none of ${Object.values(SHARD_INDEX_VARS).join(', ')} is set); run it as a task of a Slurm array, Kubernetes Indexed Job or AWS Batch array job, or give --shard i/N`);
  }
  if (set.length > 1) throw new UserError(`${flag}: several schedulers' array indexes are set (${set.map(([, v]) => `${v}=${env[v]}`).join(', ')}); give --shard i/N explicitly`);
  const [scheduler, name] = set[0]!;
  let index = intVar(env, name, flag);
  let of = given;
  if (scheduler === 'slurm') {
    const opt = (v: string) => (env[v] ? intVar(env, v, flag) : undefined);
    const count = opt('SLURM_ARRAY_TASK_COUNT');
    const min = opt('SLURM_ARRAY_TASK_MIN') ?? 0;
    const max = opt('SLURM_ARRAY_TASK_MAX');
    const step = opt('SLURM_ARRAY_TASK_STEP') ?? 1;
    if (of === undefined) {
      if (count === undefined) throw new UserError(`${flag}: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give the count as --shard auto/N`);
      of = count;
    }
    // The whole array (as many tasks as slices, one even range): its k-th task computes slice k, whatever the
    // first id (--array=1-8) or the step. Fewer tasks than slices is a re-run of some slices (sbatch --array=2,5):
    // the task id is then the slice index itself.
    const whole = count === of && (max === undefined || (step >= 1 && (max - min) / step + 1 === count));
    if (whole) {
      const off = index - min;
      if (step < 1 || off < 0 || off % step !== 0) throw new UserError(`${flag}: Slurm task ${index} is not in the array's range (min ${min}, step ${step}); submit the array as --array=0-${of - 1}`);
      index = off / step;
    }
  } else if (of === undefined) {
    throw new UserError(`${flag}: ${name}=${index} gives the index but not the number of slices; give it as --shard auto/N (N = the ${scheduler === 'kubernetes' ? "Job's completions" : "array job's size"})`);
  }
  if (index >= of) throw new UserError(`${flag}: ${name}=${index} is not below the number of slices ${of}; the array must have exactly ${of} tasks, indexed 0…${of - 1}`);
  return { index, of };
}
