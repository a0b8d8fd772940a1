import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardFromEnv } from '../../../src/teachers/cache/shard-env.js';
import { parseShardFlag } from '../../../src/cli/commands/cache.js';
import { UserError } from '../../../src/core/errors.js';

const refuses = (spec: string, env: Record<string, string>, re: RegExp) =>
  assert.throws(() => shardFromEnv(spec, env), (e: unknown) => e instanceof UserError && !e.message.includes('\n') && re.test(e.message));

// The variables a Slurm task sees, as slurm-wlm 22.05 sets them (seen on a one-node cluster: --array=2,5 gives
// MIN 2, MAX 5, COUNT 2, STEP 1; --array=0-14:2 gives MIN 0, MAX 14, COUNT 8, STEP 2).
const slurmTask = (id: number, min: number, max: number, count: number, step = 1) => ({
  SLURM_ARRAY_JOB_ID: '7',
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(max),
  SLURM_ARRAY_TASK_COUNT: String(count),
  SLURM_ARRAY_TASK_STEP: String(step),
});

test('Slurm: the k-th task of the whole array computes slice k, whatever the first id or the step', () => {
  assert.deepEqual(shardFromEnv('auto', slurmTask(3, 0, 7, 8)), { index: 3, of: 8 });
  assert.deepEqual(shardFromEnv('auto/8', slurmTask(3, 0, 7, 8)), { index: 3, of: 8 });
  // --array=1-8: task ids 1…8 are slices 0…7.
  assert.deepEqual(shardFromEnv('auto', slurmTask(1, 1, 8, 8)), { index: 0, of: 8 });
  assert.deepEqual(shardFromEnv('auto/8', slurmTask(8, 1, 8, 8)), { index: 7, of: 8 });
  // --array=0-14:2: ids 0, 2, …, 14.
  assert.deepEqual(shardFromEnv('auto', slurmTask(10, 0, 14, 8, 2)), { index: 5, of: 8 });
  // Without MIN/MAX/STEP (older Slurm): the id is the index.
  assert.deepEqual(shardFromEnv('auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 2, of: 4 });
});

test('Slurm: a re-run of some slices (sbatch --array=2,5 with auto/N) uses the task id as the slice index', () => {
  assert.deepEqual(shardFromEnv('auto/8', slurmTask(2, 2, 5, 2)), { index: 2, of: 8 });
  assert.deepEqual(shardFromEnv('auto/8', slurmTask(5, 2, 5, 2)), { index: 5, of: 8 });
  assert.deepEqual(shardFromEnv('auto/4', slurmTask(3, 3, 3, 1)), { index: 3, of: 4 });
  refuses('auto/4', slurmTask(9, 9, 9, 1), /SLURM_ARRAY_TASK_ID=9 is not below the number of slices 4/);
  refuses('auto', { SLURM_ARRAY_TASK_ID: '2' }, /SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give the count as --shard auto\/N/);
  refuses('auto', { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' }, /SLURM_ARRAY_TASK_ID=x is not a non-negative integer/);
});

test('Kubernetes and AWS Batch give the index; the count must be given as auto/N', () => {
  assert.deepEqual(shardFromEnv('auto/4', { JOB_COMPLETION_INDEX: '0' }), { index: 0, of: 4 });
  assert.deepEqual(shardFromEnv('auto/4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, of: 4 });
  assert.deepEqual(shardFromEnv('auto/16', { AWS_BATCH_JOB_ARRAY_INDEX: '11' }), { index: 11, of: 16 });
  refuses('auto', { JOB_COMPLETION_INDEX: '1' }, /JOB_COMPLETION_INDEX=1 gives the index but not the number of slices; give it as --shard auto\/N \(N = the Job's completions\)/);
  refuses('auto', { AWS_BATCH_JOB_ARRAY_INDEX: '1' }, /--shard auto: AWS_BATCH_JOB_ARRAY_INDEX=1 gives the index but not the number of slices/);
  refuses('auto/4', { JOB_COMPLETION_INDEX: '4' }, /JOB_COMPLETION_INDEX=4 is not below the number of slices 4/);
});

test('no scheduler, several schedulers, or a malformed spec is a one-line error', () => {
  refuses('auto', {}, /^--shard auto: no scheduler array index in the environment \(none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX is set\); .* or give --shard i\/N$/);
  refuses('auto/4', { JOB_COMPLETION_INDEX: '' }, /no scheduler array index/);
  refuses('auto/4', { JOB_COMPLETION_INDEX: '1', AWS_BATCH_JOB_ARRAY_INDEX: '2' }, /several schedulers' array indexes are set \(JOB_COMPLETION_INDEX=1, AWS_BATCH_JOB_ARRAY_INDEX=2\)/);
  refuses('automatic', { JOB_COMPLETION_INDEX: '1' }, /--shard automatic: expected auto or auto\/N/);
  refuses('auto/0', { JOB_COMPLETION_INDEX: '0' }, /N must be at least 1/);
});

test('--shard i/N is parsed as before; auto goes to the environment given', () => {
  assert.deepEqual(parseShardFlag('2/5', {}), { index: 2, of: 5 });
  assert.deepEqual(parseShardFlag('auto/5', { JOB_COMPLETION_INDEX: '4' }), { index: 4, of: 5 });
  assert.throws(() => parseShardFlag('5/5', {}), /--shard 5\/5: expected i\/N with 0 ≤ i < N/);
});
