import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, errorLines } from '../helpers/cli.js';
import { saveTinyModel, tmp } from '../helpers/tiny.js';

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
  assert.match(errorLines(r.stderr)[0]!, /bad.json: export.precision: unknown field/);
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

test('run on an image folder at 16x16x3: every stage takes the input shape from the run, and bench measures every row', async () => {
  const { default: sharp } = await import('sharp');
  const { mkdirSync } = await import('node:fs');
  const folder = join(base, 'colours');
  // Two classes a classifier can tell apart: reddish and bluish 20x24 images (not square, not 16x16).
  for (const [cls, rgb] of [['red', [200, 40, 40]], ['blue', [40, 40, 200]]] as const) {
    mkdirSync(join(folder, cls), { recursive: true });
    for (let i = 0; i < 30; i++) {
      const jitter = (v: number) => Math.max(0, Math.min(255, v + ((i * 37) % 50) - 25));
      await sharp({ create: { width: 24, height: 20, channels: 3, background: { r: jitter(rgb[0]), g: jitter(rgb[1]), b: jitter(rgb[2]) } } }).png().toFile(join(folder, cls, `${i}.png`));
    }
  }
  const out = join(base, 'colour-run');
  const cfg = join(base, 'colour.json');
  writeFileSync(cfg, JSON.stringify({
    data: { spec: folder, inputShape: [16, 16, 3] },
    trainTeacher: { arch: 'mlp:hidden=16,depth=1', epochs: 2, out: join(base, 'colour-teacher') },
    teacher: { path: join(base, 'colour-teacher', 'student', 'model.json') },
    student: { family: 'mlp', params: { hidden: 8, depth: 1 } },
    train: { epochs: 2 },
    export: { formats: ['tfjs', 'onnx'], precisions: ['fp32'] },
    bench: { only: ['node-ort-cpu', 'node-tfjs-cpu'], quick: true },
  }));
  const r = await cli(['run', '-c', cfg, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).data.inputShape, [16, 16, 3]);
  const teacherModel = JSON.parse(readFileSync(join(base, 'colour-teacher', 'student', 'model.json'), 'utf8'));
  assert.match(JSON.stringify(teacherModel.modelTopology), /\[null,16,16,3\]/, 'the teacher trained at the run\'s size too');
  const manifest = JSON.parse(readFileSync(join(out, 'export', 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.source.inputShape, [16, 16, 3]);
  const results = JSON.parse(readFileSync(join(out, 'bench', 'results.json'), 'utf8'));
  const rows = results.rows as { status: string; model: string; reason?: string; accuracy?: { value: number } }[];
  assert.ok(rows.length >= 4, `rows: ${rows.length}`);
  for (const row of rows) assert.equal(row.status, 'ok', `${row.model}: ${row.reason}`);
  // Red and blue are easy: the student, fed 16x16x3 images by every runtime, gets them right.
  for (const row of rows.filter((x) => x.model === 'student')) assert.ok(row.accuracy!.value >= 0.9, `accuracy ${row.accuracy!.value}`);

  // The size can also come from the teacher alone (no data.inputShape): config.json records it for export and bench.
  const teacher = await saveTinyModel({ inputShape: [16, 16, 3], classes: 2 });
  const out2 = join(base, 'colour-run-2');
  const cfg2 = join(base, 'colour2.json');
  writeFileSync(cfg2, JSON.stringify({
    data: { spec: folder }, teacher: { path: teacher }, student: { family: 'mlp', params: { hidden: 8, depth: 1 } }, train: { epochs: 1 },
    export: { formats: ['onnx'], precisions: ['fp32'] }, bench: { only: ['node-ort-cpu'], quick: true },
  }));
  const r2 = await cli(['run', '-c', cfg2, '--out', out2, '--quiet']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(out2, 'config.json'), 'utf8')).data.inputShape, [16, 16, 3]);
  for (const row of JSON.parse(readFileSync(join(out2, 'bench', 'results.json'), 'utf8')).rows) assert.equal(row.status, 'ok', row.reason);

  // The student at its own smaller size (8x8) under the 16x16 teacher: export and bench feed it 8x8x3, the teacher 16x16x3.
  const out3 = join(base, 'colour-run-3');
  const cfg3 = join(base, 'colour3.json');
  writeFileSync(cfg3, JSON.stringify({
    data: { spec: folder, inputShape: [16, 16, 3] }, teacher: { path: join(base, 'colour-teacher', 'student', 'model.json') },
    student: { family: 'cnn', params: { width: 0.5, depth: 1 } }, train: { epochs: 3 },
    export: { formats: ['tfjs', 'onnx'], precisions: ['fp32'] }, bench: { only: ['node-ort-cpu', 'node-tfjs-cpu'], quick: true },
  }));
  const r3 = await cli(['run', '-c', cfg3, '--student-input', '8x8', '--out', out3, '--quiet']);
  assert.equal(r3.code, 0, r3.stderr);
  const c3 = JSON.parse(readFileSync(join(out3, 'config.json'), 'utf8'));
  assert.deepEqual([c3.data.inputShape, c3.student.inputShape], [[16, 16, 3], [8, 8, 3]]);
  assert.deepEqual(JSON.parse(readFileSync(join(out3, 'export', 'manifest.json'), 'utf8')).source.inputShape, [8, 8, 3]);
  const rows3 = JSON.parse(readFileSync(join(out3, 'bench', 'results.json'), 'utf8')).rows as { status: string; model: string; reason?: string; accuracy?: { value: number } }[];
  for (const row of rows3) assert.equal(row.status, 'ok', `${row.model}: ${row.reason}`);
  assert.ok(rows3.some((x) => x.model === 'teacher') && rows3.some((x) => x.model === 'student'));
  for (const row of rows3) assert.ok(row.accuracy!.value >= 0.9, `${row.model} accuracy ${row.accuracy!.value}`);
  const bad = await cli(['distill', '--teacher', join(base, 'colour-teacher', 'student', 'model.json'), '--data', folder, '--student-input', '8x8x1', '--out', join(base, 'colour-bad')]);
  assert.equal(bad.code, 1);
  assert.match(errorLines(bad.stderr)[0]!, /--student-input 8x8x1: 1 channel, but the data has 3/);
  assert.ok(!existsSync(join(base, 'colour-bad')));
});
