import * as tf from '@tensorflow/tfjs';
import type { Batch, Outputs, Teacher } from '../core/types.js';
import type { AugmentOpConfig } from '../config/schema.js';

/**
 * The augmented views a teacher cache holds (`--teacher-views K`, FKD-style): for every image, the teacher's outputs
 * on K views, view k of image i augmented by `ops` drawing from a generator seeded by (seed, i, k)
 * (src/data/augment/ `viewSeed`), so the trainer can replay exactly the view the teacher saw.
 */
export interface TeacherViews {
  ops: AugmentOpConfig[];
  seed: number;
  count: number;
}

/**
 * Where the trainer gets the teacher's outputs for a training batch: the live teacher, or a teacher cache computed
 * before training (src/teachers/cache). Both give the same tensors (logits, NHWC taps); the trainer does not
 * know which it has.
 */
export interface TeacherOutputs {
  /** For logs: "live onnx teacher", "teacher cache DIR (float16 features)". */
  readonly description: string;
  /** True when outputs are looked up by sample index (a cache): they are the un-augmented images' outputs. */
  readonly byIndex?: boolean;
  /** For a cache of augmented views: which (their outputs are read with `forBatch(b, taps, view)`). */
  readonly views?: TeacherViews | undefined;
  /** Shapes of the taps without the batch dimension; a tap the source cannot give is a UserError. */
  tapShapes(taps: readonly string[]): Promise<Record<string, number[]>>;
  /** The teacher's logits and taps for `batch` (tensors belong to the caller); of view `view` for a cache of views. */
  forBatch(batch: Batch, taps: readonly string[], view?: number): Promise<Outputs>;
  dispose(): void;
}

/** Runs the teacher on every batch. */
export function liveTeacherOutputs(teacher: Teacher): TeacherOutputs {
  return {
    description: `live teacher ${teacher.id}`,
    async tapShapes(taps) {
      if (taps.length === 0) return {};
      const [h, w, c] = teacher.inputShape as [number, number, number];
      const probe: tf.Tensor4D = tf.zeros([1, h, w, c]);
      const out = await teacher.forward(probe, taps);
      const shapes = Object.fromEntries(taps.map((t) => [t, out.features[t]!.shape.slice(1)]));
      tf.dispose([probe, out.logits, ...Object.values(out.features)]);
      return shapes;
    },
    forBatch: (b, taps) => teacher.forward(b.x, taps),
    dispose: () => undefined, // the teacher belongs to the caller
  };
}
