import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { teacherOnnx, teacherTfjs, type ExportApi } from '../../../src/bench/teacher.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';
import { makeRunDir, artifactFor, FIXTURES } from './fixtures.js';

const data = { spec: 'mnist', seed: 1234 };

test('the tfjs teacher is its model.json folder, sized raw and gzip', async () => {
  const run = await makeRunDir({ withExports: false });
  const ref = await teacherTfjs(join(run, 'teacher', 'model.json'));
  assert.equal(ref.role, 'teacher');
  assert.deepEqual(ref.artifact.files, ['model.json', 'group1-shard1of1.bin']);
  assert.ok(ref.artifact.bytes > ref.artifact.gzipBytes && ref.artifact.gzipBytes > 0);
  await assert.rejects(teacherTfjs(join(run, 'nope', 'model.json')), (e: unknown) => e instanceof UserError && /teacher model not found/.test(e.message));
});

test('teacher ONNX: the export stage output is used for onnxruntime targets', async () => {
  const run = await makeRunDir({ withExports: false });
  const model = join(run, 'teacher', 'model.json');
  // A stand-in export stage that "converts" by copying the ONNX fixture, as the contract describes its output.
  let seen: Parameters<ExportApi['exportModel']>[0] | undefined;
  const fake: ExportApi = {
    async exportModel(opts) {
      seen = opts;
      await mkdir(join(opts.out, 'onnx-fp32'), { recursive: true });
      await copyFile(join(FIXTURES, 'tiny-cnn.onnx'), join(opts.out, 'onnx-fp32', 'model.onnx'));
      const a = await artifactFor('onnx', join(opts.out, 'onnx-fp32'), ['model.onnx']);
      return { source: { model: opts.model, run: null }, artifacts: [{ ...a, dir: 'onnx-fp32' }] };
    },
  };
  const r = await teacherOnnx(model, data, silentLogger, async () => fake);
  assert.ok(r.ok);
  assert.deepEqual({ formats: seen!.formats, precisions: seen!.precisions, data: seen!.data }, { formats: ['onnx'], precisions: ['fp32'], data });
  assert.ok(existsSync(join(r.ref.dir, r.ref.artifact.entry)));
  await r.cleanup();
  assert.ok(!existsSync(r.ref.dir));
  const failing: ExportApi = { exportModel: async () => Promise.reject(new UserError('unsupported layer Foo')) };
  assert.deepEqual(await teacherOnnx(model, data, silentLogger, async () => failing), { ok: false, reason: 'teacher has no ONNX export (the export stage failed: unsupported layer Foo)' });
});
