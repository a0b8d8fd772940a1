/**
 * `edge-distill bench` end to end on a run directory made of tiny fixtures (embedded MNIST, a tiny teacher, the tiny
 * CNN exported as tfjs and ONNX), through the CLI's error boundary.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runBench } from '../../src/bench/run.js';
import { UserError } from '../../src/core/errors.js';
import type { BenchResults } from '../../src/bench/results.js';
import { makeRunDir } from '../unit/bench/fixtures.js';
import { cliInProcess } from '../helpers/cli.js';

// In process, with the log left on (as a user sees it), so that "stderr is exactly the error line" also rules out
// stray log lines.
const cli = (args: string[]) => cliInProcess(args, { EDGE_DISTILL_QUIET: '0' });

let run: string;
before(async () => {
  run = await makeRunDir();
});

test('a run with no exports is a clear user error (exit 1, no stack)', async () => {
  const bare = await makeRunDir({ withExports: false });
  await assert.rejects(runBench({ runDir: bare, quiet: true }), (e: unknown) => e instanceof UserError && /export\/manifest\.json: not found: the run has no exports to benchmark; run edge-distill export --run .* first/.test(e.message));
  const r = await cli(['bench', '--run', bare, '--quick']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: .*no exports to benchmark/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user error');
});

test('--only with an unknown id lists the known ones', async () => {
  const r = await cli(['bench', '--run', run, '--only', 'node-tfjs-cpu,nope']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--only nope: no such target\. Must be among \[chromium-ort-wasm, .*node-tfjs-wasm\]/);
});

test('bench --quick on Node and Chromium targets writes results.json, report.md and report.html', async () => {
  const r = await cli(['bench', '--run', run, '--quick', '--test-limit', '64', '--only', 'node-tfjs-cpu,node-ort-cpu,node-tfjs-tensorflow,chromium-ort-wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /measured, \d+ skipped, 0 failed/);
  const dir = join(run, 'bench');
  const res = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as BenchResults;
  assert.equal(res.schemaVersion, 1);
  assert.equal(res.quick, true);
  assert.equal(res.dataset.samples, 64);
  assert.deepEqual(res.targets.map((t) => t.id), ['chromium-ort-wasm', 'node-ort-cpu', 'node-tfjs-cpu', 'node-tfjs-tensorflow']);
  const get = (target: string, model: string) => res.rows.filter((x) => x.target === target && x.model === model);

  // tfjs on Node: student and teacher measured; speedup and agreement on the same target.
  const [student] = get('node-tfjs-cpu', 'student');
  const [teacher] = get('node-tfjs-cpu', 'teacher');
  assert.equal(student?.status, 'ok');
  assert.equal(teacher?.status, 'ok');
  assert.ok(student!.latency!.p50 > 0 && student!.latency!.p50 <= student!.latency!.p95);
  assert.ok(student!.latency!.ci95[0] <= student!.latency!.mean && student!.latency!.mean <= student!.latency!.ci95[1]);
  assert.ok(Math.abs(student!.speedup! - teacher!.latency!.p50 / student!.latency!.p50) < 1e-9);
  assert.equal(student!.agreement!.reference, 'teacher on node-tfjs-cpu');
  assert.equal(student!.accuracy!.total, 64);
  assert.deepEqual(student!.throughput!.map((t) => t.batch), [1, 8, 32]);
  assert.ok(student!.throughput!.every((t) => t.status === 'ok' && t.samplesPerSec! > 0));
  assert.ok(student!.budget!.checks.some((c) => c.metric === 'bytes' && c.pass));
  assert.ok(student!.memory!.bytes! > 0);

  // ONNX on Node and in Chromium: the same model, so the same predictions, hence the same accuracy. The teacher is
  // exported to ONNX for this bench and measured there too, so agreement is with the teacher on the same target.
  for (const target of ['node-ort-cpu', 'chromium-ort-wasm']) {
    const [s] = get(target, 'student');
    assert.equal(s?.status, 'ok', `${target}: ${s?.reason}`);
    assert.equal(s!.accuracy!.correct, student!.accuracy!.correct, target);
    assert.equal(s!.agreement!.value, student!.agreement!.value);
    const [t] = get(target, 'teacher');
    assert.equal(t?.status, 'ok', t?.reason);
    assert.equal(s!.agreement!.reference, `teacher on ${target}`);
  }
  assert.equal(res.models.teacher.onnx, 'exported for this bench');
  assert.match(get('chromium-ort-wasm', 'student')[0]!.runtime!, /in Chromium/);

  // A target this machine cannot run is a skipped row with the reason, never a number.
  for (const x of res.rows.filter((x) => x.target === 'node-tfjs-tensorflow')) {
    assert.equal(x.status, 'skipped');
    assert.match(x.reason!, /tfjs-node is not installed/);
    assert.equal(x.latency, undefined);
  }

  const md = await readFile(join(dir, 'report.md'), 'utf8');
  assert.match(md, /## Latency at batch 1, accuracy and budget/);
  assert.match(md, /\| node-tfjs-cpu \| student tfjs\/fp32 \|/);
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  assert.equal((html.match(/<svg /g) ?? []).length, 3);

  // A second bench replaces the first whole; no staging folders are left behind.
  const again = await cli(['bench', '--run', run, '--quick', '--test-limit', '32', '--only', 'node-ort-cpu']);
  assert.equal(again.code, 0, again.stderr);
  const res2 = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as BenchResults;
  assert.deepEqual(res2.targets.map((t) => t.id), ['node-ort-cpu']);
  assert.deepEqual((await readdir(run)).filter((f) => f.startsWith('.')), []);
  assert.ok(existsSync(join(dir, 'report.html')));
});

test('targets validate reports the file, field and message; targets list shows the shipped targets', async () => {
  const { writeFile, mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const d = await mkdtemp(join(tmpdir(), 'ed-targets-'));
  const bad = join(d, 'bad.json');
  await writeFile(bad, JSON.stringify({ id: 'x', description: 'd', runtime: 'onnxruntime', host: 'node', backend: 'webgpu', artifact: { format: 'onnx' } }));
  const r = await cli(['targets', 'validate', bad]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `error: ${bad}: backend: onnxruntime on node has no backend "webgpu". Must be one of [cpu, wasm]\n`);
  const list = await cli(['targets', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /mobile-chromium-ort-wasm\s+onnxruntime\/chromium\/wasm\s+1t 4x/);
});
