/**
 * exportModel / exportRun: the folder layout, manifest and parity.json, and every refusal (one-line UserError,
 * nothing written): run without a student, unsupported layer, unknown format/precision, occupied output folder,
 * truncated weight shard, failed fp32 parity, int8 without data.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { initBackend, loadTf } from '../../../src/runtime/backend.js';
import { openDataset } from '../../../src/data/index.js';
import { UserError } from '../../../src/core/errors.js';
import { saveLayersModelToDir } from '../../../src/runtime/model-io.js';
import { exportModel, exportRun, readExportManifest, type ParityReport } from '../../../src/export/index.js';
import { tinyCnn, trainBriefly } from '../../helpers/tiny-models.js';
import { makeRunDir } from '../../helpers/run-dir.js';

const root = mkdtempSync(join(tmpdir(), 'ed-export-api-'));
after(() => rmSync(root, { recursive: true, force: true }));
let tf: typeof tfType;
let run: string;

before(async () => {
  await initBackend('wasm');
  tf = await loadTf();
  const model = tinyCnn(tf);
  await trainBriefly(tf, model, await openDataset('mnist', { seed: 1234 }), 2000);
  run = await makeRunDir(join(root, 'run'), model);
});

/** Asserts `p` rejects with a one-line UserError matching `re`. */
async function refuses(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), `multi-line message: ${e.message}`);
    return true;
  });
}

/** Hidden staging/aside folders left next to `dir` (there must be none). */
const leftovers = (parent: string) => readdirSync(parent).filter((f) => f.startsWith('.'));

test('exportRun writes one folder per format × precision, manifest.json and parity.json, with honest sizes', async () => {
  const tensors = tf.memory().numTensors;
  const manifest = await exportRun({ run, formats: ['tfjs', 'onnx'], precisions: ['none', 'uint8', 'int8'], paritySamples: 256 });
  assert.equal(tf.memory().numTensors, tensors, 'exportRun leaked tensors');
  const out = join(run, 'export');
  assert.deepEqual(readdirSync(out).sort(), ['manifest.json', 'onnx-fp32', 'onnx-int8', 'tfjs-fp32', 'tfjs-uint8']);
  assert.deepEqual(manifest, await readExportManifest(out));
  assert.deepEqual(manifest.skipped.map((s) => `${s.format}-${s.precision}`), ['tfjs-int8', 'onnx-uint8']);
  assert.equal(manifest.source.run, run);
  assert.deepEqual(manifest.source.inputShape, [28, 28, 1]);
  assert.deepEqual(manifest.data && [manifest.data.spec, manifest.data.seed, manifest.data.split, manifest.data.samples, manifest.data.calibration], ['mnist', 1234, 'test', 256, 128]);
  for (const a of manifest.artifacts) {
    const bytes = a.files.reduce((s, f) => s + statSync(join(out, a.dir, f)).size, 0);
    assert.equal(a.bytes, bytes, `${a.dir}: bytes`);
    assert.ok(a.gzipBytes > 0 && a.gzipBytes < a.bytes, `${a.dir}: gzip ${a.gzipBytes}`);
    const report = JSON.parse(readFileSync(join(out, a.parity.file), 'utf8')) as ParityReport;
    assert.equal(report.status, 'pass');
    assert.equal(report.samples, 256);
    assert.ok(report.reference.accuracy! > 0.6, `source accuracy ${report.reference.accuracy}`);
    const runtimes = report.runtimes.map((r) => r.runtime);
    assert.deepEqual(runtimes, a.format === 'tfjs' ? ['tfjs-wasm'] : ['onnxruntime-node', 'onnxruntime-web-wasm']);
    for (const r of report.runtimes) {
      if (a.precision === 'fp32') assert.ok(r.maxAbsDiff <= 1e-4, `${a.dir} ${r.runtime}: ${r.maxAbsDiff}`);
      else {
        assert.ok(Math.abs(r.accuracy! - report.reference.accuracy!) <= 0.03, `${a.dir} ${r.runtime}: acc ${r.accuracy} vs ${report.reference.accuracy}`);
        assert.ok(report.size.reduction > 0.4, `${a.dir}: reduction ${report.size.reduction}`);
      }
    }
  }
  assert.equal(manifest.artifacts.find((a) => a.dir === 'onnx-fp32')!.inputName, 'input');
  assert.deepEqual(leftovers(run), []);
});

test('a run directory without a student is refused before anything is written', async () => {
  const empty = await makeRunDir(join(root, 'no-student'), null);
  await refuses(exportRun({ run: empty }), /no student model at .*student\/model\.json/);
  assert.ok(!existsSync(join(empty, 'export')));
  await refuses(exportRun({ run: join(root, 'does-not-exist') }), /not a directory/);
});

