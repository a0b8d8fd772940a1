import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teacherKindOf, teacherSkipReason } from '../../../src/bench/teacher.js';

test('bench: teacher kinds and where each one runs (ONNX on onnxruntime, GraphModel on tfjs, LayersModel on both)', async () => {
  assert.equal(await teacherKindOf('test/fixtures/teachers/tiny.onnx'), 'onnx');
  assert.equal(await teacherKindOf('test/fixtures/teachers/tiny-graph/model.json'), 'graph-model');
  assert.equal(await teacherKindOf('test/fixtures/teachers/tiny-layers/model.json'), 'layers');
  assert.match(teacherSkipReason('onnx', 'tfjs')!, /ONNX file; tfjs cannot run it/);
  assert.equal(teacherSkipReason('onnx', 'onnxruntime'), undefined);
  assert.match(teacherSkipReason('graph-model', 'onnxruntime')!, /GraphModel, which the export stage cannot convert to ONNX/);
  assert.equal(teacherSkipReason('graph-model', 'tfjs'), undefined);
  assert.equal(teacherSkipReason('layers', 'tfjs'), undefined);
  assert.equal(teacherSkipReason('layers', 'onnxruntime'), undefined);
});
