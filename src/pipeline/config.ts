import { z } from 'zod';
import { DistillConfig, TEACHER_TRAINING_DEFAULTS } from '../config/schema.js';

/** Export stage settings of a pipeline run (see `edge-distill export`). */
export const ExportStageConfig = z
  .object({
    formats: z.array(z.enum(['tfjs', 'onnx'])).min(1).default(() => ['tfjs', 'onnx'] as ('tfjs' | 'onnx')[]),
    /** Precisions to write; pairs a format does not support are skipped and listed in the manifest. */
    precisions: z.array(z.string()).min(1).default(() => ['fp32', 'uint8', 'int8']),
    onnxBatch: z.number().int().positive().optional(),
    calibration: z.number().int().positive().optional(),
    tolerance: z.number().positive().optional(),
  })
  .strict();

/** Bench stage settings of a pipeline run (see `edge-distill bench`). */
export const BenchStageConfig = z
  .object({
    /** Target files or globs (default: the shipped targets/). */
    targets: z.array(z.string()).optional(),
    /** Only these target ids. */
    only: z.array(z.string()).optional(),
    /** Few iterations and at most 256 test images. */
    quick: z.boolean().default(false),
    testLimit: z.number().int().positive().optional(),
  })
  .strict();

/** Trains the teacher first when `teacher.path` does not exist yet (the demo, users without a teacher). */
export const TeacherTrainingConfig = z
  .object({
    arch: z.string().default(TEACHER_TRAINING_DEFAULTS.arch),
    epochs: z.number().int().positive().default(TEACHER_TRAINING_DEFAULTS.epochs),
    /** Where train-teacher writes; `teacher.path` should be OUT/student/model.json. */
    out: z.string(),
  })
  .strict();

/** `edge-distill run -c FILE`: the distill config plus the later stages. */
export const PipelineConfig = z
  .object({
    ...DistillConfig.shape,
    trainTeacher: TeacherTrainingConfig.optional(),
    export: ExportStageConfig.prefault({}),
    bench: BenchStageConfig.prefault({}),
  })
  .strict();

export type PipelineConfig = z.infer<typeof PipelineConfig>;

/** The export stage's defaults in a pipeline run (for the CLI's help). */
export const EXPORT_STAGE_DEFAULTS = ExportStageConfig.parse({});

/** The stages of a pipeline run, in order. */
export const STAGES = ['teacher', 'distill', 'export', 'bench'] as const;
export type StageName = (typeof STAGES)[number];
