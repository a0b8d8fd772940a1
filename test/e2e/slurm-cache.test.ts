/**
 * The teacher cache as a real Slurm job array: a one-node cluster (Debian's slurm-wlm and munge, started by the test),
 * the job files `edge-distill cache plan --scheduler slurm` writes, submitted as they are. Skipped with a message where
 * Slurm cannot start (not root, packages missing); CI installs the packages and runs as root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliInProcess, expectUserError } from '../helpers/cli.js';
import { assertSameCache } from '../helpers/cache-compare.js';
import { slurmUnavailable, startSlurm, type SlurmCluster } from '../helpers/slurm-cluster.js';
import { tmp, writeIdxBands } from '../helpers/tiny.js';
import { FORMS } from '../helpers/fixtures.js';

const skip = slurmUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ok(args: string[], env: Record<string, string> = {}) {
  const r = await cliInProcess(args, env);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** Submits the planned array script for `array` (e.g. "2") and returns the job id. */
function submit(c: SlurmCluster, script: string, extra: string[] = []): string {
  return c.run('sbatch', ['--parsable', ...extra, script]).trim().split(';')[0]!;
}

test('Slurm: the planned sbatch array computes the cache, the dependent merge job joins it (byte-identical to one run, same distilled weights); a slice killed mid-write and re-submitted merges the same', { skip, timeout: 240_000 }, async () => {
  const base = tmp('ed-slurm-cache-');
  const data = `idx:${writeIdxBands({ train: 400, test: 60 })}`;
  // Small shards (3 samples) and one sample per teacher batch: each slice writes ~30 shard files, so there is time
  // to kill one half-way.
  const flags = ['--teacher', FORMS.onnx.path, '--data', data, '--tap', '/act2/Relu_output_0', '--shard-bytes', '1600', '--batch-size', '1', '--backend', 'wasm'];
  const whole = join(base, 'whole');
  const cache = join(base, 'cache');
  const jobs = join(base, 'jobs');
  const launcher = [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url))];
  await ok(['cache', 'plan', '--scheduler', 'slurm', '--shards', '4', ...flags, '--out', cache, '--jobs', jobs, '--command', launcher.join(' ')]);

  const c = await startSlurm();
  try {
    // submit.sh as a user runs it: the array, then the merge with --dependency=afterok on it.
    const s = spawnSync('bash', [join(jobs, 'submit.sh')], { env: { ...c.env, EDGE_DISTILL_QUIET: '1' }, encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    const m = /array job (\d+) \(4 tasks\), then merge job (\d+)/.exec(s.stdout);
    assert.ok(m, s.stdout);
    const [, arrayJob, mergeJob] = m;
    // The single run to compare with, computed here while the array runs.
    await ok(['cache', ...flags, '--out', whole, '--quiet']);
    assert.ok(readdirSync(whole).length > 100, 'many shards');
    assert.match(c.run('scontrol', ['show', 'job', mergeJob!]), /Dependency=afterok:\d+_\*/);
    const states = await c.wait([arrayJob!, mergeJob!], 120_000);
    assert.deepEqual(states, ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED'], `${states}\n${readdirSync(join(jobs, 'logs')).map((f) => readFileSync(join(jobs, 'logs', f), 'utf8')).join('\n')}`);
    assert.deepEqual(readdirSync(`${cache}.parts`).sort(), ['0', '1', '2', '3']);
    const logs = readdirSync(join(jobs, 'logs')).sort();
    assert.deepEqual(logs, [...[0, 1, 2, 3].map((i) => `teacher-cache-${arrayJob}_${i}.out`), `teacher-cache-merge-${mergeJob}.out`]);
    assert.match(readFileSync(join(jobs, 'logs', `teacher-cache-${arrayJob}_3.out`), 'utf8'), /wrote .*cache\.parts\/3: \d+ of 360 training samples \(slice 3\/4\)/);
    assertSameCache(cache, whole);

    // Slice 2 again, killed (SIGKILL, as the OOM killer or a lost node would) once it has written some shards.
    rmSync(cache, { recursive: true });
    rmSync(join(`${cache}.parts`, '2'), { recursive: true });
    let killed = false;
    for (let attempt = 0; attempt < 3 && !killed; attempt++) {
      const job = submit(c, join(jobs, 'cache-array.sbatch'), ['--array=2']);
      const merge = submit(c, join(jobs, 'cache-merge.sbatch'), [`--dependency=afterok:${job}`, '--kill-on-invalid-dep=yes']);
      const t0 = Date.now();
      let pids: number[] = [];
      while (Date.now() - t0 < 60_000) {
        if (pids.length === 0) pids = c.pids(job);
        const staging = readdirSync(`${cache}.parts`).find((f) => f.startsWith('.2.') && f.endsWith('.staging'));
        if (pids.length && staging && readdirSync(join(`${cache}.parts`, staging)).some((f) => f.endsWith('.bin'))) {
          // Pids read earlier may have exited since (a wrapper shell, or the task itself): a miss is retried below.
          for (const p of [...new Set([...pids, ...c.pids(job)])]) {
            try {
              process.kill(p, 'SIGKILL');
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
            }
          }
          killed = !existsSync(join(`${cache}.parts`, '2'));
          break;
        }
        if (existsSync(join(`${cache}.parts`, '2'))) break; // finished before we saw it write: try again
        await sleep(2);
      }
      const [task, mergeState] = await c.wait([job, merge], 60_000);
      if (!killed) {
        rmSync(join(`${cache}.parts`, '2'), { recursive: true, force: true });
        rmSync(cache, { recursive: true, force: true });
        continue;
      }
      assert.notEqual(task, 'COMPLETED', 'the killed task failed');
      assert.equal(mergeState, 'CANCELLED', 'its merge never ran (--kill-on-invalid-dep)');
    }
    assert.ok(killed, 'slice 2 was killed while writing (3 attempts)');
    const parts = readdirSync(`${cache}.parts`);
    assert.deepEqual(parts.filter((f) => !f.startsWith('.')).sort(), ['0', '1', '3'], 'no half-written slice 2');
    assert.ok(parts.some((f) => f.startsWith('.2.') && f.endsWith('.staging')), 'the killed task left only its hidden staging directory');
    await expectUserError(['cache', 'merge', '--out', cache, ...['0', '1', '3'].map((i) => join(`${cache}.parts`, i))], /cache merge: missing slice 2\/4 \(have 0, 1, 3\); re-run index 2 \(.*sbatch --array=2 on the planned array script\), then merge again/, { run: cliInProcess, out: cache });

    // Re-submitted as the message says, then merged again (here, not as a job: the merge job ran above): the same bytes.
    const again = submit(c, join(jobs, 'cache-array.sbatch'), ['--array=2']);
    assert.deepEqual(await c.wait([again], 60_000), ['COMPLETED']);
    await ok(['cache', 'merge', '--out', cache, ...[0, 1, 2, 3].map((i) => join(`${cache}.parts`, String(i)))]);
    assertSameCache(cache, whole);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- Slurm logs ---\n${c.logs()}`, { cause: e });
  } finally {
    await c.stop();
  }

  // A student distilled from the merged cache and one from the single-run cache: the same weights, byte for byte.
  const distill = (cacheDir: string, out: string) => ok(['distill', '--data', data, '--teacher', FORMS.onnx.path, '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '1', '--batch-size', '32', '--backend', 'wasm', '--cache', cacheDir, '--out', out, '--quiet'], { EDGE_DISTILL_QUIET: '0' });
  const [a, b] = [join(base, 'run-whole'), join(base, 'run-merged')];
  assert.match((await distill(whole, a)).stderr, /teacher outputs: reusing teacher cache/);
  assert.match((await distill(cache, b)).stderr, /teacher outputs: reusing teacher cache/);
  const files = readdirSync(join(a, 'student')).sort();
  assert.deepEqual(readdirSync(join(b, 'student')).sort(), files);
  for (const f of files) assert.ok(readFileSync(join(a, 'student', f)).equals(readFileSync(join(b, 'student', f))), `student/${f} is byte-identical`);
});
