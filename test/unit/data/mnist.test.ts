import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEmbeddedMnist } from '../../../src/data/mnist.js';

test('embedded MNIST: 10,000 digits, seeded 80/10/10 split, disjoint, deterministic', () => {
  const a = loadEmbeddedMnist();
  const b = loadEmbeddedMnist();
  const c = loadEmbeddedMnist({ seed: 99 });
  assert.deepEqual([a.size('train'), a.size('val'), a.size('test')], [8000, 1000, 1000]);
  assert.equal(a.fingerprint(), b.fingerprint());
  assert.notEqual(a.fingerprint(), c.fingerprint());
  const all = new Set<number>();
  for (const s of ['train', 'val', 'test'] as const) for (const i of (a as unknown as { data: { splits: Record<string, Int32Array> } }).data.splits[s]!) all.add(i);
  assert.equal(all.size, 10000);
  const { x, y } = a.gather([0, 9999]);
  assert.equal(x.length, 2 * 784);
  assert.deepEqual(Array.from(y), [0, 9]);
  assert.ok(x.every((v) => v >= 0 && v <= 1));
});
