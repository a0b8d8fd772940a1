/** The student's combined loss as training computes it: built against its taps, and its value and gradients on a batch. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import { closestNames } from '../core/names.js';
import type { LabelMix, LossContext, Outputs } from '../core/types.js';
import type { LossConfig } from '../config/schema.js';
import { buildLoss, type CombinedLoss } from '../losses/index.js';

/** The tap of layer `name` (an unknown name is a UserError naming the nearest ones). */
function studentTap(model: tf.LayersModel, name: string): tf.SymbolicTensor {
  try {
    return model.getLayer(name).output as tf.SymbolicTensor;
  } catch {
    const names = model.layers.map((l) => l.name);
    throw new UserError(`student has no layer "${name}" to tap (nearest: ${closestNames(name, names).join(', ')})`);
  }
}

/** A loss built for a student: the loss, the trainables it added (adapters), the student's taps and its head. */
export interface StudentLoss {
  loss: CombinedLoss;
  /** Trainable variables the loss terms added (feature adapters), in the order they were added. */
  trainables: tf.Variable[];
  /** Student taps the terms read, in a fixed order (the head's outputs after the logits). */
  tapNames: string[];
  /** The student with its taps as extra outputs (the student itself when no term taps it). */
  head: tf.LayersModel;
}

/**
 * Builds `config`'s combined loss for `student`: `teacherShapes` gives each teacher tap's shape (without the batch).
 * Deterministic in its inputs, so a training worker given the same student, config and shapes builds the same taps and
 * the same trainables, in the same order, as the main thread.
 */
export function buildStudentLoss(student: tf.LayersModel, config: LossConfig, o: { numClasses: number; seed: number; partialLabels?: boolean | undefined; teacherShapes: ReadonlyMap<string, number[]> }): StudentLoss {
  const trainables: tf.Variable[] = [];
  const studentTaps = new Map<string, tf.SymbolicTensor>();
  const ctx: LossContext = {
    addTrainable: (v) => trainables.push(v),
    shapeOf: (side, tap) => {
      if (side === 'student') {
        const t = studentTap(student, tap);
        studentTaps.set(tap, t);
        return t.shape.slice(1) as number[];
      }
      const s = o.teacherShapes.get(tap);
      if (!s) throw new Error(`teacher tap ${tap} was not probed`);
      return s;
    },
    numClasses: o.numClasses,
    seed: o.seed,
    ...(o.partialLabels ? { partialLabels: true } : {}),
  };
  const loss = buildLoss(config, ctx);
  for (const t of loss.taps.student) if (!studentTaps.has(t)) studentTaps.set(t, studentTap(student, t));
  const tapNames = [...studentTaps.keys()];
  const head = tapNames.length === 0 ? student : tf.model({ inputs: student.inputs, outputs: [student.outputs[0]!, ...tapNames.map((n) => studentTaps.get(n)!)] });
  return { loss, trainables, tapNames, head };
}

/** A batch as the loss takes it: the student's input, labels, the teacher's outputs and how images were mixed. */
export interface LossBatch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  teacher?: Outputs | undefined;
  mix?: LabelMix | undefined;
}

/**
 * The combined loss of `sl` on `batch` in training mode (BatchNorm on batch statistics, updating its moving ones) and
 * its gradients with respect to `vars`, in their order. Each term's value is kept past the gradient's tidy, to name
 * the one that went non-finite if the total does. The caller disposes value, grads and parts.
 */
export function lossAndGradients(sl: StudentLoss, vars: tf.Variable[], batch: LossBatch): { value: tf.Scalar; grads: tf.Tensor[]; parts: Record<string, tf.Scalar> } {
  let parts: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = sl.head.apply(batch.x, { training: true });
    const arr = Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
    const features: Record<string, tf.Tensor> = {};
    sl.tapNames.forEach((n, i) => (features[n] = arr[i + 1]!));
    const r = sl.loss.compute({ logits: arr[0]!, features }, batch.teacher, batch.y, batch.mix);
    parts = r.parts;
    Object.values(parts).forEach((p) => tf.keep(p));
    return r.total;
  }, vars);
  return { value, grads: vars.map((x) => grads[x.name]!), parts };
}
