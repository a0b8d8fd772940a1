import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { cli, expectUserError } from '../helpers/cli.js';
import { saveTinyModel, tmp } from '../helpers/tiny.js';

const base = tmp('ed-unlabeled-');

/** `n` 16x16 PNGs of one tint with a little seeded variation, into `dir`. */
async function images(dir: string, n: number, rgb: readonly [number, number, number]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const j = ((i * 37) % 40) - 20;
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: rgb[0] + j, g: rgb[1], b: rgb[2] - j } } }).png().toFile(join(dir, `${i}.png`));
  }
}

test('unlabeled images: next to labelled data (hard-ce skips them) and alone (accuracy is agreement with the teacher), through export and bench; bad combinations refused', async () => {
  const labeled = join(base, 'labeled');
  await images(join(labeled, 'red'), 12, [200, 40, 60]);
  await images(join(labeled, 'blue'), 12, [60, 40, 200]);
  const unl = join(base, 'unlabeled');
  await images(unl, 30, [130, 40, 130]);
  const teacher = await saveTinyModel({ inputShape: [16, 16, 3], classes: 2 });
  const common = ['--teacher', teacher, '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '1', '--batch-size', '8', '--quiet'];

  const mixed = join(base, 'mixed');
  const r1 = await cli(['distill', ...common, '--data', labeled, '--unlabeled', unl, '--loss', 'soft-kl=0.5,hard-ce=0.5', '--out', mixed]);
  assert.equal(r1.code, 0, r1.stderr);
  const c1 = JSON.parse(readFileSync(join(mixed, 'config.json'), 'utf8'));
  assert.equal(c1.data.unlabeled, unl);
  const m1 = JSON.parse(readFileSync(join(mixed, 'metrics.json'), 'utf8'));
  assert.ok(m1.test.unlabeledAgreement >= 0 && m1.test.unlabeledAgreement <= 1, JSON.stringify(m1.test));
  assert.equal(m1.test.against, undefined);

  const alone = join(base, 'alone');
  const cfg = join(base, 'alone.json');
  writeFileSync(cfg, JSON.stringify({ export: { formats: ['onnx'], precisions: ['fp32'] }, bench: { only: ['node-ort-cpu'], quick: true } }));
  const r2 = await cli(['run', '-c', cfg, ...common, '--unlabeled', unl, '--loss', 'soft-kl=1', '--out', alone]);
  assert.equal(r2.code, 0, r2.stderr);
  const c2 = JSON.parse(readFileSync(join(alone, 'config.json'), 'utf8'));
  assert.equal(c2.data.spec, `unlabeled:${unl}`);
  const m2 = JSON.parse(readFileSync(join(alone, 'metrics.json'), 'utf8'));
  assert.equal(m2.test.against, 'teacher');
  assert.equal(m2.test.n, 3, '10% of 30 images held out');
  assert.equal(m2.test.accuracy, m2.test.agreement, 'accuracy on teacher labels is the agreement');
  const rows = JSON.parse(readFileSync(join(alone, 'bench', 'results.json'), 'utf8')).rows as { model: string; status: string; reason?: string; accuracy?: unknown }[];
  for (const row of rows) assert.equal(row.status, 'ok', `${row.model}: ${row.reason}`);
  assert.ok(rows.every((row) => row.accuracy === undefined), 'no labels, no accuracy rows');

  const bad = join(base, 'bad');
  await expectUserError(['distill', ...common, '--unlabeled', unl, '--loss', 'soft-kl=0.5,hard-ce=0.5', '--out', bad], /--data unlabeled:.*: hard-ce needs labels, which these images do not have/, { out: bad });
  await expectUserError(['distill', '--unlabeled', unl, '--loss', 'soft-kl=1', '--out', bad], /images without labels learn from a teacher's outputs alone; give --teacher/, { out: bad });
  await expectUserError(['distill', ...common, '--data', labeled, '--unlabeled', unl, '--loss', 'dkd=1,hard-ce=1', '--out', bad], /--unlabeled .*: dkd needs every sample's class/, { out: bad });
  await expectUserError(['distill', ...common, '--data', labeled, '--unlabeled', unl, '--augment', 'mixup', '--out', bad], /mixes the labels of image pairs/, { out: bad });
  assert.ok(!existsSync(bad));
});
