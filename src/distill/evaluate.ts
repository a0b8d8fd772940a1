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

/** Top-1 predictions of a teacher over a split. */
export async function predictTeacherSplit(teacher: Teacher, data: Dataset, split: SplitName, batchSize = 256): Promise<Int32Array> {
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
