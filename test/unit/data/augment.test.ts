import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { UserError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/random.js';
import { augmentOps, augmentSeed, buildAugment, describeAugment, parseAugmentSpec, resolveAugment } from '../../../src/data/augment/index.js';
import { flipOp } from '../../../src/data/augment/flip.js';
import { padCropOp } from '../../../src/data/augment/pad-crop.js';
import { resizedCropBox, resizedCropOp } from '../../../src/data/augment/resized-crop.js';
import { mixImages, mixupOp } from '../../../src/data/augment/mixup.js';
import { cutmixBox, cutmixOp, pasteBox } from '../../../src/data/augment/cutmix.js';
import { betaDraw } from '../../../src/data/augment/beta.js';

before(() => useBackend('cpu'));

/** A generator that returns `values` in order (and fails the test when an op draws more than it should). */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => {
    assert.ok(i < values.length, `drew more than the ${values.length} values expected`);
    return values[i++]!;
  };
}
/** A batch of 2x3 one-channel images from rows of numbers. */
const images = (...imgs: number[][][]) => tf.tensor4d(imgs.map((img) => img.map((row) => row.map((v) => [v]))));
const pixels = (x: tf.Tensor) => (x.arraySync() as number[][][][]).map((img) => img.map((row) => row.map((p) => p[0]!)));
const IMG = [[1, 2, 3], [4, 5, 6]];

test('flip: mirrors left to right the images whose draw is below p', () => {
  const x = images(IMG, IMG);
  assert.deepEqual(pixels(flipOp.apply(tf, x, { p: 0.5 }, seq(0.2, 0.7)).x), [[[3, 2, 1], [6, 5, 4]], IMG]);
  assert.deepEqual(pixels(flipOp.apply(tf, x, { p: 1 }, seq(0.99, 0)).x), [[[3, 2, 1], [6, 5, 4]], [[3, 2, 1], [6, 5, 4]]]);
  assert.deepEqual(pixels(flipOp.apply(tf, x, { p: 0 }, seq(0, 0)).x), [IMG, IMG]);
});

test('crop: pad 1 (reflect and zero) and crop back at the drawn offset', () => {
  // Reflect-padded by 1 (the edge row/column not repeated), 4x5:
  //   5 4 5 6 5 / 2 1 2 3 2 / 5 4 5 6 5 / 2 1 2 3 2;  zero-padded: 0 0 0 0 0 / 0 1 2 3 0 / 0 4 5 6 0 / 0 0 0 0 0.
  const reflect = [[5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [2, 1, 2, 3, 2]];
  const zero = [[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 0, 0, 0, 0]];
  const cut = (p: number[][], oy: number, ox: number) => p.slice(oy, oy + 2).map((r) => r.slice(ox, ox + 3));
  const x = images(IMG, IMG);
  // Offsets are ⌊u·3⌋ for pad 1: draws 0.1, 0.9 → (0, 2) for image 0; 0.5, 0.4 → (1, 1) (the image itself) for image 1.
  assert.deepEqual(pixels(padCropOp.apply(tf, x, { pad: 1, fill: 'reflect' }, seq(0.1, 0.9, 0.5, 0.4)).x), [[[5, 6, 5], [2, 3, 2]], IMG]);
  assert.deepEqual(pixels(padCropOp.apply(tf, x, { pad: 1, fill: 'zero' }, seq(0.1, 0.9, 0.5, 0.4)).x), [[[0, 0, 0], [2, 3, 0]], IMG]);
  // Through the pipeline: the offsets come from the generator seeded by (seed, epoch, step), drawn in the same order.
  const rng = createRng(augmentSeed(3, 1, 2));
  const o = [0, 1].map(() => [Math.floor(rng() * 3), Math.floor(rng() * 3)] as const);
  const got = pixels(buildAugment([{ op: 'crop', pad: 1, fill: 'zero' }])!.apply(tf, x, { seed: 3, epoch: 1, step: 2 }).x);
  assert.deepEqual(got, o.map(([oy, ox]) => cut(zero, oy, ox)));
  assert.deepEqual(cut(reflect, 1, 1), IMG);
  // A reflected border as wide as the image cannot be mirrored: refused with what to do.
  assert.throws(() => padCropOp.apply(tf, x, { pad: 2, fill: 'reflect' }, seq()), (e: unknown) => e instanceof UserError && /crop=2: .* \(these are 2x3\); give a smaller pad or crop:fill=zero/.test(e.message));
});

test('resized-crop: the box torchvision draws, resized corner to corner', () => {
  // 10x10, area draw 0.25 → 100·(0.08 + 0.92·0.25) = 31 pixels, ratio draw 0.5 → e^0 = 1: a 6x6 box (√31 = 5.57);
  // top ⌊0.5·5⌋ = 2, left ⌊0.9·5⌋ = 4.
  assert.deepEqual(resizedCropBox(10, 10, [0.08, 1], [3 / 4, 4 / 3], seq(0.25, 0.5, 0.5, 0.9)), { top: 2, left: 4, height: 6, width: 6 });
  // No draw fits (ratio ≥ 2 makes the box 14 wide at full area): after 10 tries the centred box of ratio 2, 10x5.
  assert.deepEqual(resizedCropBox(10, 10, [1, 1], [2, 3], seq(...Array<number>(20).fill(0))), { top: 2, left: 0, height: 5, width: 10 });
  // The top-left 2x2 of v = 3·row + col resized to 3x3 samples rows and columns 0, 0.5, 1: v at those points.
  const ramp = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
  const out = pixels(resizedCropOp.apply(tf, ramp, { scale: [4 / 9, 4 / 9], ratio: [1, 1] }, seq(0, 0, 0, 0)).x)[0]!;
  const want = [[0, 0.5, 1], [1.5, 2, 2.5], [3, 3.5, 4]];
  out.forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(v - want[r]![c]!) < 1e-5, `(${r}, ${c}): ${v} vs ${want[r]![c]}`)));
  // The whole image is the image.
  const whole = pixels(resizedCropOp.apply(tf, ramp, { scale: [1, 1], ratio: [1, 1] }, seq(0, 0, 0, 0)).x)[0]!;
  whole.flat().forEach((v, i) => assert.ok(Math.abs(v - i) < 1e-5));
});

