import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import { closestNames } from '../core/names.js';
import type { LossContext, Teacher } from '../core/types.js';
import type { LossConfig } from '../config/schema.js';
import { buildLoss, missingTeacherError, parseLossTerms } from '../losses/index.js';
import { liveTeacherOutputs } from '../teachers/outputs.js';

/** The teacher taps the loss terms read (every term, as the trainer probes them all). */
export function teacherTapsOf(loss: LossConfig): string[] {
  return [...new Set(parseLossTerms(loss).flatMap((p) => p.term.taps(p.params).teacher))];
}

/**
 * Builds the loss once against the real student and teacher tap shapes and throws the adapters away, so a tap
 * whose shape feature-mse cannot match (or a missing tap) fails before a run directory, a teacher cache or any
 * training step. Returns whether the loss reads the teacher.
 */
export async function checkLossShapes(student: tf.LayersModel, teacher: Teacher | undefined, loss: LossConfig, numClasses: number): Promise<boolean> {
  const taps = teacherTapsOf(loss);
  const teacherShapes = teacher && taps.length ? await liveTeacherOutputs(teacher).tapShapes(taps) : {};
  const made: tf.Variable[] = [];
  const ctx: LossContext = {
    addTrainable: (v) => made.push(v),
    shapeOf: (side, tap) => {
      if (side === 'teacher') {
        const s = teacherShapes[tap];
        if (!s) throw new UserError('feature-mse needs a teacher (--teacher)');
        return s;
      }
      try {
        return student.getLayer(tap).outputShape.slice(1) as number[];
      } catch {
        throw new UserError(`student has no layer "${tap}" to tap (nearest: ${closestNames(tap, student.layers.map((l) => l.name)).join(', ')})`);
      }
    },
    numClasses,
    seed: 0,
  };
  try {
    const built = buildLoss(loss, ctx);
    if (built.needsTeacher && !teacher) throw missingTeacherError(loss);
    return built.needsTeacher;
  } catch (e) {
    // feature-mse names the pair; add which teacher tensor it was and where to look for others.
    if (e instanceof UserError && teacher && /teacher tap has shape/.test(e.message)) throw new UserError(`${e.message}; pick a tap of shape [h, w, c] or [c] (edge-distill inspect --teacher ${teacher.id} lists them)`);
    throw e;
  } finally {
    made.forEach((v) => v.dispose());
  }
}
