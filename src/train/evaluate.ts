import * as tf from '@tensorflow/tfjs';
import type { Dataset, SplitName, Teacher } from '../core/types.js';

/** Accuracy of a model's logits on a split, and (with `teacherPreds`) its top-1 agreement with the teacher. */
export interface SplitMetrics {
  accuracy: number;
  agreement?: number;
  n: number;
}

/** Top-1 predictions of a LayersModel over a split (inference mode). */
export async function predictSplit(model: tf.LayersModel, data: Dataset, split: SplitName, batchSize = 256): Promise<{ preds: Int32Array; labels: Int32Array }> {
  const preds: number[] = [];
  const labels: number[] = [];
  for await (const b of data.batches(split, batchSize)) {
    const p = tf.tidy(() => tf.argMax(model.predict(b.x) as tf.Tensor, -1));
    preds.push(...(await p.data()));
    labels.push(...(await b.y.data()));
    tf.dispose([p, b.x, b.y]);
  }
  return { preds: Int32Array.from(preds), labels: Int32Array.from(labels) };
}

// A teacher's predictions on a split never change, but every trainStudent call (each trial of a recipe search)
// and the final test report ask for them again; for a large teacher that pass costs more than a small student's
// epoch. Keyed by object identity, so nothing outlives the teacher or the dataset.
const teacherPredsMemo = new WeakMap<Teacher, WeakMap<Dataset, Map<SplitName, Promise<Int32Array>>>>();

/** Top-1 predictions of a teacher over a split (computed once per teacher, dataset and split). */
export function predictTeacherSplit(teacher: Teacher, data: Dataset, split: SplitName, batchSize = 256): Promise<Int32Array> {
  let byData = teacherPredsMemo.get(teacher);
  if (!byData) teacherPredsMemo.set(teacher, (byData = new WeakMap()));
  let bySplit = byData.get(data);
  if (!bySplit) byData.set(data, (bySplit = new Map()));
  let p = bySplit.get(split);
  if (!p) {
    p = computeTeacherSplit(teacher, data, split, batchSize);
    bySplit.set(split, p);
    p.catch(() => bySplit!.delete(split));
  }
  return p.then((a) => a.slice());
}

async function computeTeacherSplit(teacher: Teacher, data: Dataset, split: SplitName, batchSize: number): Promise<Int32Array> {
  const preds: number[] = [];
  for await (const b of data.batches(split, batchSize)) {
    const out = await teacher.forward(b.x, []);
    const p = tf.argMax(out.logits, -1);
    preds.push(...(await p.data()));
    tf.dispose([p, out.logits, b.x, b.y]);
  }
  return Int32Array.from(preds);
}

/** Fraction of positions where `a` equals `b`. */
export function agreementOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}
