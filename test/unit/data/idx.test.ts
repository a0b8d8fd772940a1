import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parseIdx, loadIdxDir } from '../../../src/data/idx.js';
import { UserError } from '../../../src/core/errors.js';
import { tmp } from '../../helpers/tiny.js';

/** IDX bytes written by hand: magic 0 0 8 ndim, big-endian dims, data. */
function idx(dims: number[], data: number[]): Uint8Array {
  const head = [0, 0, 8, dims.length, ...dims.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255])];
  return Uint8Array.from([...head, ...data]);
}

test('parseIdx reads dims and data, raw and gzip', () => {
  const raw = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  for (const b of [raw, gzipSync(raw)]) {
    const a = parseIdx(b, 'f');
    assert.deepEqual(a.dims, [2, 2, 3]);
    assert.deepEqual(Array.from(a.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  }
});

test('parseIdx refuses truncated files, bad magic and other data types', () => {
  assert.throws(() => parseIdx(idx([2, 3], [1, 2, 3, 4]), 'x.idx'), (e: unknown) => e instanceof UserError && /x.idx: holds 4 data bytes but its header declares 6/.test(e.message));
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'y'), /not an IDX file/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'z'), /data type 0xd is not supported/);
  assert.throws(() => parseIdx(gzipSync(idx([2], [1, 2])).subarray(0, 12), 'g.gz'), /gzip data is corrupt or truncated/);
});

test('loadIdxDir: the files own test set is the test split; val is carved from train; values scaled to [0, 1]', async () => {
  const dir = tmp();
  const img = (n: number) => idx([n, 2, 2], Array.from({ length: n * 4 }, (_, i) => (i * 17) % 256));
  const lbl = (n: number) => idx([n], Array.from({ length: n }, (_, i) => i % 3));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(img(20)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(lbl(20)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), img(5));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), lbl(5));
  const d = await loadIdxDir(dir, { valFrac: 0.1 });
  assert.deepEqual([d.size('train'), d.size('val'), d.size('test')], [18, 2, 5]);
  assert.deepEqual(d.inputShape, [2, 2, 1]);
  assert.equal(d.numClasses, 3);
  const test0 = d.gather([20]); // first test image = t10k image 0: bytes 0, 17, 34, 51
  assert.deepEqual(Array.from(test0.x), [0, 17 / 255, 34 / 255, 51 / 255].map(Math.fround));
  assert.equal(test0.y[0], 0);
});

test('loadIdxDir names the missing file and what to install', async () => {
  await assert.rejects(loadIdxDir(tmp()), /no train-images-idx3-ubyte\[.gz\] file found .*dataset-fashion-mnist/);
});
