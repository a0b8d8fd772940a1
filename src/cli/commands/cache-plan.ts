import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { numberFlag } from '../command.js';
import { UserError } from '../../core/errors.js';
import { PLAN_DEFAULTS, SCHEDULERS, writePlan, type CachePlan } from '../../teachers/cache/plan/index.js';

/** The flags only `cache plan` takes. */
export const PLAN_OPTIONS: Command['options'] = {
  scheduler: { type: 'string', description: `plan: the scheduler to write job files for: ${Object.keys(SCHEDULERS).join(' | ')}`, valueName: 'S' },
  shards: { type: 'string', description: 'plan: number of slices (array tasks / Job completions)', valueName: 'N' },
  parts: { type: 'string', description: 'plan: directory the slices go to, one sub-directory per index (default OUT.parts)', valueName: 'DIR' },
  jobs: { type: 'string', description: 'plan: directory to write the job files to (default OUT.jobs)', valueName: 'DIR' },
  name: { type: 'string', description: `plan: job name (default ${PLAN_DEFAULTS.name})`, valueName: 'NAME' },
  command: { type: 'string', description: `plan: how the jobs start the CLI (default ${PLAN_DEFAULTS.command.join(' ')}; words split on spaces)`, valueName: 'CMD' },
  cpus: { type: 'string', description: `plan: CPUs per slice task (default ${PLAN_DEFAULTS.cpus})`, valueName: 'N' },
  sbatch: { type: 'string', multiple: true, description: 'plan, slurm: an extra #SBATCH option, written --sbatch=--partition=gpu (repeatable)', valueName: 'OPT' },
  workdir: { type: 'string', description: `plan: directory the jobs run in (slurm default: the current directory; k8s default ${PLAN_DEFAULTS.k8sWorkdir}, in the container)`, valueName: 'DIR' },
  image: { type: 'string', description: `plan, k8s: container image with edge-distill (default ${PLAN_DEFAULTS.image})`, valueName: 'IMAGE' },
  parallelism: { type: 'string', description: 'plan, k8s: pods at once (default N)', valueName: 'P' },
  retries: { type: 'string', description: `plan, k8s: backoffLimitPerIndex, retries of each index (default ${PLAN_DEFAULTS.retries})`, valueName: 'R' },
  'volume-claim': { type: 'string', description: 'plan, k8s: PersistentVolumeClaim (ReadWriteMany) mounted at the workdir, holding teacher, data and the cache', valueName: 'PVC' },
};

/** The `cache` flags given, as argv again, for the slice command (order of the option table; values verbatim). */
function forwarded(v: Record<string, unknown>, names: readonly string[]): string[] {
  return names.flatMap((k) => {
    const x = v[k];
    if (x === undefined || x === false) return [];
    if (x === true) return [`--${k}`];
    return (Array.isArray(x) ? x : [x]).flatMap((y) => [`--${k}`, String(y)]);
  });
}

/**
 * `edge-distill cache plan`: writes the job files of `--scheduler` and prints how to submit them. `contentFlags`
 * are the `cache` flags that say what is cached; those given are passed on to every slice.
 */
export async function planCache(v: Record<string, unknown>, out: string, contentFlags: readonly string[]): Promise<void> {
  const scheduler = v.scheduler !== undefined ? String(v.scheduler) : undefined;
  if (!scheduler) throw new UserError(`--scheduler: missing; cache plan writes job files for ${Object.keys(SCHEDULERS).join(' | ')}`);
  if (!SCHEDULERS[scheduler]) throw new UserError(`--scheduler ${scheduler}: expected one of ${Object.keys(SCHEDULERS).join(' | ')}`);
  const shards = numberFlag(v, 'shards', { min: 1, integer: true });
  if (shards === undefined) throw new UserError('--shards: missing; give the number of slices N (array tasks), e.g. --shards 8');
  if (v.shard !== undefined) throw new UserError('--shard: not for cache plan (each job gets --shard auto/N); give --shards N');
  if (v.teacher === undefined && v.config === undefined) throw new UserError('--teacher: missing; give the teacher (or -c CONFIG) every slice computes the outputs of');
  if (v.force) throw new UserError('--force: not for cache plan (a slice re-run replaces its own directory without it)');
  const slurm = scheduler === 'slurm';
  const command = v.command !== undefined ? String(v.command).split(' ').filter(Boolean) : [...PLAN_DEFAULTS.command];
  if (command.length === 0) throw new UserError('--command: empty; give how the jobs start edge-distill, e.g. --command edge-distill');
  // Slurm jobs see this machine's filesystem: absolute paths let the files be submitted from anywhere.
  const path = (p: string) => (slurm ? resolve(p) : p);
  const name = v.name !== undefined ? String(v.name) : PLAN_DEFAULTS.name;
  // A Kubernetes Job name (and a tidy Slurm one): its pods are NAME-INDEX-..., which must stay a DNS label.
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name)) throw new UserError(`--name ${name}: expected lower-case letters, digits and '-', at most 42 characters, starting and ending with a letter or digit`);
  const plan: CachePlan = {
    name,
    shards,
    command,
    cacheArgs: forwarded(v, contentFlags),
    parts: path(v.parts !== undefined ? String(v.parts) : `${out}.parts`),
    out: path(out),
    workdir: v.workdir !== undefined ? path(String(v.workdir)) : slurm ? process.cwd() : PLAN_DEFAULTS.k8sWorkdir,
    jobsDir: resolve(v.jobs !== undefined ? String(v.jobs) : `${out}.jobs`),
    cpus: numberFlag(v, 'cpus', { min: 1, integer: true }) ?? PLAN_DEFAULTS.cpus,
    parallelism: numberFlag(v, 'parallelism', { min: 1, integer: true }) ?? shards,
    retries: numberFlag(v, 'retries', { min: 0, integer: true }) ?? PLAN_DEFAULTS.retries,
    image: v.image !== undefined ? String(v.image) : PLAN_DEFAULTS.image,
    ...(v['volume-claim'] !== undefined ? { volumeClaim: String(v['volume-claim']) } : {}),
    sbatch: ((v.sbatch as string[] | undefined) ?? []).map(String),
  };
  const { paths, submit } = await writePlan(scheduler, plan);
  console.log(`wrote ${paths.join(', ')}`);
  console.log(`submit with: ${submit}`);
}
