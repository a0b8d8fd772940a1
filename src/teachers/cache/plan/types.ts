/** What `edge-distill cache plan` writes job files for: one cache computed as N slices, then merged. */
export interface CachePlan {
  /** Job name (Slurm job name, Kubernetes Job name prefix). */
  name: string;
  /** Number of slices N (array tasks, Job completions). */
  shards: number;
  /** How a job starts the CLI, as argv (default ["edge-distill"]). */
  command: string[];
  /** The `edge-distill cache` flags every slice is computed with (teacher, data, taps, ...), without --shard and --out. */
  cacheArgs: string[];
  /** Directory the slices are written to, one sub-directory per slice index. */
  parts: string;
  /** The merged cache. */
  out: string;
  /** Directory the jobs run in (relative paths in the flags are relative to it). */
  workdir: string;
  /** Directory the job files are written to (Slurm logs go under it). */
  jobsDir: string;
  /** CPUs per slice task. */
  cpus: number;
  /** Kubernetes: tasks run at once, retries per index, container image, volume claim mounted at `workdir`. */
  parallelism: number;
  retries: number;
  image: string;
  volumeClaim?: string;
  /** Slurm: extra `#SBATCH` options, e.g. "--partition=gpu". */
  sbatch: string[];
}

/** Defaults of `cache plan` (the one place they are written). */
export const PLAN_DEFAULTS = { name: 'teacher-cache', command: ['edge-distill'], cpus: 1, retries: 2, image: 'edge-distill:latest', k8sWorkdir: '/work' } as const;

/** One file a plan writes: a name inside the jobs directory, its text, whether to make it executable. */
export interface JobFile {
  name: string;
  text: string;
  executable?: boolean;
}

/** A scheduler `cache plan` writes job files for. */
export interface Scheduler {
  name: string;
  /** The job files, and the command that submits them. */
  files(plan: CachePlan): { files: JobFile[]; submit: string };
}

/** The slice command: the cache flags plus `--shard auto/N --out PARTS/{shard}` (the CLI fills in the index). */
export function shardArgv(p: CachePlan): string[] {
  return [...p.command, 'cache', ...p.cacheArgs, '--shard', `auto/${p.shards}`, '--out', `${p.parts}/{shard}`, '--quiet'];
}
