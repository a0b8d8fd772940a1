import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, errorLines } from '../helpers/cli.js';
import { tmp } from '../helpers/tiny.js';

const base = tmp('ed-run-');
const config = (only: string[]) => ({
  data: { spec: 'mnist', trainLimit: 512 },
  trainTeacher: { arch: 'mlp:hidden=32,depth=1', epochs: 1, out: join(base, 'teacher') },
  teacher: { path: join(base, 'teacher', 'student', 'model.json') },
  student: { family: 'mlp', params: { hidden: 8, depth: 1 } },
  train: { epochs: 1 },
  export: { formats: ['onnx'], precisions: ['fp32'] },
  bench: { only, quick: true, testLimit: 64 },
});

test('run: a failed stage is recorded; re-running resumes after the last good stage', async () => {
  const out = join(base, 'run');
  const cfg = join(base, 'c.json');
  writeFileSync(cfg, JSON.stringify(config(['no-such-target'])));
  const r1 = await cli(['run', '-c', cfg, '--out', out, '--quiet']);
  assert.equal(r1.code, 1, r1.stderr);
  assert.match(errorLines(r1.stderr)[0]!, /--only no-such-target: no such target/);
  const s1 = JSON.parse(readFileSync(join(out, 'pipeline.json'), 'utf8'));
  assert.equal(s1.stages.teacher.status, 'done');
  assert.equal(s1.stages.distill.status, 'done');
  assert.equal(s1.stages.export.status, 'done');
  assert.equal(s1.stages.bench.status, 'failed');
  assert.match(s1.stages.bench.error, /no such target/);

  // Fixing the bench settings is allowed (bench has not run); finished stages are not redone.
  writeFileSync(cfg, JSON.stringify(config(['node-ort-cpu'])));
  const r2 = await cli(['run', '-c', cfg, '--out', out, '--quiet'], { EDGE_DISTILL_QUIET: '0' });
  assert.equal(r2.code, 0, r2.stderr);
  for (const s of ['teacher', 'distill', 'export']) assert.match(r2.stderr, new RegExp(`== ${s}: already done, not redone`));
  assert.match(r2.stdout, /\| node-ort-cpu \| student onnx\/fp32 \|/);
  assert.ok(existsSync(join(out, 'bench', 'report.html')));

  // Changing the settings of a finished stage is refused.
  const changed = { ...config(['node-ort-cpu']), train: { epochs: 2 } };
  writeFileSync(cfg, JSON.stringify(changed));
  const r3 = await cli(['run', '-c', cfg, '--out', out]);
  assert.equal(r3.code, 1);
  assert.match(errorLines(r3.stderr)[0]!, /its distill stage already ran with different settings \(train.epochs: 1 ≠ 2\)/);
});

test('run: a config with unknown keys or wrong types is refused with path.to.field', async () => {
  const cfg = join(base, 'bad.json');
  writeFileSync(cfg, JSON.stringify({ ...config(['node-ort-cpu']), export: { formats: ['onnx'], precision: ['fp32'] } }));
  const r = await cli(['run', '-c', cfg, '--out', join(base, 'bad')]);
  assert.equal(r.code, 1);
  assert.match(errorLines(r.stderr)[0]!, /bad.json: export: Unrecognized key: "precision"/);
  const r2 = await cli(['run', '-c', join(base, 'missing.json'), '--out', join(base, 'bad')]);
  assert.match(errorLines(r2.stderr)[0]!, /missing.json: not found/);
});

test('run with the stages\' flags instead of a config: --candidates, export and bench flags land in the saved config', async () => {
  const teacher = join(base, 'teacher', 'student', 'model.json');
  if (!existsSync(teacher)) {
    const t = await cli(['train-teacher', '--data', 'mnist', '--train-limit', '256', '--arch', 'mlp:hidden=32,depth=1', '--epochs', '1', '--out', join(base, 'teacher'), '--quiet']);
    assert.equal(t.code, 0, t.stderr);
  }
  const out = join(base, 'flags');
  const r = await cli(['run', '--teacher', teacher, '--data', 'mnist', '--train-limit', '256', '--student', 'mlp', '--max-bytes', '30000', '--candidates', '2', '--epochs', '1',
    '--format', 'onnx', '--quantize', 'none', '--only', 'node-ort-cpu', '--quick', '--test-limit', '64', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const saved = JSON.parse(readFileSync(join(out, 'pipeline-config.json'), 'utf8'));
  assert.equal(saved.student.candidates, 2);
  assert.deepEqual(saved.export.formats, ['onnx']);
  assert.deepEqual(saved.bench.only, ['node-ort-cpu']);
  assert.equal(saved.bench.testLimit, 64);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.architecture.trained.length, 2);
  assert.match(r.stdout, /\| node-ort-cpu \| student onnx\/fp32 \|/);
  const none = await cli(['run', '--out', join(base, 'noflags')]);
  assert.equal(none.code, 1);
  assert.match(errorLines(none.stderr)[0]!, /-c\/--config: missing; give a pipeline config .*or the stages' flags/);
});
