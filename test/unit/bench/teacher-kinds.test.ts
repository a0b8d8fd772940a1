import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teacherUnsupported } from '../../../src/bench/teacher.js';

test('bench: ONNX and GraphModel teachers are reported as skipped (with the reason), LayersModel teachers are measured', async () => {
  assert.match((await teacherUnsupported('test/fixtures/teachers/tiny.onnx'))!, /teacher is an ONNX file/);
  assert.match((await teacherUnsupported('test/fixtures/teachers/tiny-graph/model.json'))!, /teacher is a tfjs GraphModel/);
  assert.equal(await teacherUnsupported('test/fixtures/teachers/tiny-layers/model.json'), undefined);
});
