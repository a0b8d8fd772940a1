/**
 * Which teacher model each target measures: the tfjs model on tfjs targets; on onnxruntime targets the ONNX teacher
 * file itself, or an ONNX export of a LayersModel teacher. The ONNX forms are made on first need, once per bench.
 */
import type { Target } from '../config/target.js';
import type { Logger } from '../core/progress.js';
import type { BenchInputs } from './inputs.js';
import { preprocessImages, teacherOnnx, teacherOnnxFile, teacherPreprocessOf, teacherSkipReason, type TeacherOnnx, type TeacherOnnxFile } from './teacher.js';
import type { ModelRef, RunnerContext } from './types.js';

/** The teacher of one bench, per target. */
export interface TeacherSource {
  /** The teacher model to measure on `target`, or why it has no row there. */
  forTarget(target: Target): Promise<{ ref?: ModelRef; skip?: string }>;
  /** The context the teacher is measured in: the test images at its input size, through its preprocessing (what distill fed it). */
  context(ctx: RunnerContext): RunnerContext;
  /** results.json's `models.teacher.onnx`: which ONNX form ran, or why none did. */
  onnxNote(): string;
  /** Removes the ONNX export made for this bench, if any. */
  cleanup(): Promise<void>;
}

/** The teacher of the run in `inputs`. */
export function teacherSource(inputs: BenchInputs, log: Logger): TeacherSource {
  const { teacherKind: kind, teacherPath: path, teacherTf, config, teacherData } = inputs;
  const pre = teacherPreprocessOf(config.teacher);
  let onnxFile: TeacherOnnxFile | undefined;
  let onnxExport: TeacherOnnx | undefined;
  let preprocessed: RunnerContext | undefined;
  return {
    async forTarget(target) {
      const skip = teacherSkipReason(kind, target.runtime);
      if (skip) return { skip };
      if (target.runtime === 'tfjs') return teacherTf ? { ref: teacherTf } : {};
      if (kind === 'onnx') {
        onnxFile ??= await teacherOnnxFile({ ...config.teacher, path });
        return onnxFile.ok ? { ref: onnxFile.ref } : { skip: onnxFile.reason };
      }
      if (target.runtime === 'onnxruntime') {
        onnxExport ??= await teacherOnnx(path, config.data, log);
        return onnxExport.ok ? { ref: onnxExport.ref } : { skip: onnxExport.reason };
      }
      return {};
    },
    context(ctx) {
      if (!pre && teacherData === ctx.data) return ctx;
      preprocessed ??= { ...ctx, data: { ...teacherData, x: pre ? preprocessImages(teacherData.x, teacherData.shape[2], pre) : teacherData.x } };
      return preprocessed;
    },
    onnxNote() {
      if (kind === 'onnx') return onnxFile === undefined ? 'not needed' : onnxFile.ok ? 'the teacher file itself' : onnxFile.reason;
      if (kind === 'graph-model') return teacherSkipReason(kind, 'onnxruntime')!;
      return onnxExport === undefined ? 'not needed' : onnxExport.ok ? 'exported for this bench' : onnxExport.reason;
    },
    async cleanup() {
      if (onnxExport?.ok) await onnxExport.cleanup();
    },
  };
}
