import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../helpers/backend.js';
import { tmp, writeIdxBands } from '../../helpers/tiny.js';
import { FORMS } from '../../helpers/fixtures.js';
import { preprocessImages, teacherOnnxFile, teacherPreprocessOf } from '../../../src/bench/teacher.js';
import { loadTestData } from '../../../src/bench/data.js';
import { distill } from '../../../src/distill/index.js';
import { exportRun } from '../../../src/export/index.js';
import { runBench } from '../../../src/bench/run.js';
import { silentLogger } from '../../../src/core/progress.js';

before(() => useBackend('wasm'));

test('preprocessImages: (x · scale − mean[c]) / std[c] per channel of NHWC values, worked by hand', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // two pixels, three channels
  assert.deepEqual(Array.from(preprocessImages(x, 3, { scale: 2, mean: [1, 2, 3], std: [1, 2, 4] })), [1, 1, 0.75, 7, 4, 2.25]);
  assert.deepEqual(Array.from(preprocessImages(x, 3, { scale: 1, mean: [1], std: [2] })), [0, 0.5, 1, 1.5, 2, 2.5]);
  assert.deepEqual(Array.from(x), [1, 2, 3, 4, 5, 6], 'the input is left alone');
  assert.equal(teacherPreprocessOf({ path: 't', preprocess: { scale: 1 } }), undefined, 'identity: the data is not copied');
  assert.equal(teacherPreprocessOf({ path: 't', preprocess: { scale: 1, mean: [0], std: [1] } }), undefined);
  assert.deepEqual(teacherPreprocessOf({ path: 't', preprocess: { scale: 2, mean: [0.5] } }), { scale: 2, mean: [0.5] });
});

test('teacherOnnxFile: the file itself with the layout the loader found; one the loader refuses becomes a skip reason', async () => {
  const r = await teacherOnnxFile({ path: FORMS.onnx.path });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.ref.artifact.layout, 'nchw');
  assert.equal(r.ref.artifact.entry, 'tiny.onnx');
  assert.equal(r.ref.artifact.bytes, statSync(FORMS.onnx.path).size);
  const tapAsOutput = await teacherOnnxFile({ path: FORMS.onnx.path, output: FORMS.onnx.taps[2] });
  assert.ok(!tapAsOutput.ok);
  assert.match(tapAsOutput.reason, /^the ONNX teacher could not be opened \(.*tiny\.onnx: output \/act2\/Relu_output_0 has shape \[4, 8, 4, 4\].*expected \[batch, classes\]/);
});

test('bench measures ONNX teachers on onnxruntime targets and tfjs GraphModel/LayersModel teachers on tfjs targets, fed like distill fed them; accuracy matches onnxruntime run by hand', async () => {
  const data = `idx:${writeIdxBands({ train: 240, test: 60 })}`;
  const run = join(tmp('ed-onnx-teacher-'), 'run');
  const preprocess = { scale: 2, mean: [0.5] };
  await distill({
    config: { teacher: { path: FORMS.onnx.path, preprocess }, data: { spec: data }, student: { family: 'mlp', params: { hidden: 8, depth: 1 } }, train: { epochs: 1, batchSize: 32, backend: 'wasm' } },
    out: run, quiet: true, log: silentLogger,
  });
  await exportRun({ run, formats: ['onnx'], precisions: ['fp32'], log: silentLogger });
  const res = await runBench({ runDir: run, only: ['node-ort-cpu', 'node-tfjs-wasm'], quick: true, quiet: true });
  const ortRow = res.rows.find((r) => r.target === 'node-ort-cpu' && r.model === 'teacher')!;
  assert.equal(ortRow.status, 'ok', ortRow.reason);
  assert.ok(ortRow.latency!.p50 > 0);
  assert.equal(ortRow.artifact?.layout, 'nchw');
  const tfjsRow = res.rows.find((r) => r.target === 'node-tfjs-wasm' && r.model === 'teacher')!;
  assert.equal(tfjsRow.status, 'skipped');
  assert.match(tfjsRow.reason!, /ONNX file; tfjs cannot run it/);
  assert.ok(res.rows.find((r) => r.target === 'node-ort-cpu' && r.model === 'student')!.speedup !== undefined, 'the student gets a speedup over the teacher');

  // Independent: onnxruntime-node on the same test images, transposed to NCHW and preprocessed here.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(FORMS.onnx.path);
  const td = await loadTestData({ spec: data, seed: 1234 });
  const [h, w, c] = td.shape;
  let correct = 0;
  for (let i = 0; i < td.n; i++) {
    const nchw = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) nchw[k * h * w + y * w + x] = td.x[i * h * w * c + (y * w + x) * c + k]! * 2 - 0.5;
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', nchw, [1, c, h, w]) });
    const logits = out[session.outputNames[0]!]!.data as Float32Array;
    if (logits.indexOf(Math.max(...logits)) === td.y[i]) correct++;
  }
  await session.release();
  assert.equal(ortRow.accuracy!.correct, correct);
  assert.equal(ortRow.accuracy!.total, td.n);

  // The same network as a tfjs GraphModel and LayersModel (same weights): the bench runs them on tfjs targets, with
  // the same preprocessing, and all three forms get the same accuracy.
  for (const form of ['graph', 'layers'] as const) {
    const cfgPath = join(run, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, teacher: { ...cfg.teacher, path: FORMS[form].path, layout: 'auto' } }));
    const r = await runBench({ runDir: run, only: ['node-ort-cpu', 'node-tfjs-wasm'], quick: true, quiet: true });
    const tf = r.rows.find((x) => x.target === 'node-tfjs-wasm' && x.model === 'teacher')!;
    assert.equal(tf.status, 'ok', `${form}: ${tf.reason}`);
    assert.equal(tf.accuracy!.correct, correct, `${form} teacher on tfjs: same accuracy as onnxruntime on the ONNX form`);
    const ortTeacher = r.rows.find((x) => x.target === 'node-ort-cpu' && x.model === 'teacher')!;
    if (form === 'graph') {
      assert.equal(ortTeacher.status, 'skipped');
      assert.match(ortTeacher.reason!, /GraphModel, which the export stage cannot convert to ONNX/);
    } else {
      assert.equal(ortTeacher.status, 'ok', ortTeacher.reason);
      assert.equal(ortTeacher.accuracy!.correct, correct, 'LayersModel teacher exported to ONNX: same accuracy');
    }
  }
});
