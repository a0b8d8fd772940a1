import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { cli, expectUserError as expectUserErrorOf } from '../helpers/cli.js';
import { saveTinyModel, tmp } from '../helpers/tiny.js';
import { useBackend } from '../helpers/backend.js';

let teacher = '';
const base = tmp('ed-e2e-');

before(async () => {
  await useBackend('cpu');
  // A teacher trained for one short epoch through the CLI itself.
  const r = await cli(['train-teacher', '--arch', 'mlp:hidden=32,depth=1', '--epochs', '2', '--train-limit', '2000', '--out', join(base, 'teacher'), '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  teacher = join(base, 'teacher', 'student', 'model.json');
});

/** Expects a one-line user error from a child-process CLI, and `out` not created. */
const expectUserError = (args: string[], re: RegExp, out?: string) => expectUserErrorOf(args, re, out ? { out } : {});

test('distill: trains a sized student and writes student/, metrics.json, config.json', async () => {
  const out = join(base, 'run');
  const r = await cli(['distill', '--teacher', teacher, '--data', 'mnist', '--student', 'mlp', '--max-bytes', '30000', '--epochs', '1', '--train-limit', '256', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /student mlp \(hidden 8, depth \d\)/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.ok(m.architecture.bytes.float32 <= 30000);
  assert.equal(m.epochs.length, 1);
  assert.ok(m.test.accuracy > 0.1 && m.test.teacherAccuracy > 0.5);
  assert.ok(existsSync(join(out, 'student', 'model.json')) && existsSync(join(out, 'config.json')));
  assert.ok(!existsSync(join(out, 'checkpoint')), 'training-only state is removed when the run finishes');
  // Resuming a finished run, or with a different config, is refused.
  await expectUserError(['distill', '--resume', out], /already finished/);
});

test('distill --resume with a different config is refused', async () => {
  const out = join(base, 'partial');
  mkdirSync(out);
  // The saved config differs only in the epochs (the default loss of a teacher with a penultimate layer included).
  const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 1 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 0.1, student: 'penultimate', teacher: 'penultimate' }] };
  writeFileSync(join(out, 'config.json'), JSON.stringify({ teacher: { path: teacher }, loss, train: { epochs: 9 } }));
  await expectUserError(['distill', '--resume', out, '--teacher', teacher, '--epochs', '2'], /the run.s config differs from this command.s \(train.epochs: 9 ≠ 2/);
});

test('bad input: missing teacher, missing or truncated weights', async () => {
  const out = join(base, 'bad1');
  await expectUserError(['distill', '--teacher', join(base, 'nope', 'model.json'), '--out', out], /--teacher .*nope\/model.json: file not found/, out);
  const t2 = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });
  const shard = join(dirname(t2), 'group1-shard1of1.bin');
  truncateSync(shard, 100);
  await expectUserError(['distill', '--teacher', t2, '--out', out], /hold 100 bytes but the manifest declares \d+; the files are truncated/, out);
  unlinkSync(shard);
  await expectUserError(['distill', '--teacher', t2, '--out', out], /weight file group1-shard1of1.bin is missing/, out);
});

test('bad input: teacher shape or classes that do not match the data', async () => {
  const out = join(base, 'bad2');
  await expectUserError(['distill', '--teacher', await saveTinyModel({ inputShape: [8, 8, 1], classes: 10 }), '--out', out], /takes inputs \[8, 8, 1\] but mnist has \[28, 28, 1\]/, out);
  await expectUserError(['distill', '--teacher', await saveTinyModel({ inputShape: [28, 28, 1], classes: 5 }), '--out', out], /predicts 5 classes but mnist has 10/, out);
});

test('bad input: empty image folder, one class only, corrupt image under --strict', async () => {
  const out = join(base, 'bad3');
  const t = await saveTinyModel({ inputShape: [28, 28, 1], classes: 2 });
  const empty = tmp();
  await expectUserError(['distill', '--teacher', t, '--data', empty, '--out', out], /no images found/, out);
  const one = tmp();
  mkdirSync(join(one, 'cat'));
  await sharp({ create: { width: 4, height: 4, channels: 3, background: '#777' } }).png().toFile(join(one, 'cat', 'a.png'));
  await expectUserError(['distill', '--teacher', t, '--data', one, '--out', out], /only one class \(cat\)/, out);
  mkdirSync(join(one, 'dog'));
  await sharp({ create: { width: 4, height: 4, channels: 3, background: '#222' } }).png().toFile(join(one, 'dog', 'b.png'));
  writeFileSync(join(one, 'dog', 'bad.jpg'), 'garbage');
  await expectUserError(['distill', '--teacher', t, '--data', one, '--strict', '--out', out], /bad.jpg: cannot be decoded/, out);
});