test('a layer no exporter supports is refused by name, class and supported list, before anything is written', async () => {
  const m = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }), tf.layers.upSampling2d({}), tf.layers.flatten(), tf.layers.dense({ units: 3 })] });
  const dir = join(root, 'upsample');
  await saveLayersModelToDir(m, dir);
  const out = join(root, 'upsample-out');
  await refuses(exportModel({ model: join(dir, 'model.json'), out }), /layer "up_sampling2d\w*" \(class UpSampling2D\) cannot be written as ONNX; supported layer classes: \[InputLayer, Conv2D, .*Dense.*\]/);
  assert.ok(!existsSync(out));
  // A class tfjs itself does not know cannot even be loaded.
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  json.modelTopology.config.layers[1].class_name = 'MyCustomLayer';
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  await refuses(exportModel({ model: join(dir, 'model.json'), out, formats: ['tfjs'] }), /tfjs could not build the model \(.*MyCustomLayer/);
  assert.ok(!existsSync(out));
});

test('unknown format or precision, and impossible combinations, are refused with the allowed values', async () => {
  const out = join(root, 'bad-flags');
  await refuses(exportRun({ run, out, formats: ['tflite'] }), /unknown export format: "tflite". Must be one of \[tfjs, onnx\]/);
  await refuses(exportRun({ run, out, precisions: ['int4'] }), /unknown precision: "int4". Must be one of \[none, fp32, float16, uint16, uint8, int8\]/);
  await refuses(exportRun({ run, out, formats: ['onnx'], precisions: ['uint8'] }), /precision uint8 is not available for --format onnx \(onnx: \[fp32, int8\]\)/);
  await refuses(exportRun({ run, out, onnxLayout: 'nwhc' as 'nhwc' }), /--onnx-layout nwhc: must be one of \[nhwc, nchw\]/);
  assert.ok(!existsSync(out));
});

test('an output folder holding other files is refused unless --force; --force replaces it whole, never the model itself', async () => {
  const out = join(root, 'occupied');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  await refuses(exportRun({ run, out, formats: ['tfjs'] }), /--out .*occupied: folder exists and holds 1 entry \(notes\.txt\); pass --force/);
  assert.deepEqual(readdirSync(out), ['notes.txt']);
  await exportRun({ run, out, formats: ['tfjs'], force: true, paritySamples: 64 });
  assert.deepEqual(readdirSync(out).sort(), ['manifest.json', 'tfjs-fp32']);
  assert.deepEqual(leftovers(root), []);
  await refuses(exportRun({ run, out: run, formats: ['tfjs'], force: true }), /holds .*student\/model\.json|holds .*run, which this export reads/);
  assert.ok(existsSync(join(run, 'student', 'model.json')));
});

test('a failed fp32 parity check fails the export and leaves the previous folder untouched', async () => {
  const out = join(root, 'strict');
  await exportRun({ run, out, formats: ['onnx'], paritySamples: 64 });
  const before = readFileSync(join(out, 'manifest.json'), 'utf8');
  // onnxruntime differs from tfjs by ~1e-6, so a zero tolerance must fail.
  await refuses(exportRun({ run, out, formats: ['onnx'], tolerance: 0, force: true, paritySamples: 64 }), /export failed its parity check, nothing was written: onnx-fp32: onnxruntime-node: max abs diff .* > tolerance 0/);
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), before);
  assert.deepEqual(leftovers(root), []);
});

test('a truncated weight shard is refused with the byte counts', async () => {
  const dir = join(root, 'truncated');
  await saveLayersModelToDir(tinyCnn(tf), dir);
  const shard = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
  truncateSync(join(dir, shard), 100);
  const out = join(root, 'truncated-out');
  await refuses(exportModel({ model: join(dir, 'model.json'), out, data: { spec: 'mnist' } }), /weight files group1-shard1of1\.bin hold 100 bytes but the manifest declares \d+; the files are truncated/);
  assert.ok(!existsSync(out));
});

test('int8 without data, or data of the wrong shape, is refused', async () => {
  const out = join(root, 'int8-nodata');
  await refuses(exportModel({ model: join(run, 'student', 'model.json'), out, precisions: ['int8'] }), /int8 export needs calibration data: pass --data SPEC/);
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [10, 10, 1] }), tf.layers.dense({ units: 2 })] });
  await refuses(exportModel({ model: m, out, data: { spec: 'mnist' } }), /the model takes inputs of shape \[10, 10, 1\] but data "mnist" gives \[28, 28, 1\]/);
  assert.ok(!existsSync(out));
});

test('without data, parity runs on seeded random inputs and records no accuracy', async () => {
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'relu' }), tf.layers.dense({ units: 3 })] });
  const out = join(root, 'mlp');
  const tensors = tf.memory().numTensors;
  const manifest = await exportModel({ model: m, out, formats: ['onnx', 'tfjs'], precisions: ['fp32', 'float16'], onnxBatch: 5, paritySamples: 303 });
  assert.equal(tf.memory().numTensors, tensors, 'exportModel leaked tensors');
  assert.equal(manifest.data, null);
  const onnx = manifest.artifacts.find((a) => a.dir === 'onnx-fp32')!;
  assert.equal(onnx.parity.samples, 303); // 60 full batches of 5 and a zero-padded one
  assert.equal(onnx.parity.reference.accuracy, null);
  assert.match(onnx.parity.inputs, /seeded uniform/);
  assert.deepEqual(manifest.artifacts.map((a) => a.dir), ['onnx-fp32', 'tfjs-fp32', 'tfjs-float16']);
});
