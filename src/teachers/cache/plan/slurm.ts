import { join } from 'node:path';
import { shellLine, shellQuote } from './shell.js';
import { shardArgv, type CachePlan, type Scheduler } from './types.js';

/**
 * Slurm: an sbatch job array (`--array=0-(N-1)`, task k computes slice k through `--shard auto/N`), a merge job
 * submitted with `--dependency=afterok` on the whole array (and `--kill-on-invalid-dep`, so a failed slice cancels
 * the merge rather than leaving it pending forever), and submit.sh that submits both.
 */
export const slurm: Scheduler = {
  name: 'slurm',
  files(p: CachePlan) {
    const logs = join(p.jobsDir, 'logs');
    const header = (name: string, out: string, extra: string[]) => [
      '#!/bin/bash',
      `# Written by edge-distill cache plan: ${name === p.name ? `slice $SLURM_ARRAY_TASK_ID of ${p.shards} of the teacher cache ${p.out}` : `merges the ${p.shards} slices under ${p.parts} into ${p.out}`}.`,
      `#SBATCH --job-name=${name}`,
      ...extra.map((o) => `#SBATCH ${o}`),
      `#SBATCH --chdir=${p.workdir}`,
      `#SBATCH --output=${join(logs, out)}`,
      ...p.sbatch.map((o) => `#SBATCH ${o}`),
      'set -euo pipefail',
    ];
    const array = [
      ...header(p.name, `${p.name}-%A_%a.out`, [`--array=0-${p.shards - 1}`, `--cpus-per-task=${p.cpus}`]),
      '# A re-run of some slices: sbatch --array=2,5 this-file (the task id is the slice index).',
      `exec ${shellLine(shardArgv(p))}`,
      '',
    ].join('\n');
    const merge = [
      ...header(`${p.name}-merge`, `${p.name}-merge-%j.out`, ['--cpus-per-task=1']),
      `exec ${shellLine([...p.command, 'cache', 'merge', '--out', p.out])} ${shellQuote(p.parts)}/*`,
      '',
    ].join('\n');
    const submit = [
      '#!/bin/bash',
      `# Submits the ${p.shards}-task array, then the merge once every task has succeeded.`,
      'set -euo pipefail',
      'here=$(cd "$(dirname "$0")" && pwd)',
      `mkdir -p ${shellQuote(logs)}`,
      'array=$(sbatch --parsable "$here/cache-array.sbatch")',
      'array=${array%%;*}',
      'merge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes "$here/cache-merge.sbatch")',
      'merge=${merge%%;*}',
      `echo "array job $array (${p.shards} tasks), then merge job $merge"`,
      '',
    ].join('\n');
    return {
      files: [
        { name: 'cache-array.sbatch', text: array },
        { name: 'cache-merge.sbatch', text: merge },
        { name: 'submit.sh', text: submit, executable: true },
      ],
      submit: `bash ${shellQuote(join(p.jobsDir, 'submit.sh'))}`,
    };
  },
};
