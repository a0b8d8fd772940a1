import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryDataset } from '../../src/data/in-memory.js';
import { saveLayersModelToDir } from '../../src/runtime/model-io.js';
import { createRng } from '../../src/core/random.js';

/** A fresh temporary directory. */
export function tmp(prefix = 'ed-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A small learnable dataset: class k's images are bright in horizontal band k plus seeded noise, so a tiny model
 * learns it in a few steps. `nan` puts a NaN into the first training image.
 */
export function bandDataset(opts: { n?: number; classes?: number; size?: number; seed?: number; nan?: boolean } = {}): InMemoryDataset {
  const n = opts.n ?? 240;
  const k = opts.classes ?? 3;
  const s = opts.size ?? 8;
  const rng = createRng(opts.seed ?? 7);
  const images = new Float32Array(n * s * s);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % k;
    labels[i] = y;
    for (let r = 0; r < s; r++) for (let c = 0; c < s; c++) images[i * s * s + r * s + c] = (Math.floor((r * k) / s) === y ? 0.8 : 0.1) + 0.2 * rng();
  }
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const nTest = Math.floor(n / 6);
  const splits = { test: idx.slice(0, nTest), val: idx.slice(nTest, 2 * nTest), train: idx.slice(2 * nTest) };
  if (opts.nan) images[splits.train[0]! * s * s] = NaN;
  return new InMemoryDataset({ name: 'bands', inputShape: [s, s, 1], classNames: Array.from({ length: k }, (_, i) => `c${i}`), images, labels, splits });
}

/** A small dense model saved as a tfjs model.json in a temp dir; returns the model.json path. */
export async function saveTinyModel(o: { inputShape: number[]; classes: number; softmax?: boolean; seed?: number }): Promise<string> {
  const m = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: o.inputShape, name: 'flat' }),
      tf.layers.dense({ units: 16, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed ?? 3 }) }),
      tf.layers.dense({ units: o.classes, name: 'out', activation: o.softmax ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: (o.seed ?? 3) + 1 }) }),
    ],
  });
  const dir = tmp('ed-model-');
  await saveLayersModelToDir(m, dir);
  m.dispose();
  return join(dir, 'model.json');
}

/**
 * Writes {@link bandDataset}-style images as MNIST-format IDX files (train-* and t10k-*) in a temp dir, for CLI
 * tests that need data of another size than MNIST (e.g. the 8x8 fixture teachers). Returns the dir (`idx:DIR`).
 */
export function writeIdxBands(o: { train?: number; test?: number; classes?: number; size?: number; seed?: number } = {}): string {
  const dir = tmp('ed-idx-');
  const s = o.size ?? 8;
  const k = o.classes ?? 3;
  const rng = createRng(o.seed ?? 11);
  const write = (stem: string, n: number) => {
    const img = Buffer.alloc(16 + n * s * s);
    img.writeUInt32BE(0x803, 0);
    img.writeUInt32BE(n, 4);
    img.writeUInt32BE(s, 8);
    img.writeUInt32BE(s, 12);
    const lab = Buffer.alloc(8 + n);
    lab.writeUInt32BE(0x801, 0);
    lab.writeUInt32BE(n, 4);
    for (let i = 0; i < n; i++) {
      const y = i % k;
      lab[8 + i] = y;
      for (let r = 0; r < s; r++) for (let c = 0; c < s; c++) img[16 + i * s * s + r * s + c] = Math.round(255 * Math.min(1, (Math.floor((r * k) / s) === y ? 0.7 : 0.1) + 0.3 * rng()));
    }
    writeFileSync(join(dir, `${stem}-images-idx3-ubyte`), img);
    writeFileSync(join(dir, `${stem}-labels-idx1-ubyte`), lab);
  };
  write('train', o.train ?? 300);
  write('t10k', o.test ?? 60);
  return dir;
}
