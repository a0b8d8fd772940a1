/** Checks of teacher against data, made before a run directory is touched. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { Dataset, Teacher } from '../core/types.js';
import type { ModelTeacher } from '../teachers/index.js';
import type { DistillConfig } from '../config/schema.js';
import { onnxProblems } from '../export/onnx/convert.js';
import { readTopology } from '../export/onnx/topology.js';

/** Checks that teacher and data agree on input shape (NHWC; -1 takes any size) and classes. */
export function checkTeacherData(teacher: Teacher, data: Dataset): void {
  const fits = teacher.inputShape.length === data.inputShape.length && teacher.inputShape.every((d, i) => d === -1 || d === data.inputShape[i]);
  if (!fits) {
    const layout = (teacher as Partial<ModelTeacher>).layout;
    const [h, w, c] = teacher.inputShape;
    // An NCHW file read as NHWC (or the reverse) shows up as the data's shape with the axes rotated.
    const swapped = layout === 'nhwc' ? [w, c, h] : layout === 'nchw' ? [c, h, w] : undefined;
    const hint = swapped && swapped.join('x') === data.inputShape.join('x') ? `; the file may be ${layout === 'nhwc' ? 'NCHW' : 'NHWC'}: try --teacher-layout ${layout === 'nhwc' ? 'nchw' : 'nhwc'}` : '';
    throw new UserError(`teacher ${teacher.id} takes inputs [${teacher.inputShape.join(', ')}] but ${data.name} has [${data.inputShape.join(', ')}] (h, w, c); use data of the teacher's shape (image folders are resized to it)${hint}`);
  }
  if (teacher.numClasses !== data.numClasses) {
    throw new UserError(`teacher ${teacher.id} predicts ${teacher.numClasses} classes but ${data.name} has ${data.numClasses}; the teacher must be trained on the same classes`);
  }
}

/**
 * Runs the teacher on a few real training images, so a data shape the model cannot take (an error inside the
 * model, not just a declared-shape mismatch) stops the run before anything is written or trained; so does a teacher
 * whose outputs are NaN or ±Inf on them (broken weights), which training would report as its own divergence.
 */
export async function probeOnData(teacher: Teacher, data: Dataset): Promise<void> {
  for await (const b of data.batches('train', 2, { limit: 2 })) {
    try {
      const out = await teacher.forward(b.x, []);
      const logits = (await out.logits.data()) as Float32Array;
      tf.dispose([out.logits, ...Object.values(out.features)]);
      const bad = logits.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        const input = (await b.x.data()) as Float32Array;
        const inputOk = input.every((v) => Number.isFinite(v));
        throw new UserError(`teacher ${teacher.id}: its outputs on the first training images of ${data.name} are not finite (${logits[bad]} among ${logits.length} values)${inputOk ? ' although the images are' : ''}; the teacher is broken (NaN or Inf weights, or an overflow inside it): check it with edge-distill inspect, or re-export it`);
      }
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }
}


/** Refuses sizing settings for a student loaded from a file: it is one fixed architecture, there is nothing to size. */
export function checkFileStudentFlags(c: DistillConfig): void {
  if (!c.student.model) return;
  const given = [
    c.student.params && '--params',
    c.student.maxBytes !== undefined && '--max-bytes',
    c.student.target && '--target',
    c.student.sizeBy && '--size-by',
    c.student.candidates !== undefined && '--candidates',
  ].filter(Boolean);
  if (given.length) throw new UserError(`--student ${c.student.model}: ${given.join(', ')} size${given.length === 1 ? 's' : ''} a student family; a model you bring is one fixed architecture: drop ${given.join(' and ')}, or pick a family (cnn, dsconv, mlp, vgg) to size`);
}

/**
 * Refuses, before any training, a student the exporters cannot write: every layer must have an ONNX converter
 * (tfjs files take any LayersModel). The message lists each unsupported layer.
 */
export function checkExportable(model: tf.LayersModel, what: string): void {
  const problems = onnxProblems(readTopology(model));
  if (problems.length) throw new UserError(`${what}: the model cannot be exported to every format: ${problems.join('; ')}; replace those layers, or train a family student`);
}