test('bad input: unknown family or loss term, impossible budget, bad flag values', async () => {
  const out = join(base, 'bad4');
  await expectUserError(['distill', '--teacher', teacher, '--student', 'resnet', '--out', out], /unknown student family: "resnet". Must be one of \[cnn, dsconv, mlp, vgg\]/, out);
  await expectUserError(['distill', '--teacher', teacher, '--loss', 'soft-kl=1,kd=2', '--out', out], /unknown loss term: "kd". Must be one of \[soft-kl, hard-ce, feature-mse, dkd, dist\]/, out);
  await expectUserError(['distill', '--teacher', teacher, '--student', 'mlp', '--max-bytes', '100', '--out', out], /--max-bytes 100: no mlp student fits; the smallest .* needs 25480 bytes/, out);
  await expectUserError(['distill', '--teacher', teacher, '--epochs', 'many', '--out', out], /--epochs many: expected an integer/, out);
  await expectUserError(['distill', '--teacher', teacher, '--bogus', '--out', out], /Unknown option '--bogus'/, out);
  await expectUserError(['distill', '--teacher', teacher, '--max-bytes', '30000', '--candidates', '0', '--out', out], /--candidates 0: expected an integer ≥ 1/, out);
  await expectUserError(['distill', '--teacher', teacher, '--candidates', '3', '--out', out], /--candidates 3 trains the 3 largest students that fit a budget; give one with --max-bytes N or --target FILE/, out);
  await expectUserError(['distill', '--teacher', teacher, '--student', 'mlp', '--params', 'hidden=8,depth=1', '--max-bytes', '30000', '--candidates', '2', '--out', out], /--candidates 2: explicit --params leave nothing to choose/, out);
  await expectUserError(['distill', '--teacher', teacher, '--max-bytes', '30000', '--candidates', '2', '--tune', '--out', out], /--candidates 2 with --tune/, out);
  const cfg = join(tmp(), 'c.json');
  writeFileSync(cfg, JSON.stringify({ teacher: { path: teacher }, train: { epochz: 3 } }));
  await expectUserError(['distill', '-c', cfg, '--out', out], /c.json: train.epochz: unknown field; did you mean "epochs"\?/, out);
});

test('distill from labels alone: --loss hard-ce=1 or --no-teacher need no --teacher; a teacher term without one is refused', async () => {
  for (const [name, flags] of [['hardce', ['--loss', 'hard-ce=1']], ['noteacher', ['--no-teacher']]] as const) {
    const out = join(base, `labels-${name}`);
    const r = await cli(['distill', ...flags, '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '1', '--train-limit', '256', '--out', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.teacher, null);
    assert.deepEqual(config.loss.terms, [{ kind: 'hard-ce', weight: 1 }]);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.equal(m.test.teacherAccuracy, undefined, 'no teacher, no teacher accuracy');
    assert.match(r.stdout, /teacher n\/a/);
  }
  const out = join(base, 'labels-bad');
  await expectUserError(['distill', '--loss', 'soft-kl=0.5,hard-ce=0.5', '--out', out], /--teacher: missing; the loss term soft-kl needs a teacher/, out);
  await expectUserError(['distill', '--out', out], /--teacher: missing; .*--no-teacher/, out);
  await expectUserError(['distill', '--no-teacher', '--teacher', teacher, '--out', out], /--teacher and --no-teacher disagree/, out);
});

test('--student-weights needs --student PATH; an unknown mode is refused', async () => {
  const out = join(base, 'sw-bad');
  await expectUserError(['distill', '--no-teacher', '--student-weights', 'keep', '--out', out], /--student-weights applies to a model you bring/, out);
  await expectUserError(['distill', '--no-teacher', '--student', join(base, 'nope', 'model.json'), '--student-weights', 'warm', '--out', out], /--student-weights warm: must be one of \[init, keep\]/, out);
  await expectUserError(['distill', '--no-teacher', '--student', join(base, 'nope', 'model.json'), '--out', out], /--student .*nope\/model.json: file not found/, out);
});
