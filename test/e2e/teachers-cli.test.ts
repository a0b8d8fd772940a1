import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliInProcess, expectUserError as expectUserErrorOf } from '../helpers/cli.js';
import { tmp, writeIdxBands } from '../helpers/tiny.js';
import { FORMS } from '../helpers/fixtures.js';

const base = tmp('ed-teachers-e2e-');
const data = `idx:${writeIdxBands({ train: 400, test: 60 })}`;
const TAP = '/act2/Relu_output_0';
const distillArgs = ['distill', '--data', data, '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '2', '--batch-size', '32', '--backend', 'wasm', '--quiet'];

// One test runs the CLI as a child process; the others call its entry point in this process (same error boundary,
// without paying the start-up of tsx and tfjs for every command).

/** Expects a one-line user error from the CLI run in this process. */
const expectUserError = (args: string[], re: RegExp) => expectUserErrorOf(args, re, { run: cliInProcess });

test('inspect lists inputs, outputs and tap-able tensors with NHWC shapes; fused and integer tensors are not tap-able', async () => {
  const onnx = await cliInProcess(['inspect', '--teacher', FORMS.onnx.path]);
  assert.equal(onnx.code, 0, onnx.stderr);
  assert.match(onnx.stdout, /input {3}input \[batch, 1, 8, 8\] float32; layout NCHW \(guessed from the input shape/);
  assert.match(onnx.stdout, /output {2}logits \[batch, 3\] from Gemm ← class scores: 3 classes, logits/);
  assert.match(onnx.stdout, /\/act2\/Relu_output_0 +Relu +\[4, 4, 8\]/);
  assert.match(onnx.stdout, /\/Concat_output_0 +Concat +int64 values, not float32 features/);
  const graph = await cliInProcess(['inspect', '--teacher', FORMS.graph.path, '--json']);
  assert.equal(graph.code, 0, graph.stderr);
  const r = JSON.parse(graph.stdout);
  assert.deepEqual(r.taps.find((t: { name: string }) => t.name === 'conv2/Relu'), { name: 'conv2/Relu', op: '_FusedConv2D', shape: [4, 4, 8] });
  assert.match(r.notTapable.find((t: { name: string }) => t.name === 'conv2/BiasAdd').reason, /fused into conv2\/Relu/);
});

test('distill from an ONNX teacher with a feature tap caches the teacher outputs under the run and removes them at the end', async () => {
  const out = join(base, 'run');
  const r = await cli([...distillArgs, '--teacher', FORMS.onnx.path, '--feature', `student:penultimate=teacher:${TAP}`, '--out', out], { EDGE_DISTILL_QUIET: '0' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /teacher cache: 360 of 360 training samples → .*teacher-cache/);
  assert.match(r.stderr, /teacher outputs: teacher cache/);
  assert.ok(existsSync(join(out, 'metrics.json')));
  assert.ok(!existsSync(join(out, 'teacher-cache')), 'the run-local cache is training-only state');
});

test('cache --shard i/N slices, merge (a missing slice is refused), then distill --cache reuses it; another teacher is refused until --rebuild-cache', async () => {
  const slices = [0, 1].map((i) => join(base, `slice${i}`));
  for (const [i, s] of slices.entries()) {
    const r = await cliInProcess(['cache', '--teacher', FORMS.onnx.path, '--data', data, '--tap', TAP, '--shard', `${i}/2`, '--out', s, '--backend', 'wasm', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`of 360 training samples \\(slice ${i}/2\\)`));
  }
  const cache = join(base, 'cache');
  await expectUserError(['cache', 'merge', '--out', cache, slices[1]!], /cache merge: missing slice 0\/2 \(have 1\)/);
  const m = await cliInProcess(['cache', 'merge', '--out', cache, ...slices]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /merged 2 slices into .*: 360 samples/);
  const reuse = await cliInProcess([...distillArgs, '--teacher', FORMS.onnx.path, '--feature', `student:penultimate=teacher:${TAP}`, '--cache', cache, '--out', join(base, 'run2')], { EDGE_DISTILL_QUIET: '0' });
  assert.equal(reuse.code, 0, reuse.stderr);
  assert.match(reuse.stderr, /teacher outputs: reusing teacher cache/);
  assert.ok(existsSync(join(cache, 'index.json')), 'a shared --cache is kept');
  const out3 = join(base, 'run3');
  const other = [...distillArgs, '--teacher', FORMS.graph.path, '--cache', cache, '--out', out3];
  await expectUserError(other, /--cache .*cache: cannot be used: it was built for another teacher .*: the teacher file changed\. Rebuild it with --rebuild-cache/);
  assert.ok(!existsSync(out3), 'refused before the run directory was made');
  const rebuilt = await cliInProcess([...other, '--rebuild-cache']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')).teacher.kind, 'graph-model');
});

test('bad teacher files and names fail with one line: not ONNX, bad --teacher-output, bad tap', async () => {
  const bad = join(base, 'bad.onnx');
  writeFileSync(bad, 'not a model at all');
  await expectUserError([...distillArgs, '--teacher', bad, '--out', join(base, 'b1')], /bad.onnx: not an ONNX model, or truncated/);
  await expectUserError([...distillArgs, '--teacher', FORMS.graph.path, '--teacher-output', 'Identityy', '--out', join(base, 'b2')], /--teacher-output "Identityy" is not a tensor of this graph-model \(nearest: Identity/);
  await expectUserError([...distillArgs, '--teacher', FORMS.onnx.path, '--feature', 'student:penultimate=teacher:/act2/Relu_out', '--out', join(base, 'b3')], /tap "\/act2\/Relu_out" is not a tensor of this onnx \(nearest: \/act2\/Relu_output_0/);
  assert.ok(readdirSync(base).every((f) => !/^b\d$/.test(f)), 'no run directory was made');
});
