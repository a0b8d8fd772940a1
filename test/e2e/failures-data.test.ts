/**
 * Bad data through the real CLI (issue 17, failures 3 and 4, weak spot 8): a truncated JPEG is skipped and counted
 * (refused under --strict, naming the file), an IDX label past the class count is refused naming its file, index and
 * value, and a class folder that is a symlink is followed (a link that loops is refused).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { cli, cliInProcess, expectUserError } from '../helpers/cli.js';
import { tmp, writeIdxBands } from '../helpers/tiny.js';
import { readImageHeader } from '../../src/data/image-header.js';

const base = tmp('ed-fail-data-');
const TRAIN = ['--no-teacher', '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '1', '--batch-size', '4', '--quiet'];

/** `root/<cls>/<i>.jpg`: solid 12x12 JPEGs, `n` per class, each class its own shade. */
async function jpegFolder(root: string, classes: string[], n = 6): Promise<string> {
  for (const [k, cls] of classes.entries()) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 30 + 100 * k + i, g: 90, b: 90 } } }).jpeg().toFile(join(root, cls, `${i}.jpg`));
  }
  return root;
}

test('a truncated JPEG (header intact) is skipped and counted; under --strict it is refused naming the file', async () => {
  const data = await jpegFolder(join(base, 'jpegs'), ['a', 'b']);
  // A 48x48 noise JPEG cut at 70 %: its headers (the part the folder listing and the header reader look at) are
  // whole, its entropy-coded data ends early.
  const noise = Buffer.from(Array.from({ length: 48 * 48 * 3 }, (_, i) => (i * 7919) % 251));
  const full = await sharp(noise, { raw: { width: 48, height: 48, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
  const bad = join(data, 'b', 'truncated.jpg');
  writeFileSync(bad, full.subarray(0, Math.floor(full.length * 0.7)));
  assert.deepEqual(readImageHeader(readFileSync(bad)), { format: 'jpeg', colourChannels: 3, bitDepth: 8 }, 'the header still reads');

  const out = join(base, 'jpeg-run');
  const r = await cli(['distill', ...TRAIN, '--data', data, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const warn = r.stderr.split('\n').filter((l) => /skipped/.test(l));
  assert.equal(warn.length, 1, r.stderr);
  assert.match(warn[0]!, new RegExp(`skipped 1 unreadable image\\(s\\) in ${data} \\(first: ${bad}: [^\\n]*\\); use --strict to refuse instead`));
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'metrics.json', 'student']);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { test: { n: number } };
  assert.ok(m.test.n >= 1);

  // Without a decode cache the file is found when its batch comes: left out of every batch, reported once.
  const offOut = join(base, 'jpeg-off');
  const off = await cliInProcess(['distill', ...TRAIN, '--epochs', '2', '--data', data, '--decode-cache', 'off', '--out', offOut]);
  assert.equal(off.code, 0, off.stderr);
  const offWarn = off.stderr.split('\n').filter((l) => /skipped/.test(l));
  assert.equal(offWarn.length, 1, off.stderr);
  assert.match(offWarn[0]!, new RegExp(`^warning: skipped ${bad}: cannot be decoded as an image \\([^\\n]*\\); without a decode cache it is found only when its batch comes and is left out of every batch \\(1 such image\\(s\\) so far\\); use --strict to refuse instead$`));
  assert.deepEqual(readdirSync(offOut).sort(), ['config.json', 'metrics.json', 'student']);

  const strictOut = join(base, 'jpeg-strict');
  await expectUserError(['distill', ...TRAIN, '--data', data, '--strict', '--out', strictOut], new RegExp(`^error: ${bad}: cannot be decoded as an image \\([^\\n]*\\); remove it or drop --strict to skip such files$`), { out: strictOut, run: cliInProcess });
  assert.ok(!existsSync(strictOut));
});

test('IDX labels past the class count are refused naming the file, the index and the value', async () => {
  const dir = writeIdxBands({ classes: 3, train: 60, test: 12 });
  const lab = join(dir, 'train-labels-idx1-ubyte');
  const b = readFileSync(lab);
  b[8 + 37] = 200;
  writeFileSync(lab, b);
  const out = join(base, 'idx-teacher');
  await expectUserError(['train-teacher', '--data', `idx:${dir}`, '--arch', 'mlp:hidden=8,depth=1', '--epochs', '1', '--out', out], new RegExp(`^error: ${lab}: label 200 at index 37 is out of range: the labels run 0..2 and classes 3..199 never occur in the train and test files; IDX labels must be the classes 0..K-1, each occurring; fix that label or remove its sample$`), { out, run: cliInProcess });
  assert.ok(!existsSync(out));

  // An outlier in the test file is named there; distill sees the same check.
  b[8 + 37] = 1;
  writeFileSync(lab, b);
  const testLab = join(dir, 't10k-labels-idx1-ubyte');
  const t = readFileSync(testLab);
  t[8 + 5] = 4;
  writeFileSync(testLab, t);
  await expectUserError(['distill', ...TRAIN, '--data', `idx:${dir}`, '--out', out], new RegExp(`^error: ${testLab}: label 4 at index 5 is out of range: the labels run 0..2 and class 3 never occurs`), { out, run: cliInProcess });
});

test('a class folder that is a symlink is followed; one that loops back is refused', async () => {
  const data = await jpegFolder(join(base, 'linked'), ['a'], 5);
  const elsewhere = await jpegFolder(join(base, 'elsewhere'), ['b'], 5);
  symlinkSync(join(elsewhere, 'b'), join(data, 'b'));
  const out = join(base, 'linked-run');
  const r = await cliInProcess(['distill', ...TRAIN, '--data', data, '--out', out], { EDGE_DISTILL_QUIET: '0' });
  assert.equal(r.code, 0, r.stderr);
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { data: { spec: string } };
  assert.equal(cfg.data.spec, data);
  // Two classes (the linked one included) and all ten images: 8 train, 1 val, 1 test.
  assert.match(r.stderr, /data folder:.*linked \(8\/1\/1\)/);

  symlinkSync(data, join(data, 'loop'));
  const out2 = join(base, 'loop-run');
  await expectUserError(['distill', ...TRAIN, '--data', data, '--out', out2], new RegExp(`^error: ${join(data, 'loop')}: is a link to ${data}, which holds ${data} itself \\(a loop\\)`), { out: out2, run: cliInProcess });
  const dup = join(base, 'dup');
  await jpegFolder(dup, ['a', 'b'], 3);
  symlinkSync(join(dup, 'a'), join(dup, 'c'));
  await expectUserError(['distill', ...TRAIN, '--data', dup, '--out', out2], /are the same folder \(.*dup\/a\) under two names; keep one/, { out: out2, run: cliInProcess });
});
