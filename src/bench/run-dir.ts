/** Reading a run directory: what the distill stage (config.json) and the export stage (export/manifest.json) left. */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { Artifact } from '../core/types.js';
import { readJsonFile, validate } from '../config/load.js';
import { PRECISIONS } from '../config/target.js';
import { DATA_DEFAULTS } from '../config/schema.js';

/** The parts of RUN/config.json the bench reads (the distill stage writes the full resolved config). */
const RunConfig = z.looseObject({
  data: z
    .looseObject({
      spec: z.string().min(1).default(DATA_DEFAULTS.spec),
      seed: z.number().int().default(DATA_DEFAULTS.seed),
      inputShape: z.array(z.number().int().positive()).length(3).optional(),
      mean: z.array(z.number()).optional(),
      std: z.array(z.number().positive()).optional(),
      strict: z.boolean().optional(),
    })
    .prefault({}),
  teacher: z.looseObject({ path: z.string().min(1) }),
});
export type RunConfig = z.infer<typeof RunConfig>;

/** One entry of the export manifest (the export stage's contract: an Artifact, perhaps with parity numbers). */
const ManifestArtifact = z.looseObject({
  format: z.enum(['tfjs', 'onnx']),
  precision: z.enum(PRECISIONS),
  dir: z.string(),
  entry: z.string().min(1),
  files: z.array(z.string()),
  bytes: z.number().int().nonnegative(),
  gzipBytes: z.number().int().nonnegative(),
  layout: z.enum(['nhwc', 'nchw']).default('nhwc'),
  inputName: z.string().optional(),
  outputName: z.string().optional(),
  parity: z.unknown().optional(),
});

/** What the export was made from: a string, or the export stage's object ({ model, run, inputShape, ... }). */
const ManifestSource = z.union([z.string(), z.looseObject({ model: z.string().nullable().optional(), run: z.string().nullable().optional() })]);
const Manifest = z.looseObject({ source: ManifestSource, artifacts: z.array(ManifestArtifact) });
export type ExportManifest = { source: z.infer<typeof ManifestSource>; artifacts: (Artifact & { parity?: unknown })[] };

/** The manifest's source as one line for reports. */
export function describeSource(source: ExportManifest['source']): string {
  if (typeof source === 'string') return source;
  return source.model ?? (source.run ? `run ${source.run}` : 'unknown');
}

/** Reads and checks RUN/config.json. */
export async function readRunConfig(runDir: string): Promise<RunConfig> {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new UserError(`${path}: not found; --run must name a run directory made by edge-distill distill`);
  return validate(RunConfig, await readJsonFile(path, 'run config'), path);
}

/**
 * The teacher's model.json: absolute paths as they are; relative ones against the run directory first, then the
 * current directory (where the distill command was run).
 */
export function resolveTeacherPath(runDir: string, path: string): string {
  if (isAbsolute(path)) return path;
  const inRun = resolve(runDir, path);
  return existsSync(inRun) ? inRun : resolve(path);
}

/** Reads RUN/export/manifest.json; no manifest or no artifacts is a {@link UserError} saying what to run. */
export async function readExportManifest(runDir: string): Promise<{ manifest: ExportManifest; exportDir: string }> {
  const exportDir = join(runDir, 'export');
  const path = join(exportDir, 'manifest.json');
  if (!existsSync(path)) {
    throw new UserError(`${path}: not found: the run has no exports to benchmark; run edge-distill export --run ${runDir} first`);
  }
  const manifest = validate(Manifest, await readJsonFile(path, 'export manifest'), path) as ExportManifest;
  if (manifest.artifacts.length === 0) {
    throw new UserError(`${path}: artifacts: the export manifest lists no artifacts; run edge-distill export --run ${runDir} with at least one format`);
  }
  for (const [i, a] of manifest.artifacts.entries()) {
    const entry = join(exportDir, a.dir, a.entry);
    if (!existsSync(entry)) throw new UserError(`${path}: artifacts.${i}: ${join(a.dir, a.entry)} is missing from ${exportDir}; re-run the export`);
  }
  return { manifest, exportDir };
}
