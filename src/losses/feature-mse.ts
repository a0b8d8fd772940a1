import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { LossContext, LossTerm } from '../core/types.js';

const Params = z
  .object({
    student: z.string().default('penultimate'),
    teacher: z.string().default('penultimate'),
    /** auto: project only when channel counts differ; conv1x1/dense: always project; none: never (shapes must match). */
    adapter: z.enum(['auto', 'conv1x1', 'dense', 'none']).default('auto'),
  })
  .strict();
type Params = z.infer<typeof Params>;

// tfjs variable names are global to the process; a counter keeps repeated runs from colliding.
let adapterCount = 0;

/** How a student feature is brought to the teacher feature's shape. */
export interface FeaturePlan {
  /** Global-average-pool the student (rank-3 → rank-1) before projecting. */
  gapStudent: boolean;
  gapTeacher: boolean;
  /** Average-pool factor applied to the student (>1 shrinks it) or the teacher. */
  poolStudent: number;
  poolTeacher: number;
  /** Bilinear resize of the student to [h, w] when the sizes are not multiples. */
  resizeStudent?: [number, number];
  /** Projection [cs, ct] (a 1x1 conv on rank-3 features, a dense layer on rank-1). */
  project?: [number, number];
}

/** Works out the pooling/resizing/projection that makes the student tap's shape match the teacher tap's. */
export function planFeatureMatch(s: number[], t: number[], adapter: Params['adapter'], label: string): FeaturePlan {
  const plan: FeaturePlan = { gapStudent: false, gapTeacher: false, poolStudent: 1, poolTeacher: 1 };
  let ss = s;
  let ts = t;
  if (ss.length !== 3 && ss.length !== 1) throw new UserError(`${label}: student tap has shape [${s}]; feature-mse needs [h, w, c] or [c]`);
  if (ts.length !== 3 && ts.length !== 1) throw new UserError(`${label}: teacher tap has shape [${t}]; feature-mse needs [h, w, c] or [c]`);
  if (ss.length === 3 && ts.length === 1) {
    plan.gapStudent = true;
    ss = [ss[2]!];
  } else if (ss.length === 1 && ts.length === 3) {
    plan.gapTeacher = true;
    ts = [ts[2]!];
  }
  if (ss.length === 3) {
    const [hs, ws] = ss as [number, number, number];
    const [ht, wt] = ts as [number, number, number];
    if (hs !== ht || ws !== wt) {
      if (hs % ht === 0 && ws % wt === 0 && hs / ht === ws / wt) plan.poolStudent = hs / ht;
      else if (ht % hs === 0 && wt % ws === 0 && ht / hs === wt / ws) plan.poolTeacher = ht / hs;
      else plan.resizeStudent = [ht, wt];
    }
  }
  const cs = ss.at(-1)!;
  const ct = ts.at(-1)!;
  if (adapter === 'none') {
    if (cs !== ct) throw new UserError(`${label}: student has ${cs} channels, teacher ${ct}; use adapter "auto" (or conv1x1/dense) to project`);
  } else if (adapter !== 'auto' || cs !== ct) plan.project = [cs, ct];
  return plan;
}

/** Applies a {@link FeaturePlan}'s student side (with the adapter kernel when projecting). */
export function adaptStudent(x: tf.Tensor, plan: FeaturePlan, kernel?: tf.Tensor2D): tf.Tensor {
  let y = x;
  if (plan.gapStudent) y = tf.mean(y, [1, 2]);
  if (plan.poolStudent > 1) y = tf.avgPool(y as tf.Tensor4D, plan.poolStudent, plan.poolStudent, 'valid');
  if (plan.resizeStudent) y = tf.image.resizeBilinear(y as tf.Tensor4D, plan.resizeStudent);
  if (plan.project && kernel) {
    const shape = y.shape;
    y = tf.reshape(tf.matMul(tf.reshape(y, [-1, plan.project[0]]), kernel), [...shape.slice(0, -1), plan.project[1]]);
  }
  return y;
}

/** Applies a {@link FeaturePlan}'s teacher side. */
export function adaptTeacher(x: tf.Tensor, plan: FeaturePlan): tf.Tensor {
  let y = x;
  if (plan.gapTeacher) y = tf.mean(y, [1, 2]);
  if (plan.poolTeacher > 1) y = tf.avgPool(y as tf.Tensor4D, plan.poolTeacher, plan.poolTeacher, 'valid');
  return y;
}

/**
 * Loss term `feature-mse` (FitNets hints): mean((A(f_s) − f_t)²) over all elements, where f_s is a student tap,
 * f_t a teacher tap, and A a learned 1x1-conv/dense adapter (plus pooling or resizing when spatial sizes differ).
 * The adapter is trained with the student and never exported. Romero et al., "FitNets: Hints for Thin Deep
 * Nets", ICLR 2015.
 */
export const featureMseTerm: LossTerm<Params> = {
  name: 'feature-mse',
  description: 'mean((A(f_s) − f_t)²) with a learned adapter A (Romero et al., FitNets, 2015)',
  params: Params,
  needsTeacher: true,
  taps: (p) => ({ student: [p.student], teacher: [p.teacher] }),
  create(p, ctx: LossContext) {
    const label = `feature-mse ${p.student}→${p.teacher}`;
    const plan = planFeatureMatch(ctx.shapeOf('student', p.student), ctx.shapeOf('teacher', p.teacher), p.adapter, label);
    let kernel: tf.Variable | undefined;
    if (plan.project) {
      const [cs, ct] = plan.project;
      const init = tf.initializers.glorotUniform({ seed: ctx.seed });
      kernel = tf.variable(init.apply([cs, ct]) as tf.Tensor2D, true, `adapter/${p.student}->${p.teacher}/kernel_${adapterCount++}`);
      ctx.addTrainable(kernel);
    }
    return (s, t) => {
      const fs = s.features[p.student];
      const ft = t?.features[p.teacher];
      if (!fs || !ft) throw new Error(`${label}: tap outputs missing`);
      return tf.tidy(() => tf.mean(tf.squaredDifference(adaptStudent(fs, plan, kernel as tf.Tensor2D | undefined), adaptTeacher(ft, plan))) as tf.Scalar);
    };
  },
};
