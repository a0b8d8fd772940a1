import { UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import { openDataConfig } from '../data/index.js';
import type { DataSpec } from '../config/schema.js';
import type { TestData } from './types.js';
import { loadTf } from '../runtime/backend.js';
import { resizeImages, studentInputShape } from '../data/student-view.js';

/**
 * The run's test split (the same data spec and split seed as training) as flat arrays, at most `limit` samples in
 * the stored order, so every runtime predicts the same images.
 */
export async function loadTestData(data: DataSpec, opts: { limit?: number; log?: Logger } = {}): Promise<TestData & { spec: string; name: string }> {
  const ds = await openDataConfig(data, { ...(opts.log ? { log: opts.log } : {}) });
  const total = ds.size('test');
  if (total === 0) throw new UserError(`data ${data.spec}: the test split is empty; the bench measures accuracy on it`);
  const n = Math.min(total, opts.limit ?? Infinity);
  const [h, w, c] = ds.inputShape as [number, number, number];
  const per = h * w * c;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  let k = 0;
  for await (const b of ds.batches('test', 256, { limit: n })) {
    x.set(await b.x.data(), k * per);
    y.set(await b.y.data(), k);
    k += b.y.shape[0];
    b.x.dispose();
    b.y.dispose();
  }
  return { x, y, n: k, shape: [h, w, c], classNames: ds.classNames, spec: data.spec, name: ds.name };
}

/**
 * The test images as a student with its own input size takes them: each resized by the one resize training and
 * export use (src/data/student-view.ts), so the bench feeds the pixels the student was trained and checked on.
 */
export async function resizedTestData<T extends TestData>(data: T, studentInput: readonly number[]): Promise<T> {
  const [h, w, c] = studentInputShape(data.shape, studentInput) as [number, number, number];
  if (h === data.shape[0] && w === data.shape[1]) return data;
  const tf = await loadTf();
  const x = tf.tidy(() => resizeImages(tf, tf.tensor4d(data.x, [data.n, ...data.shape]), [h, w]));
  const values = (await x.data()) as Float32Array;
  x.dispose();
  return { ...data, x: values, shape: [h, w, c] };
}
