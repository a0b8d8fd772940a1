import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliInProcess, expectUserError as expectUserErrorOf } from '../helpers/cli.js';
import { assertSameCache } from '../helpers/cache-compare.js';
import { tmp, writeIdxBands } from '../helpers/tiny.js';
import { FORMS } from '../helpers/fixtures.js';

const base = tmp('ed-cache-plan-');
const data = `idx:${writeIdxBands({ train: 400, test: 60 })}`;
const TAP = '/act2/Relu_output_0';
const cacheFlags = ['--teacher', FORMS.onnx.path, '--data', data, '--tap', TAP, '--shard-bytes', '8192', '--backend', 'wasm'];
const expectUserError = (args: string[], re: RegExp, out?: string) => expectUserErrorOf(args, re, { run: cliInProcess, ...(out ? { out } : {}) });
/** How a job starts this checkout's CLI (no build step): node with the tsx loader on the test entry. */
const launcher = [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url))];

async function ok(args: string[], env: Record<string, string> = {}) {
  const r = await cliInProcess(args, env);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

test('the Kubernetes plan: an Indexed Job whose pods, run here with JOB_COMPLETION_INDEX 0…3, and its merge Job give the cache one run writes', async () => {
  const whole = join(base, 'whole');
  await ok(['cache', ...cacheFlags, '--out', whole, '--quiet']);
  const out = join(base, 'k8s-cache');
  const jobs = join(base, 'k8s-jobs');
  const plan = await ok(['cache', 'plan', '--scheduler', 'k8s', '--shards', '4', ...cacheFlags, '--out', out, '--jobs', jobs, '--parallelism', '2', '--retries', '3', '--image', 'registry.example/edge-distill:1', '--volume-claim', 'shared-rwx', '--command', launcher.join(' ')]);
  assert.match(plan.stdout, /submit with: bash .*k8s-jobs\/submit\.sh/);
  assert.deepEqual(readdirSync(jobs).sort(), ['cache-job.json', 'merge-job.json', 'submit.sh']);
  assert.ok(statSync(join(jobs, 'submit.sh')).mode & 0o100, 'submit.sh is executable');

  // What an Indexed Job needs (batch/v1 Job, completionMode Indexed, completions, parallelism, per-index retries with
  // restartPolicy Never, an image and a command); kubectl reads JSON manifests as it reads YAML.
  const job = JSON.parse(readFileSync(join(jobs, 'cache-job.json'), 'utf8'));
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.match(job.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 4);
  assert.equal(job.spec.parallelism, 2);
  assert.equal(job.spec.backoffLimitPerIndex, 3);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never', 'backoffLimitPerIndex needs restartPolicy Never');
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  assert.equal(c.image, 'registry.example/edge-distill:1');
  assert.deepEqual(c.volumeMounts, [{ name: 'work', mountPath: '/work' }]);
  assert.deepEqual(pod.volumes, [{ name: 'work', persistentVolumeClaim: { claimName: 'shared-rwx' } }]);
  assert.deepEqual(c.command.slice(0, launcher.length), launcher);
  const shardArgs: string[] = c.command.slice(launcher.length);
  assert.deepEqual(shardArgs, ['cache', ...cacheFlags, '--shard', 'auto/4', '--out', `${out}.parts/{shard}`, '--quiet']);

  const merge = JSON.parse(readFileSync(join(jobs, 'merge-job.json'), 'utf8'));
  assert.equal(merge.kind, 'Job');
  assert.equal(merge.spec.completions, 1);
  assert.equal(merge.spec.template.spec.restartPolicy, 'Never');
  const [sh, dashC, line] = merge.spec.template.spec.containers[0].command as string[];
  assert.deepEqual([sh, dashC], ['sh', '-c']);
  const submit = readFileSync(join(jobs, 'submit.sh'), 'utf8');
  assert.match(submit, /kubectl apply -f "\$here\/cache-job.json"\nwhile :; do\n {2}state=\$\(kubectl get job\/teacher-cache -o jsonpath=.*\n(.*\n){2} {4}\*Failed\*\) echo "job teacher-cache failed \(failed indexes: .*\n(.*\n){3}kubectl apply -f "\$here\/merge-job.json"/);
  assert.equal(spawnSync('bash', ['-n', join(jobs, 'submit.sh')]).status, 0, 'submit.sh parses');

  // No cluster here: each pod's command runs in this process with the index Kubernetes would give it, then the
  // merge Job's shell line runs as a child process.
  for (const i of [2, 0, 3, 1]) await ok(shardArgs, { JOB_COMPLETION_INDEX: String(i) });
  assert.deepEqual(readdirSync(`${out}.parts`).sort(), ['0', '1', '2', '3']);
  const m = spawnSync(sh!, [dashC!, line!], { encoding: 'utf8', env: { ...process.env, EDGE_DISTILL_QUIET: '1' } });
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /merged 4 slices into .*k8s-cache: 360 samples/);
  assertSameCache(out, whole);
});

test('the Slurm plan: an sbatch array over 0…N−1 with the slice command, a merge job after it, submit.sh chaining them', async () => {
  const out = join(base, 'slurm-cache');
  await ok(['cache', 'plan', '--scheduler', 'slurm', '--shards', '3', ...cacheFlags, '--out', out, '--cpus', '2', '--sbatch=--partition=debug']);
  const jobs = `${out}.jobs`;
  const array = readFileSync(join(jobs, 'cache-array.sbatch'), 'utf8');
  for (const l of ['#SBATCH --array=0-2', '#SBATCH --cpus-per-task=2', '#SBATCH --partition=debug', `#SBATCH --chdir=${process.cwd()}`, `#SBATCH --output=${jobs}/logs/teacher-cache-%A_%a.out`]) assert.ok(array.split('\n').includes(l), `${l} in\n${array}`);
  assert.ok(array.includes(`exec edge-distill cache ${cacheFlags.join(' ')} --shard auto/3 --out '${out}.parts/{shard}' --quiet\n`), array);
  const merge = readFileSync(join(jobs, 'cache-merge.sbatch'), 'utf8');
  assert.ok(merge.includes(`exec edge-distill cache merge --out ${out} ${out}.parts/*\n`), merge);
  const submit = readFileSync(join(jobs, 'submit.sh'), 'utf8');
  assert.match(submit, /array=\$\(sbatch --parsable "\$here\/cache-array.sbatch"\)/);
  assert.match(submit, /sbatch --parsable --dependency=afterok:\$array --kill-on-invalid-dep=yes "\$here\/cache-merge.sbatch"/);
  for (const f of ['cache-array.sbatch', 'cache-merge.sbatch', 'submit.sh']) assert.equal(spawnSync('bash', ['-n', join(jobs, f)]).status, 0, `${f} parses`);
});

test('every flag of cache is passed on to the slices by cache plan, or is the slice\'s place, --quiet or the plan\'s own', async () => {
  const { command, CACHE_CONTENT_FLAGS } = await import('../../src/cli/commands/cache.js');
  const { PLAN_OPTIONS } = await import('../../src/cli/commands/cache-plan.js');
  const own = new Set([...CACHE_CONTENT_FLAGS, ...Object.keys(PLAN_OPTIONS), 'shard', 'out', 'force', 'quiet']);
  assert.deepEqual(Object.keys(command.options).filter((k) => !own.has(k)), []);
});

test('cache plan refuses what it cannot plan, in one line', async () => {
  const out = join(base, 'refused');
  await expectUserError(['cache', 'plan', '--shards', '2', ...cacheFlags, '--out', out], /--scheduler: missing; cache plan writes job files for slurm \| k8s/);
  await expectUserError(['cache', 'plan', '--scheduler', 'pbs', '--shards', '2', ...cacheFlags, '--out', out], /--scheduler pbs: expected one of slurm \| k8s/);
  await expectUserError(['cache', 'plan', '--scheduler', 'k8s', ...cacheFlags, '--out', out], /--shards: missing/);
  await expectUserError(['cache', 'plan', '--scheduler', 'k8s', '--shards', '0', ...cacheFlags, '--out', out], /--shards 0: expected an integer ≥ 1/);
  await expectUserError(['cache', 'plan', '--scheduler', 'k8s', '--shards', '2', '--name', 'Teacher_Cache', ...cacheFlags, '--out', out], /--name Teacher_Cache: expected lower-case letters/);
  await expectUserError(['cache', 'plan', '--scheduler', 'k8s', '--shards', '2', '--out', out], /--teacher: missing/);
  await expectUserError(['cache', ...cacheFlags, '--scheduler', 'k8s', '--out', out], /--scheduler: only for edge-distill cache plan/);
  assert.ok(!existsSync(`${out}.jobs`), 'nothing written');
});

test('--shard auto reads the index from the scheduler, {shard} in --out becomes it, and a re-run slice replaces its own directory', async () => {
  const parts = join(base, 'auto-parts');
  const args = ['cache', ...cacheFlags, '--shard', 'auto/2', '--out', `${parts}/{shard}`, '--quiet'];
  await expectUserError(args, /--shard auto\/2: no scheduler array index in the environment/);
  await expectUserError(['cache', ...cacheFlags, '--out', `${parts}/{shard}`], /--out .*\{shard\}: \{shard\} stands for the slice index; give --shard i\/N or --shard auto/);
  const r = await ok(args, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '1' });
  assert.match(r.stdout, /wrote .*auto-parts\/1: \d+ of 360 training samples \(slice 1\/2\)/);
  const before = readFileSync(join(parts, '1', 'index.json'), 'utf8');
  // The scheduler runs index 1 again (a retry, or a duplicate): no --force needed, and the directory is replaced whole.
  await ok(args, { JOB_COMPLETION_INDEX: '1' });
  const after = readFileSync(join(parts, '1', 'index.json'), 'utf8');
  assert.notEqual(after, before, 'a new index.json (another build time)');
  assert.deepEqual(readdirSync(parts).sort(), ['1'], 'no staging or old directory left behind');
  // Slice 0 must not land in slice 1's directory without --force.
  await expectUserError(['cache', ...cacheFlags, '--shard', '0/2', '--out', join(parts, '1')], /--out .*auto-parts\/1: directory exists and is not empty \(and is not slice 0\/2\); use --force/);
});
