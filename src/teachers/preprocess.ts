import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { TeacherConfig } from '../config/schema.js';

type Preprocess = TeacherConfig['preprocess'];

/** True when the preprocessing changes nothing (so the input tensor is passed through untouched). */
export function isIdentity(p: Preprocess): boolean {
  return p.scale === 1 && (p.mean ?? []).every((m) => m === 0) && (p.std ?? []).every((s) => s === 1);
}

/** Checks that mean/std have one value or one per channel. */
export function checkPreprocess(p: Preprocess, channels: number, id: string): void {
  for (const [k, v] of [['mean', p.mean], ['std', p.std]] as const) {
    if (v && v.length !== 1 && channels > 0 && v.length !== channels) {
      throw new UserError(`${id}: teacher.preprocess.${k} has ${v.length} values but the teacher takes ${channels} channels; give 1 or ${channels} (--teacher-${k})`);
    }
  }
}

/** (x · scale − mean[c]) / std[c] on an NHWC batch (call inside tf.tidy). */
export function applyPreprocess(x: tf.Tensor4D, p: Preprocess): tf.Tensor4D {
  if (isIdentity(p)) return x;
  let y: tf.Tensor = p.scale === 1 ? x : tf.mul(x, p.scale);
  if (p.mean) y = tf.sub(y, tf.tensor1d(p.mean));
  if (p.std) y = tf.div(y, tf.tensor1d(p.std));
  return y as tf.Tensor4D;
}