test('mixup: λ·x + (1 − λ)·x[perm] with λ = 0.25 and perm [2, 0, 1], by hand', () => {
  const x = tf.tensor4d([0, 0, 10, 10, 20, 20], [3, 1, 2, 1]); // three 1x2 images: 0s, 10s, 20s
  const got = mixImages(tf, x, Int32Array.from([2, 0, 1]), 0.25).arraySync() as number[][][][];
  // image 0: 0.25·0 + 0.75·20 = 15; image 1: 0.25·10 + 0.75·0 = 2.5; image 2: 0.25·20 + 0.75·10 = 12.5
  assert.deepEqual(got.map((img) => img[0]!.map((p) => p[0])), [[15, 15], [2.5, 2.5], [12.5, 12.5]]);
  // The op reports the λ and permutation it used, and its images are made with them.
  const r = mixupOp.apply(tf, x, { alpha: 0.5 }, createRng(9));
  assert.ok(r.mix && r.mix.lambda.every((l) => l === r.mix!.lambda[0]) && r.mix.lambda[0]! > 0 && r.mix.lambda[0]! < 1);
  assert.deepEqual([...r.mix.perm].sort(), [0, 1, 2]);
  const lam = r.mix.lambda[0]!;
  const vals = [0, 10, 20];
  (r.x.arraySync() as number[][][][]).forEach((img, i) => assert.ok(Math.abs(img[0]![0]![0]! - (lam * vals[i]! + (1 - lam) * vals[r.mix!.perm[i]!]!)) < 1e-4));
});

test('cutmix: the box of the reference, and the pixels taken are exactly (1 − λ) of the image', () => {
  // 4x4 at λ = 0.75: sides ⌊4·√0.25⌋ = 2; centre (2, 2) → rows and columns 1..2; centre (0, 0) → clipped to 1x1.
  assert.deepEqual(cutmixBox(4, 4, 0.75, seq(0.5, 0.5)), { top: 1, left: 1, height: 2, width: 2 });
  assert.deepEqual(cutmixBox(4, 4, 0.75, seq(0, 0)), { top: 0, left: 0, height: 1, width: 1 });
  const two = tf.tensor4d([...Array<number>(6).fill(1), ...Array<number>(6).fill(2)], [2, 2, 3, 1]);
  assert.deepEqual(pixels(pasteBox(tf, two, Int32Array.from([1, 0]), { top: 1, left: 1, height: 1, width: 2 })), [[[1, 1, 1], [1, 2, 2]], [[2, 2, 2], [2, 1, 1]]]);
  // Many draws on 8x8 images, each a constant of its own: the count of pixels from the partner is (1 − λ)·64 exactly.
  const n = 4;
  const x = tf.tensor4d(Array.from({ length: n * 64 }, (_, i) => Math.floor(i / 64) + 1), [n, 8, 8, 1]);
  let clipped = 0;
  for (let s = 0; s < 40; s++) {
    const r = cutmixOp.apply(tf, x, { alpha: 1 }, createRng(s));
    const imgs = r.x.dataSync();
    r.x.dispose();
    for (let i = 0; i < n; i++) {
      const partner = r.mix!.perm[i]!;
      if (partner === i) continue;
      const taken = Array.from(imgs.slice(i * 64, (i + 1) * 64)).filter((v) => v === partner + 1).length;
      assert.equal(taken, Math.round((1 - r.mix!.lambda[i]!) * 64));
      assert.ok(Math.abs((1 - r.mix!.lambda[i]!) * 64 - taken) < 1e-4);
    }
    // Unclipped boxes are 2k x 2k (two half-sides of ⌊side/2⌋); any other area is a box cut by the border.
    if (![0, 4, 16, 36, 64].includes(Math.round((1 - r.mix!.lambda[0]!) * 64))) clipped++;
  }
  assert.ok(clipped > 0, 'some boxes were clipped at the border, where λ differs most from the drawn one');
});

