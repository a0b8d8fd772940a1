import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teacherKindOf, teacherSkipReason } from '../../../src/bench/teacher.js';

test('bench: teacher kinds and where each one runs (ONNX on onnxruntime, GraphModel on tfjs, LayersModel on both)', async () => {
  assert.equal(await teacherKindOf('test/fixtures/teachers/tiny.onnx'), 'onnx');
  assert.equal(await teacherKindOf('test/fixtures/teachers/tiny-graph/model.json'), 'graph-model');
  assert.equal(await teacherKindOf('test/fixtures/teachers/tiny-layers/model.json'), 'layers-model');
  assert.match(teacherSkipReason('onnx', 'tfjs')!, /ONNX file; tfjs cannot run it/);
  assert.equal(teacherSkipReason('onnx', 'onnxruntime'), undefined);
  assert.match(teacherSkipReason('graph-model', 'onnxruntime')!, /GraphModel, which the export stage cannot convert to ONNX/);
  assert.equal(teacherSkipReason('graph-model', 'tfjs'), undefined);
  assert.equal(teacherSkipReason('layers-model', 'tfjs'), undefined);
  assert.equal(teacherSkipReason('layers-model', 'onnxruntime'), undefined);
});

test('bench: the kinds are the teachers registry names; a missing teacher.path is named as missing', async () => {
  const { teacherKinds } = await import('../../../src/teachers/index.js');
  // teacherSkipReason keys on these names: a rename in the registry must show up here.
  assert.deepEqual(teacherKinds.names(), ['layers-model', 'graph-model', 'onnx']);
  await assert.rejects(teacherKindOf('/nonexistent/model.json'), /^UserError: \/nonexistent\/model\.json: teacher model not found \(from teacher\.path in the run's config\.json\)/);
  // An .onnx file is detected by its name; opening it (and its skip reason) is the loader's job.
  assert.equal(await teacherKindOf('/nonexistent/teacher.onnx'), 'onnx');
});
