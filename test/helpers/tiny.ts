import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
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