test('Beta(α, α) draws: mean 1/2 and variance 1/(4(2α + 1)), for α below and above 1', () => {
  for (const alpha of [0.2, 1, 3]) {
    const rng = createRng(11);
    const xs = Array.from({ length: 20000 }, () => betaDraw(alpha, alpha, rng));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    assert.ok(xs.every((v) => v >= 0 && v <= 1));
    assert.ok(Math.abs(mean - 0.5) < 0.01, `α ${alpha}: mean ${mean}`);
    const want = 1 / (4 * (2 * alpha + 1));
    assert.ok(Math.abs(variance - want) < 0.05 * want, `α ${alpha}: variance ${variance} vs ${want}`);
  }
});

test('replayable: the same (seed, epoch, step) gives the same batch and mix; another step or epoch another', () => {
  const pipe = buildAugment(parseAugmentSpec('crop=1,flip,mixup'))!;
  const x = tf.tensor4d(Array.from({ length: 4 * 36 }, (_, i) => (i * 7919) % 101), [4, 6, 6, 1]);
  const run = (seed: number, epoch: number, step: number) => {
    const r = pipe.apply(tf, x, { seed, epoch, step });
    const out = { x: Array.from(r.x.dataSync()), perm: Array.from(r.mix!.perm), lambda: Array.from(r.mix!.lambda) };
    r.x.dispose();
    return out;
  };
  const before = tf.memory().numTensors;
  const a = run(5, 2, 3);
  assert.deepEqual(run(5, 2, 3), a);
  assert.notDeepEqual(run(5, 2, 4).x, a.x);
  assert.notDeepEqual(run(5, 3, 3).x, a.x);
  assert.notDeepEqual(run(6, 2, 3).x, a.x);
  assert.equal(tf.memory().numTensors, before, 'the pipeline keeps no tensor of its own');
  assert.deepEqual(Array.from(x.dataSync()).slice(0, 3), [0, 7919 % 101, (2 * 7919) % 101], 'its input is left as it was');
  const seeds = new Set(Array.from({ length: 1000 }, (_, s) => augmentSeed(5, 2, s)));
  assert.equal(seeds.size, 1000, 'every step of an epoch gets its own seed');
});

test('parseAugmentSpec: ops in order with every parameter filled in; NAME=V sets the main one, NAME:KEY=V others', () => {
  assert.deepEqual(parseAugmentSpec('crop,flip,mixup=0.5'), [{ op: 'crop', pad: 4, fill: 'reflect' }, { op: 'flip', p: 0.5 }, { op: 'mixup', alpha: 0.5 }]);
  assert.deepEqual(parseAugmentSpec('crop=2:fill=zero,resized-crop=0.25-1:ratio=0.5-2,cutmix'), [
    { op: 'crop', pad: 2, fill: 'zero' },
    { op: 'resized-crop', scale: [0.25, 1], ratio: [0.5, 2] },
    { op: 'cutmix', alpha: 1 },
  ]);
  assert.deepEqual(parseAugmentSpec('none'), []);
  assert.deepEqual(parseAugmentSpec(''), []);
  assert.equal(describeAugment(parseAugmentSpec('crop,resized-crop,mixup')), 'crop(pad=4, fill=reflect), resized-crop(scale=0.08-1, ratio=0.75-1.3333333333333333), mixup(alpha=1)');
  assert.deepEqual(augmentOps.names(), ['crop', 'resized-crop', 'flip', 'mixup', 'cutmix']);
});

test('parseAugmentSpec refuses an unknown op (listing the known ones), bad parameters and impossible orders', () => {
  const refused = (spec: string, re: RegExp) => assert.throws(() => parseAugmentSpec(spec), (e: unknown) => e instanceof UserError && re.test(e.message), spec);
  refused('crop,flp', /^--augment crop,flp: unknown augmentation op "flp"; the ops are crop, resized-crop, flip, mixup, cutmix/);
  refused('flip=2', /^--augment flip=2: flip: p: /);
  refused('crop:size=3', /^--augment crop:size=3: crop: .*size/);
  refused('crop:fill=blue', /crop: fill: /);
  refused('mixup=0', /mixup: alpha: /);
  refused('resized-crop=1-0.5', /resized-crop: scale: expected \[low, high\] with low ≤ high/);
  refused('crop:pad', /"pad" is not KEY=VALUE/);
  refused('mixup,cutmix', /mixup and cutmix each mix images in pairs; keep one/);
  refused('mixup,flip', /put mixup last/);
  // A config file's list gets the same checks, named by its place in the file.
  assert.throws(() => resolveAugment([{ op: 'flip', p: -1 }], (i, op) => `config: train.augment.${i} (${op})`), /^.*config: train\.augment\.0 \(flip\): p: /);
});
