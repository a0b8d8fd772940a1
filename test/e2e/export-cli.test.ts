/**
 * The export command end to end, as a user runs it: a spawned process (`node --import tsx test/helpers/cli-entry.ts`,
 * i.e. the real CLI from source; bin/edge-distill.js would need `npm run build` first), its exit codes, stdout and
 * stderr, and the files it leaves.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, loadTf } from '../../src/runtime/backend.js';
import { openDataset } from '../../src/data/index.js';
import { readExportManifest } from '../../src/export/index.js';
import { tinyCnn, trainBriefly } from '../helpers/tiny-models.js';
import { makeRunDir } from '../helpers/run-dir.js';
import { saveLayersModelToDir } from '../../src/runtime/model-io.js';
import { onnxCheckerSkipReason, runOnnxChecker } from '../helpers/onnx-check.js';
import { cli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'ed-export-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
let run: string;

/** A user error: exit 1, one `error: ...` line on stderr, no stack trace. */
function assertUserError(r: { code: number; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  // tfjs's own cpu-backend banner ("Hi, looks like you are running TensorFlow.js in Node.js ...") is not ours.
  const banner = /\n?=+\nHi, looks like you are running TensorFlow\.js in Node\.js[^\n]*\n=+\n?/;
  const lines = r.stderr.replace(banner, '').trim().split('\n').filter((l) => !l.startsWith('warning:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, re);
}

before(async () => {
  await initBackend('wasm');
  const tf = await loadTf();
  const model = tinyCnn(tf);
  await trainBriefly(tf, model, await openDataset('mnist', { seed: 1234 }), 2000);
  run = await makeRunDir(join(root, 'run'), model);
});

test('export --run writes tfjs and ONNX at fp32, uint8 and int8; stdout is the manifest path', async () => {
  const r = await cli(['export', '--run', run, '--format', 'tfjs,onnx', '--quantize', 'none,uint8,int8', '--parity-samples', '256', '--backend', 'wasm', '--calibration', '64']);
  assert.equal(r.code, 0, r.stderr);
  const manifestPath = join(run, 'export', 'manifest.json');
  assert.equal(r.stdout.trim(), manifestPath);
  const m = await readExportManifest(manifestPath);
  assert.deepEqual(m.artifacts.map((a) => a.dir), ['tfjs-fp32', 'tfjs-uint8', 'onnx-fp32', 'onnx-int8']);
  assert.equal(m.data?.calibration, 64);
  assert.equal(m.backend, 'wasm');
  for (const a of m.artifacts) assert.equal(a.parity.status, 'pass');
});

test('the ONNX files the CLI wrote pass the onnx checker', { skip: onnxCheckerSkipReason() }, () => {
  const out = join(run, 'export');
  assert.deepEqual(runOnnxChecker([join(out, 'onnx-fp32', 'model.onnx'), join(out, 'onnx-int8', 'model.onnx')]), {});
});

test('export --model with --onnx-layout nchw and --onnx-batch into a fresh --out', async () => {
  const out = join(root, 'nchw');
  const r = await cli(['export', '--model', join(run, 'student', 'model.json'), '--data', 'mnist', '--format', 'onnx', '--onnx-layout', 'nchw', '--onnx-batch', '8', '--parity-samples', '260', '--out', out, '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const m = await readExportManifest(out);
  assert.equal(m.artifacts[0]!.layout, 'nchw');
  assert.equal(m.artifacts[0]!.parity.samples, 260);
  assert.ok(m.artifacts[0]!.parity.runtimes.every((x) => x.maxAbsDiff <= 1e-4));
});

test('bad input: exit 1 with one error line, nothing written', async () => {
  const out = join(root, 'never');
  assertUserError(await cli(['export', '--run', join(root, 'nope'), '--out', out]), /--run .*nope: not a directory/);
  assertUserError(await cli(['export', '--run', run, '--format', 'tfjs,coreml', '--out', out]), /unknown export format: "coreml". Must be one of \[tfjs, onnx\]/);
  assertUserError(await cli(['export', '--run', run, '--quantize', 'int3', '--out', out]), /unknown precision: "int3"/);
  assertUserError(await cli(['export', '--run', run, '--model', 'x/model.json']), /exactly one of --run DIR or --model/);
  assertUserError(await cli(['export', '--run', run, '--onnx-batch', 'two', '--out', out]), /--onnx-batch two: expected an integer ≥ 1/);
  assertUserError(await cli(['export', '--run', run, '--bogus']), /Unknown option '--bogus'.*see edge-distill export --help/);
  // The run's export folder from the first test holds files: refused without --force.
  assertUserError(await cli(['export', '--run', run]), /--out .*export: folder exists and holds .*pass --force/);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(root).filter((f) => f.startsWith('.')), []);
});

test('bad model input: exit 1 with one error line for a run without a student, an unsupported layer, a truncated shard', async () => {
  const tf = await loadTf();
  const empty = await makeRunDir(join(root, 'empty-run'), null);
  assertUserError(await cli(['export', '--run', empty]), /no student model at .*student\/model\.json/);
  assert.deepEqual(readdirSync(empty), ['config.json']);

  const lstm = join(root, 'lstm');
  await saveLayersModelToDir(tf.sequential({ layers: [tf.layers.lstm({ inputShape: [5, 3], units: 4 }), tf.layers.dense({ units: 2 })] }), lstm);
  assertUserError(
    await cli(['export', '--model', join(lstm, 'model.json'), '--backend', 'cpu']),
    /ONNX export: layer "lstm\w*" \(class LSTM\) cannot be written as ONNX; supported layer classes: \[InputLayer, Conv2D,/,
  );
  assert.ok(!existsSync(join(lstm, 'export')));

  const cut = join(root, 'cut');
  await saveLayersModelToDir(tinyCnn(tf), cut);
  truncateSync(join(cut, 'group1-shard1of1.bin'), 10);
  assertUserError(await cli(['export', '--model', join(cut, 'model.json'), '--data', 'mnist', '--backend', 'cpu']), /hold 10 bytes but the manifest declares \d+; the files are truncated/);
  assert.ok(!existsSync(join(cut, 'export')));
});

test('export --help lists the flags without loading tfjs', async () => {
  const r = await cli(['export', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--run', '--model', '--format', '--quantize', '--out', '--force', '--onnx-batch', '--onnx-layout', '--calibration', '--tolerance', '--backend']) assert.ok(r.stdout.includes(flag), flag);
});
