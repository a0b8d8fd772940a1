/**
 * RUN/export/manifest.json: the export folder's table of contents, written by the export stage and read by the bench
 * stage (this module is the one schema both use). One entry per artifact (format ×
 * precision): where its files are (relative to the export folder), how big they are raw and gzipped, what input
 * layout it takes, and its parity figures (details in `<dir>/parity.json`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { Artifact, ArtifactFormat, Precision } from '../core/types.js';
import { readJsonFile, validate } from '../config/load.js';
import { RUN_FILES, runPaths } from './layout.js';

/** Bumped when manifest.json changes incompatibly. */
export const MANIFEST_VERSION = 1;

/** What the manifest records of an artifact's parity.json (the export stage's ParityReport satisfies it). */
export type ParitySummary = z.infer<typeof ParitySummarySchema>;

/** An artifact as listed in the manifest: {@link Artifact} (dir relative to the export folder) and its parity summary. */
export interface ManifestArtifact extends Artifact {
  parity: ParitySummary & {
    /** parity.json, relative to the export folder. */
    file: string;
  };
}

/** manifest.json of an export folder. */
export interface ExportManifest {
  version: typeof MANIFEST_VERSION;
  createdBy: string;
  createdAt: string;
  source: {
    /** model.json path as given (null when a LayersModel object was passed). */
    model: string | null;
    /** The distill run directory, when exported with --run. */
    run: string | null;
    /** Input shape without batch, NHWC for images. */
    inputShape: number[];
    /** Output shape without batch (logits: [classes]). */
    outputShape: number[];
    params: number;
  };
  /** The data the parity batch and int8 calibration came from (null: seeded random inputs, no accuracy). */
  data: { spec: string; seed: number | null; split: string; samples: number; calibration: number | null; mean?: number[]; std?: number[] } | null;
  /** tfjs backend the source model (and reloaded tfjs artifacts) ran on. */
  backend: string;
  policy: { tolerance: number; minAgreement: number };
  artifacts: ManifestArtifact[];
  /** Requested combinations a format does not support (e.g. onnx × uint8). */
  skipped: { format: ArtifactFormat; precision: Precision; reason: string }[];
}

const RuntimeParity = z.object({ runtime: z.string(), maxAbsDiff: z.number(), meanAbsDiff: z.number(), top1Agreement: z.number(), accuracy: z.number().nullable() });
const Size = z.object({ bytes: z.number(), gzipBytes: z.number(), fp32Bytes: z.number(), fp32GzipBytes: z.number(), reduction: z.number(), gzipReduction: z.number() });
const PrecisionSchema = z.enum(['fp32', 'float16', 'uint16', 'uint8', 'int8']);
const FormatSchema = z.enum(['tfjs', 'onnx']);
const ParitySummarySchema = z.object({
  status: z.enum(['pass', 'fail']),
  rule: z.string(),
  inputs: z.string(),
  samples: z.number(),
  reference: z.object({ runtime: z.string(), accuracy: z.number().nullable() }),
  runtimes: z.array(RuntimeParity),
  size: Size,
});

/** The zod schema of manifest.json (what {@link readExportManifest} validates). */
export const ExportManifestSchema = z.object({
  version: z.literal(MANIFEST_VERSION),
  createdBy: z.string(),
  createdAt: z.string(),
  source: z.object({ model: z.string().nullable(), run: z.string().nullable(), inputShape: z.array(z.number()), outputShape: z.array(z.number()), params: z.number() }),
  data: z
    .object({ spec: z.string(), seed: z.number().nullable(), split: z.string(), samples: z.number(), calibration: z.number().nullable(), mean: z.array(z.number()).optional(), std: z.array(z.number()).optional() })
    .nullable(),
  backend: z.string(),
  policy: z.object({ tolerance: z.number(), minAgreement: z.number() }),
  artifacts: z.array(
    z.object({
      format: FormatSchema,
      precision: PrecisionSchema,
      dir: z.string(),
      entry: z.string(),
      files: z.array(z.string()),
      bytes: z.number(),
      gzipBytes: z.number(),
      layout: z.enum(['nhwc', 'nchw']),
      inputName: z.string().optional(),
      outputName: z.string().optional(),
      parity: ParitySummarySchema.extend({ file: z.string() }),
    }),
  ),
  skipped: z.array(z.object({ format: FormatSchema, precision: PrecisionSchema, reason: z.string() })),
});

/** Reads and validates an export folder's manifest.json (`path` is the file or the folder). */
export async function readExportManifest(path: string): Promise<ExportManifest> {
  const file = path.endsWith('.json') ? path : join(path, RUN_FILES.manifest);
  return validate(ExportManifestSchema, await readJsonFile(file, 'export manifest.json'), file) as ExportManifest;
}

/**
 * The exports of a run directory, for the bench: RUN/export/manifest.json, which must list at least one artifact
 * whose entry file is there. Each failure is a {@link UserError} saying what to run.
 */
export async function readRunExports(runDir: string): Promise<{ manifest: ExportManifest; exportDir: string }> {
  const { exportDir, manifest: path } = runPaths(runDir);
  if (!existsSync(path)) {
    throw new UserError(`${path}: not found: the run has no exports to benchmark; run edge-distill export --run ${runDir} first`);
  }
  const manifest = await readExportManifest(path);
  if (manifest.artifacts.length === 0) {
    throw new UserError(`${path}: artifacts: the export manifest lists no artifacts; run edge-distill export --run ${runDir} with at least one format`);
  }
  for (const [i, a] of manifest.artifacts.entries()) {
    const entry = join(exportDir, a.dir, a.entry);
    if (!existsSync(entry)) throw new UserError(`${path}: artifacts.${i}: ${join(a.dir, a.entry)} is missing from ${exportDir}; re-run the export`);
  }
  return { manifest, exportDir };
}

/** What an export was made from, as one line for reports. */
export function describeSource(source: ExportManifest['source']): string {
  return source.model ?? (source.run ? `run ${source.run}` : 'unknown');
}
